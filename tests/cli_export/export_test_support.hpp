// Helpers of the export tests: a temporary directory, a real actor config parsed by the project's
// parser, synthetic sensors (time series and events, UTC, monotonic and unknown times, gaps in the
// sequence) and their records, and writing or reading a whole export.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ss/config/gateway_config.hpp"
#include "ss/export/config_metadata.hpp"
#include "ss/export/export_reader.hpp"
#include "ss/export/export_writer.hpp"

namespace ss::store_export::test {

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/ss-export-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return path + "/" + name; }
    std::string path;
};

/// A gateway config with three temperatures on the host bus (calibrated, with a date), two door
/// contacts (events) on the app bus, a signed CAN signal, and a dataset of the temperatures and
/// one door whose description needs CSV quoting.
inline const std::string test_config_text =
    "[system]\n"
    "max_sensors = 64\n"
    "ram_pool_bytes = 1048576\n"
    "[sources]\n"
    "poll = { kind = 'sim_poll', bus = 'host', period = 1s }\n"
    "doors = { kind = 'sim_events', bus = 'app' }\n"
    "engine = { kind = 'sim_can', bus = 'can', frame_rate = 500 }\n"
    "[sensors]\n"
    "temp = { source = \"poll\", id = 100, count = 3, unit = \"°C\", valid = [-20.0, 60.0],\n"
    "         plausible = [-40.0, 85.0], slope = 0.05, offset = -50.0, calibrated = \"2026-01-31\" }\n"
    "door = { source = \"doors\", id = 1, count = 2, type = 'evt', valid = [0.0, 1.0] }\n"
    "oil = { source = \"engine\", id = 7, can_id = 256, start_bit = 0, length = 16, signed = true,\n"
    "        unit = \"degC\", valid = [-40.0, 150.0], plausible = [-50.0, 200.0], slope = 0.1, offset = 0.0 }\n"
    "[datasets]\n"
    "climate = { id = \"DS-2026-001\", description = \"Hall climate, \\\"north\\\" wing\",\n"
    "            sensors = [\"temp\", \"door-2\"], metadata = { site = \"plant 3\", operator = \"line A\" } }\n"
    "[uploader]\n"
    "transport = 'none'\n";

/// The spec of test_config_text, parsed by ss::config::GatewayConfig.
inline const actors::PipelineSpec& test_spec() {
    static config::GatewayConfig cfg;
    static const bool loaded = [] {
        config::ConfigError error;
        const bool ok = cfg.load_text({}, "export-test.ini", test_config_text, error);
        if (!ok) FAIL(error.to_string());
        return ok;
    }();
    REQUIRE(loaded);
    return cfg.spec();
}

/// 2026-12-05T06:00:00Z in µs.
inline constexpr std::int64_t base_utc_us = 1'796'450'400'000'000;

/// Record i of a synthetic sensor: sequence numbers with a gap every 7th record; times on the
/// clock the sensor's id picks (UTC, monotonic with a new boot half-way, or unknown); raw values
/// sweeping the temperature channel's bad, suspect and good ranges (and negative for the signed
/// CAN signal); event times for event sensors.
inline ExportRecord synthetic_record(const ExportSensor& sensor, std::uint64_t i, std::uint64_t n) {
    ExportRecord r;
    r.seq = 1000 + i + i / 7;
    const std::uint32_t pick = (sensor.id + sensor.source) % 3;
    if (pick == 0) {
        r.clock = RecordClock::utc;
        r.time_us = base_utc_us + static_cast<std::int64_t>(i) * 1'000'123;
        r.boot = 4;
    } else if (pick == 1) {
        r.clock = RecordClock::monotonic;
        r.boot = i < n / 2 ? 4 : 5;
        r.time_us = static_cast<std::int64_t>(i < n / 2 ? 5'000'000 + i * 250 : i * 250);
    } else {
        r.clock = RecordClock::unknown;
        r.boot = 3;
    }
    if (sensor.type == RecordType::evt) {
        r.raw = static_cast<std::uint32_t>(i % 3); // 0 and 1 good, 2 bad for a door contact
        r.event_ms = 1'796'450'400'000 + i * 17;
    } else if (sensor.source == 2) {
        r.raw = static_cast<std::uint32_t>(static_cast<std::int32_t>(i % 4000) - 1000); // -100.0 .. 299.9
    } else {
        r.raw = static_cast<std::uint32_t>((i * 37) % 4100);
    }
    return r;
}

