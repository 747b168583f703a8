// The C API on a disk tier in a temporary directory, started and stopped as a process would be:
// ss_init_system over a TempDataRoot's configuration (256-byte units, 4 KB disk sectors, no
// force-seal interval, a silent log), a clean stop through the shutdown flush, a stop without
// one (what a crash leaves is what the ticks made durable), and ss_deinit_system at the end of
// the test if it is still running. The directory is removed after that.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>

#include "ss/config.hpp"
#include "ss/sensor_storage.h"
#include "support/temp_data_root.hpp"

namespace ss::test {

inline void silent_log(void*, int, const char*) {}

/// One sensor over 16 RAM sectors of 256 B (below the 80 % watermark nothing spills), 4 KB disk
/// sectors, no force-seal interval, each tick's files synced one by one (so a fault file
/// system's failed sync hits one file), on the fault file system's "/data", silent.
inline SsInitCfg one_sensor_fault_cfg() {
    SsInitCfg cfg = ss::default_config(SS_TARGET_LINUX);
    cfg.ram_sector_bytes = 256;
    cfg.disk_sector_bytes = 4096;
    cfg.max_sensors = 1;
    cfg.ram_pool_bytes = 16 * 256;
    cfg.force_seal_interval_ms = 0;
    cfg.disk_sync_all_min_files = 0;
    cfg.disk_root = "/data";
    cfg.log = silent_log;
    return cfg;
}

inline SsSensorStats stats_of(::SensorStore* s) {
    SsSensorStats st{};
    REQUIRE(ss_get_sensor_stats(s, &st) == 0);
    return st;
}

inline SsSystemStats system_stats() {
    SsSystemStats st{};
    REQUIRE(ss_get_system_stats(&st) == 0);
    return st;
}

struct DiskStoreFixture : TempDataRoot {
    DiskStoreFixture(std::uint32_t sensors, std::uint32_t pool_sectors, const char* prefix = "ss-api-test")
        : TempDataRoot(prefix), cfg(config(sensors, pool_sectors)) {
        cfg.log = silent_log;
    }
    ~DiskStoreFixture() {
        if (running) ss_deinit_system();
    }

    void start() {
        REQUIRE(ss_init_system(&cfg) == 0);
        running = true;
    }
    /// A clean stop: flush everything within the budget (ss_manager_tick), then tear down.
    void stop() {
        stop_with([] { ss_manager_tick(); });
    }
    /// A clean stop whose ticks are tick(), at most max_ticks of them.
    template <class Tick>
    void stop_with(Tick&& tick, int max_ticks = 50) {
        ss_set_shutdown(true);
        for (int i = 0; i < max_ticks && !ss_shutdown_complete(); ++i) tick();
        REQUIRE(ss_shutdown_complete());
        REQUIRE(ss_deinit_system() == 0);
        running = false;
    }
    /// Tears down without flushing: what a crash leaves is whatever the ticks made durable.
    void drop() {
        REQUIRE(ss_deinit_system() == 0);
        running = false;
    }
    ::SensorStore* sensor(std::uint32_t id, SensorType t = SENSOR_TS, SsSource src = SS_SOURCE_HOST) {
        ::SensorStore* s = nullptr;
        REQUIRE(ss_sensor_init_ex(src, id, t, &s) == 0);
        return s;
    }
    std::string dat(std::uint32_t id, const char* src = "host") const { return sensor_file(id, "dat", src); }

    SsInitCfg cfg{};
    bool running = false;
};

} // namespace ss::test
