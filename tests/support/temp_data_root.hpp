// A temporary directory for a disk tier's data root, removed with everything below it when the
// test ends, and a configuration of the C API small enough to spill after a few records.
#pragma once

#include <doctest/doctest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "ss/sensor_storage.h"

namespace ss::test {

struct TempDataRoot {
    /// A new directory /tmp/<prefix>-XXXXXX; the data root is its "data" (not created here).
    explicit TempDataRoot(const char* prefix = "ss-api-test") {
        std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
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

    /// The path of a sensor's file below the root: <root>/<src>/sensor_<10-digit id>.<ext>.
    std::string sensor_file(std::uint32_t id, const char* ext = "dat", const char* src = "host") const {
        char name[40];
        std::snprintf(name, sizeof name, "sensor_%010u.", id);
        return root + "/" + src + "/" + name + ext;
    }

    std::string base;
    std::string root;
};

/// Flips bit 6 of the byte at offset `at` of a file, as a medium going bad would.
inline void flip_byte(const std::string& path, off_t at) {
    const int fd = open(path.c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    unsigned char b = 0;
    REQUIRE(pread(fd, &b, 1, at) == 1);
    b ^= 0x40;
    REQUIRE(pwrite(fd, &b, 1, at) == 1);
    close(fd);
}

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
