// A temporary directory for a disk tier's data root, removed with everything below it when the
// test ends, and a configuration of the C API small enough to spill after a few records.
#pragma once

#include <doctest/doctest.h>

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "ss/sensor_storage.h"

namespace ss::test {

struct TempDataRoot {
    TempDataRoot() {
        char tmpl[] = "/tmp/ss-api-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        base = tmpl;
        root = base + "/data";
    }
    ~TempDataRoot() { std::filesystem::remove_all(base); }
    TempDataRoot(const TempDataRoot&) = delete;
    TempDataRoot& operator=(const TempDataRoot&) = delete;

    /// Linux defaults with 256-byte RAM sectors (60 TS / 20 EVT records), 4 KB disk sectors, a
    /// pool of pool_sectors, no force-seal interval, and this root.
    SsInitCfg config(std::uint32_t sensors, std::uint32_t pool_sectors) const {
        SsInitCfg c;
        REQUIRE(ss_config_defaults(&c, SS_TARGET_LINUX) == 0);
        c.ram_sector_bytes = 256;
        c.disk_sector_bytes = 4096;
        c.max_sensors = sensors;
        c.ram_pool_bytes = std::size_t{pool_sectors} * 256;
        c.force_seal_interval_ms = 0;
        c.disk_root = root.c_str();
        return c;
    }

    std::string base;
    std::string root;
};

/// A shutdown flush (everything sealed and written to disk, RAM copies released), then one
/// ordinary tick, which removes the shutdown ledger so numbering may go on. Ticks at its own
/// increasing time (ss_manager_tick_at): a test using it ticks only through it.
inline void flush_to_disk() {
    static std::uint64_t now = 0;
    ss_set_shutdown(true);
    for (int i = 0; i < 50 && !ss_shutdown_complete(); ++i) ss_manager_tick_at(now += 100);
    REQUIRE(ss_shutdown_complete());
    ss_set_shutdown(false);
    ss_manager_tick_at(now += 100);
}

} // namespace ss::test
