// The gateway both daemon upload tests run (daemon_upload_test over HTTP, daemon_mqtt_upload_test
// over MQTT): ten 50 Hz temperatures and four CAN door contacts, small batches and a short upload
// period so that batches are always in flight when a test kills something, and the store read
// back offline afterwards with the same registrations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "stopped_store.hpp"

namespace daemon_test {

inline constexpr std::uint64_t upload_ram_pool_bytes = 64 * 4096;
inline constexpr std::uint32_t upload_max_sensors = 32;

/// The daemon's config file: `destination` is the [destinations] entry's value, e.g.
/// "{ kind = 'http', url = ... }"; `more_destinations` further entries, whole lines.
inline std::string upload_gateway_config(const std::string& gateway, const std::filesystem::path& data,
                                         std::uint16_t http_port, const std::string& destination,
                                         const std::string& more_destinations = "") {
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
           "cloud = " + destination + "\n" + more_destinations +
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

/// Every sensor's figures in the store the daemon left under `data` (the daemon stopped).
inline std::map<SensorKey, StoreFigures> read_upload_store(const std::filesystem::path& data) {
    return read_stopped_store(data, upload_ram_pool_bytes, upload_max_sensors,
                              {{SS_SOURCE_HOST, 100, 10, ss::RecordType::ts}, {SS_SOURCE_CAN, 1, 4, ss::RecordType::evt}});
}

} // namespace daemon_test
