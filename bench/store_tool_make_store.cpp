// Writes a store for the store tool's benchmark (bench/store_tool_bench.sh): SENSORS time-series
// sensors sharing MIB mebibytes of data on disk, through the public C API as a gateway would,
// with a clean shutdown so that everything is in the sensors' data files. Every tenth sensor has
// half of its records consumed and acknowledged, so the store has erased prefixes and cursors.
//   store_tool_make_store DIR MIB SENSORS
// Prints the records written and the bytes of the data files.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ss/sensor_storage.h"

namespace {

[[noreturn]] void fail(const char* what, int rc) {
    std::fprintf(stderr, "store_tool_make_store: %s: %s (%s)\n", what, ss_strerror(rc), ss_last_error());
    std::exit(1);
}

void quiet(void*, int level, const char* msg) {
    if (level == 0) std::fprintf(stderr, "store_tool_make_store: %s\n", msg);
}

void check(int rc, const char* what) {
    if (rc != 0) fail(what, rc);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: store_tool_make_store DIR MIB SENSORS\n");
        return 2;
    }
    const std::string root = argv[1];
    const std::uint64_t mib = std::strtoull(argv[2], nullptr, 10);
    const std::uint32_t sensors = static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10));
    if (mib == 0 || sensors == 0) {
        std::fprintf(stderr, "store_tool_make_store: MIB and SENSORS must be above 0\n");
        return 2;
    }

    SsInitCfg cfg;
    check(ss_config_defaults(&cfg, SS_TARGET_LINUX), "ss_config_defaults");
    cfg.max_sensors = sensors;
    cfg.ram_sector_bytes = 4096;
    // Two sectors per sensor and room to spare: enough to spill a sector while the next fills.
    cfg.ram_pool_bytes = std::size_t{sensors} * 2 * 4096 + (std::size_t{4} << 20);
    cfg.disk_quota_bytes = (mib + 64) << 20;
    cfg.disk_quota_per_sensor_bytes = 0;
    cfg.disk_root = root.c_str();
    cfg.log = quiet;
    check(ss_init_system(&cfg), "ss_init_system");

    // A unit of 4 KiB holds 1016 records; the data is written a unit's worth per sensor per
    // round, so that the files grow side by side as a gateway's do.
    constexpr std::uint32_t per_unit = 1016;
    const std::uint64_t units_per_sensor = (mib << 20) / 4096 / sensors;
    std::vector<SensorStore*> handles(sensors);
    for (std::uint32_t i = 0; i < sensors; ++i) {
        check(ss_sensor_init_ex(SS_SOURCE_HOST, i + 1, SENSOR_TS, &handles[i]), "ss_sensor_init_ex");
        check(ss_sensor_set_sample_period(handles[i], 1000), "ss_sensor_set_sample_period");
    }
    std::vector<std::uint32_t> values(per_unit);
    std::uint64_t written = 0;
    std::uint64_t now_ms = 1;
    for (std::uint64_t u = 0; u < units_per_sensor; ++u) {
        for (std::uint32_t i = 0; i < sensors; ++i) {
            for (std::uint32_t k = 0; k < per_unit; ++k) values[k] = static_cast<std::uint32_t>((written + k) * 2654435761u);
            std::uint32_t stored = 0;
            check(ss_ts_add_many(handles[i], values.data(), per_unit, &stored), "ss_ts_add_many");
            written += stored;
        }
        ss_manager_tick_at(now_ms += 100);
    }
    // Every tenth sensor: half its records handed out and acknowledged (erased), as an uploader
    // would, so that metas carry an acknowledged boundary.
    std::vector<std::uint32_t> batch(per_unit);
    for (std::uint32_t i = 0; i < sensors; i += 10) {
        std::uint64_t to_ack = units_per_sensor * per_unit / 2;
        while (to_ack > 0) {
            std::uint32_t n = 0;
            const auto want = static_cast<std::uint32_t>(to_ack < per_unit ? to_ack : per_unit);
            check(ss_consume_batch(handles[i], batch.data(), want, &n), "ss_consume_batch");
            if (n == 0) break;
            check(ss_erase_all_pending(handles[i]), "ss_erase_all_pending");
            to_ack -= n;
        }
    }
    ss_set_shutdown(true);
    for (int i = 0; i < 10000 && !ss_shutdown_complete(); ++i) ss_manager_tick_at(now_ms += 100);
    if (!ss_shutdown_complete()) {
        std::fprintf(stderr, "store_tool_make_store: the shutdown did not complete\n");
        return 1;
    }
    check(ss_deinit_system(), "ss_deinit_system");

    std::uint64_t data_bytes = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        if (e.is_regular_file() && e.path().extension() == ".dat") data_bytes += e.file_size();
    }
    std::printf("records %llu data_bytes %llu\n", static_cast<unsigned long long>(written),
                static_cast<unsigned long long>(data_bytes));
    return 0;
}
