// The gateway both daemon upload tests run (daemon_upload_test over HTTP, daemon_mqtt_upload_test
// over MQTT): ten 50 Hz temperatures and four CAN door contacts, small batches and a short upload
// period so that batches are always in flight when a test kills something, and the store read
// back offline afterwards with the same registrations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "daemon_accounting.hpp"
#include "ss/actors/storage_host.hpp"
#include "ss/config.hpp"
#include "ss/source_name.hpp"

namespace daemon_test {

inline constexpr std::uint64_t upload_ram_pool_bytes = 64 * 4096;
inline constexpr std::uint32_t upload_max_sensors = 32;

/// The daemon's config file: `destination` is the [destinations] entry's value, e.g.
/// "{ kind = 'http', url = ... }".
inline std::string upload_gateway_config(const std::string& gateway, const std::filesystem::path& data,
                                         std::uint16_t http_port, const std::string& destination) {
    return "[system]\n"
           "disk_root = \"" + data.string() + "\"\n"
           "tick = 50ms\n"
           "ram_pool_bytes = " + std::to_string(upload_ram_pool_bytes) + "\n"
           "max_sensors = " + std::to_string(upload_max_sensors) + "\n"
           "force_seal_interval_ms = 500\n"
           "[daemon]\n"
           "gateway = \"" + gateway + "\"\n"
           "status_interval = 200ms\n"
           "[sources]\n"
           "env = { kind = 'sim_poll', period = 20ms, signal = 'sine', offset = 2000.0, amplitude = 100.0 }\n"
           "doors = { kind = 'sim_events', bus = 'can', events_per_second = 20.0 }\n"
           "[sensors]\n"
           "temp = { source = \"env\", id = 100, count = 10, unit = \"cdegC\" }\n"
           "door = { source = \"doors\", id = 1, count = 4, type = 'evt' }\n"
           "[destinations]\n"
           "cloud = " + destination + "\n"
           "[uploader]\n"
           "period = 50ms\n"
           "batch_records = 64\n"
           "backoff_base = 100ms\n"
           "backoff_cap = 500ms\n"
           "[http]\n"
           "port = " + std::to_string(http_port) + "\n"
           "[scheduler]\n"
           "policy = 'sharing'\n"
           "max-threads = 2\n";
}

/// Every sensor's figures in the store the daemon left under `data` (opened with the library,
/// the daemon stopped).
inline std::map<SensorKey, StoreFigures> read_upload_store(const std::filesystem::path& data) {
    SsInitCfg cfg = ss::default_config(SS_TARGET_LINUX);
    cfg.ram_pool_bytes = upload_ram_pool_bytes;
    cfg.max_sensors = upload_max_sensors;
    cfg.log = [](void*, int, const char*) {};
    const std::string root = data.string();
    cfg.disk_root = root.c_str();
    ss::Text why;
    auto host = ss::actors::StorageHost::open(cfg, why);
    REQUIRE_MESSAGE(host, why.c_str());
    ss::Engine& engine = (*host)->engine();
    for (std::uint32_t id = 100; id < 110; ++id) REQUIRE(engine.register_sensor(SS_SOURCE_HOST, id, ss::RecordType::ts, why));
    for (std::uint32_t id = 1; id < 5; ++id) REQUIRE(engine.register_sensor(SS_SOURCE_CAN, id, ss::RecordType::evt, why));
    std::map<SensorKey, StoreFigures> out;
    for (std::uint32_t i = 0; i < engine.sensor_count(); ++i) {
        SsSensorStats s{};
        engine.stats(engine.store_at(i), s);
        out[{ss::source_name(s.source), s.sensor_id}] =
            StoreFigures{s.next_seq, s.head_seq, s.retained,
                         s.dropped_new + s.dropped_recycled + s.dropped_corrupt + s.dropped_quota + s.lost_records};
    }
    return out;
}

} // namespace daemon_test