/// The test config's sensors, each with its metadata, and one sensor it does not have
/// (host:900, exported without metadata), in (source, id) order as the HDF5 reader lists them.
inline std::vector<ExportSensor> synthetic_sensors() {
    const auto& spec = test_spec();
    std::vector<ExportSensor> sensors;
    for (auto [source, id, type] : {std::tuple{std::uint8_t{0}, 100u, RecordType::ts},
                                    std::tuple{std::uint8_t{0}, 101u, RecordType::ts},
                                    std::tuple{std::uint8_t{0}, 102u, RecordType::ts},
                                    std::tuple{std::uint8_t{0}, 900u, RecordType::ts},
                                    std::tuple{std::uint8_t{1}, 1u, RecordType::evt},
                                    std::tuple{std::uint8_t{1}, 2u, RecordType::evt},
                                    std::tuple{std::uint8_t{2}, 7u, RecordType::ts}}) {
        if (id == 900) {
            sensors.push_back(sensor_without_config(source, id, type));
            continue;
        }
        auto sensor = sensor_from_config(spec, source, id, type);
        REQUIRE_MESSAGE(sensor.has_value(), (sensor ? "" : sensor.error().message));
        sensors.push_back(*sensor);
    }
    return sensors;
}

/// Records per synthetic sensor: sensor k gets records_for(k) (one of them none at all).
inline std::uint64_t records_for(std::size_t k) { return k == 4 ? 0 : 500 + 311 * k; }

using SensorRecords = std::vector<std::pair<ExportSensor, std::vector<ExportRecord>>>;

inline SensorRecords synthetic_export() {
    SensorRecords all;
    const auto sensors = synthetic_sensors();
    for (std::size_t k = 0; k < sensors.size(); ++k) {
        std::vector<ExportRecord> records;
        const std::uint64_t n = records_for(k);
        for (std::uint64_t i = 0; i < n; ++i) records.push_back(synthetic_record(sensors[k], i, n));
        all.emplace_back(sensors[k], std::move(records));
    }
    return all;
}

inline ExportFileInfo test_file_info() {
    ExportFileInfo info;
    info.tool_version = "ss-store test";
    info.created_utc_us = base_utc_us + 123'456;
    return info;
}

/// Writes every sensor, appending its records in uneven pieces (so that buffering across
/// appends is exercised), then finishes.
inline void write_export(ExportWriter& writer, const SensorRecords& all) {
    for (const auto& [sensor, records] : all) {
        auto begun = writer.begin_sensor(sensor);
        REQUIRE_MESSAGE(begun.has_value(), (begun ? "" : begun.error().message));
        std::span<const ExportRecord> rest(records);
        for (std::size_t piece = 1; !rest.empty(); piece = piece * 3 + 1) {
            const std::size_t take = std::min(piece, rest.size());
            auto appended = writer.append(rest.first(take));
            REQUIRE_MESSAGE(appended.has_value(), (appended ? "" : appended.error().message));
            rest = rest.subspan(take);
        }
        REQUIRE(writer.end_sensor().has_value());
    }
    auto finished = writer.finish();
    REQUIRE_MESSAGE(finished.has_value(), (finished ? "" : finished.error().message));
}

/// Reads a whole export back, in batches of `batch` records; the error if one comes.
inline ExportResult<SensorRecords> read_export(ExportReader& reader, std::size_t batch = 1000) {
    SensorRecords all;
    std::vector<ExportRecord> buffer(batch);
    for (;;) {
        auto sensor = reader.next_sensor();
        if (!sensor) return std::unexpected(sensor.error());
        if (!*sensor) return all;
        all.emplace_back(**sensor, std::vector<ExportRecord>{});
        for (;;) {
            auto n = reader.read(buffer);
            if (!n) return std::unexpected(n.error());
            if (*n == 0) break;
            all.back().second.insert(all.back().second.end(), buffer.begin(), buffer.begin() + static_cast<long>(*n));
        }
    }
}

} // namespace ss::store_export::test
