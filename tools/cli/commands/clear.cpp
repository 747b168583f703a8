// clear: a sensor's data discarded as a counted operator action.
//
// Done by starting the library on the root and calling ss_sensor_clear, not by editing files:
// the library owns what a clear means on disk (a durable meta recording the new boundary with
// its reservation ahead, the data file emptied, the ack log and shutdown ledger kept
// consistent), and its log line is the record of the action. A second writer of those rules
// here could drift from them. Starting it takes the store's lock, so a clear is refused while a
// daemon runs the store; the start runs recovery as any daemon start would (torn tails
// truncated, the boot number advanced), and the stop is a clean one (shutdown ledger).
#include <cerrno>
#include <cstdio>
#include <string>

#include "commands/commands.hpp"
#include "commands/exit_status.hpp"
#include "store/store_open.hpp"
#include "ss/sensor_storage.h"

namespace ss::store_tool {

namespace {

void print_log(void*, int level, const char* msg) {
    // Warnings and the clear's own line; the start's info lines would only be noise here.
    if (level <= 1 || std::string(msg).find("cleared by the operator") != std::string::npos)
        std::fprintf(stderr, "library: %s\n", msg);
}

// The largest disk sector (allocation unit) the library accepts that holds whole units.
std::uint32_t disk_sector_for(std::uint32_t unit_bytes) {
    for (std::uint32_t d = 65536; d >= 4096; d -= 4096)
        if (d % unit_bytes == 0) return d;
    return 0;
}

} // namespace

int run_clear(const ClearOptions& o) {
    auto store = open_store(o.dir, o.unit_bytes);
    if (!store) {
        std::fprintf(stderr, "ss-store clear: %s\n", store.error().message.c_str());
        return exit_error;
    }
    if (store->root.find(o.sensor) == nullptr) {
        std::fprintf(stderr, "ss-store clear: %s: no sensor %s in this store\n", store->root.path().c_str(),
                     to_text(o.sensor).c_str());
        return exit_error;
    }
    auto reader = store->sensor(o.sensor);
    if (!reader) {
        std::fprintf(stderr, "ss-store clear: %s\n", reader.error().message.c_str());
        return exit_error;
    }
    if (!reader->type()) {
        std::fprintf(stderr, "ss-store clear: %s: its record type is unknown (no valid meta, no well-formed unit)\n",
                     reader->data_path().c_str());
        return exit_error;
    }
    const std::uint32_t unit = reader->unit_bytes();
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_LINUX);
    cfg.ram_sector_bytes = unit;
    cfg.disk_sector_bytes = disk_sector_for(unit);
    if (cfg.disk_sector_bytes == 0) {
        std::fprintf(stderr, "ss-store clear: %s: unit size %u fits no disk sector size the library accepts\n",
                     o.dir.c_str(), unit);
        return exit_error;
    }
    cfg.max_sensors = 1;
    cfg.ram_pool_bytes = std::size_t{8} * unit;
    // The tool writes nothing but the clear: no quota may drop other sensors' data meanwhile.
    cfg.disk_quota_bytes = std::uint64_t{1} << 62;
    cfg.force_seal_interval_ms = 0;
    cfg.disk_root = o.dir.c_str();
    cfg.log = print_log;
    const int rc = ss_init_system(&cfg);
    if (rc == -EBUSY) {
        std::fprintf(stderr, "ss-store clear: %s: store is in use by another process (the daemon?)\n", o.dir.c_str());
        return exit_error;
    }
    if (rc != 0) {
        std::fprintf(stderr, "ss-store clear: %s: the library could not open the store: %s\n", o.dir.c_str(), ss_last_error());
        return exit_error;
    }
    SensorStore* handle = nullptr;
    int result = ss_sensor_init_ex(o.sensor.source, o.sensor.id, *reader->type() == RecordType::ts ? SENSOR_TS : SENSOR_EVT, &handle);
    SsSensorStats st{};
    if (result == 0) result = ss_sensor_clear(handle);
    if (result == 0) result = ss_get_sensor_stats(handle, &st);
    ss_set_shutdown(true);
    for (int i = 0; i < 1000 && !ss_shutdown_complete(); ++i) ss_manager_tick();
    const bool flushed = ss_shutdown_complete() != 0;
    ss_deinit_system();
    if (result != 0 || !flushed) {
        std::fprintf(stderr, "ss-store clear: %s: %s failed: %s\n", o.dir.c_str(), to_text(o.sensor).c_str(),
                     result != 0 ? ss_strerror(result) : "the shutdown did not complete");
        return exit_error;
    }
    std::printf("%s: cleared %llu records; numbering goes on past them\n", to_text(o.sensor).c_str(),
                static_cast<unsigned long long>(st.cleared_records));
    return exit_ok;
}

} // namespace ss::store_tool
