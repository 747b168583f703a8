// What the export tests of ss-store share: a store the library wrote (written_store.hpp), an
// actor config describing its three sensors with a dataset of all of them, and the records the
// library itself serves from that store with their times (ss_consume_batch_info, on a copy, so
// the store the tool reads is never touched): what every export must hold.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "cli/written_store.hpp"
#include "support/temp_data_root.hpp"

namespace ss::test {

/// host:1 is "temp" (0.5 · raw − 10 °C, good in [0, 4000], suspect to 8000, calibrated
/// 2026-01-31), app:2 the event sensor "door" (good in [0, 300]), can:3 a CAN signal "oil"
/// (raw, good in [0, 1000], suspect to 4000); the dataset "plant" holds all three.
inline const std::string export_config_text =
    "[system]\n"
    "max_sensors = 16\n"
    "ram_pool_bytes = 1048576\n"
    "[sources]\n"
    "poll = { kind = 'sim_poll', bus = 'host', period = 1s }\n"
    "doors = { kind = 'sim_events', bus = 'app' }\n"
    "engine = { kind = 'sim_can', bus = 'can', frame_rate = 500 }\n"
    "[sensors]\n"
    "temp = { source = \"poll\", id = 1, unit = \"degC\", valid = [0.0, 4000.0], plausible = [0.0, 8000.0],\n"
    "         slope = 0.5, offset = -10.0, calibrated = \"2026-01-31\" }\n"
    "door = { source = \"doors\", id = 2, type = 'evt', valid = [0.0, 300.0] }\n"
    "oil = { source = \"engine\", id = 3, can_id = 256, start_bit = 0, length = 16, unit = \"bar\",\n"
    "        valid = [0.0, 1000.0], plausible = [0.0, 4000.0] }\n"
    "[datasets]\n"
    "plant = { id = \"DS-7\", description = \"Pump hall\", sensors = [\"temp\", \"door\", \"oil\"],\n"
    "          metadata = { site = \"plant 3\" } }\n"
    "[uploader]\n"
    "transport = 'none'\n";

/// 2026-01-31T00:00:00Z in ms: the calibration date of "temp".
inline constexpr std::uint64_t temp_calibrated_ms = 1'769'817'600'000ull;

/// A record as the library serves it: what an export of it must say.
struct ServedRecord {
    std::uint64_t seq = 0;
    std::uint64_t time = SS_TIME_UNKNOWN; ///< SS_TIME_UTC flag, or monotonic µs, or unknown
    std::uint32_t boot = 0;
    std::uint32_t value = 0;
    std::uint64_t ts_ms = 0;
};

/// Every live record of the store at `root`, with its time, as the library serves it after a
/// restart. Runs on a copy of the root (consuming marks records pending in the copy only).
inline std::map<store_tool::SensorKey, std::vector<ServedRecord>> served_with_times(const std::string& root) {
    TempDataRoot copy("ss-store-served");
    std::filesystem::copy(root, copy.root, std::filesystem::copy_options::recursive);
    SsInitCfg cfg = copy.config(4, 40);
    cfg.log = silent_log;
    REQUIRE(ss_init_system(&cfg) == 0);
    std::map<store_tool::SensorKey, std::vector<ServedRecord>> out;
    const std::pair<store_tool::SensorKey, SensorType> sensors[] = {
        {WrittenStore::host1, SENSOR_TS}, {WrittenStore::app2, SENSOR_EVT}, {WrittenStore::can3, SENSOR_TS}};
    for (const auto& [key, type] : sensors) {
        ::SensorStore* s = nullptr;
        REQUIRE(ss_sensor_init_ex(key.source, key.id, type, &s) == 0);
        SsEventRecord evts[64];
        std::uint32_t ts[64];
        void* buf = type == SENSOR_TS ? static_cast<void*>(ts) : static_cast<void*>(evts);
        std::uint32_t n = 0;
        SsBatchInfo info{};
        while (ss_consume_batch_info(s, buf, 64, &n, &info) == 0) {
            for (std::uint32_t i = 0; i < n; ++i) {
                ServedRecord r;
                r.seq = info.first_seq + i;
                r.time = ss_batch_record_time(&info, i);
                r.boot = info.boot;
                r.value = type == SENSOR_TS ? ts[i] : evts[i].value;
                r.ts_ms = type == SENSOR_TS ? 0 : evts[i].ts_ms;
                out[key].push_back(r);
            }
        }
    }
    REQUIRE(ss_deinit_system() == 0);
    return out;
}

/// Writes export_config_text to `path`.
inline void write_export_config(const std::string& path) {
    std::ofstream f(path);
    f << export_config_text;
    REQUIRE(f.good());
}

} // namespace ss::test
