// The cost of integrity checking (plain main, no Google Benchmark; docs/benchmarks.md):
//   - scrub throughput: one pass of the disk tier's scrub over a sensor's units on disk, with the
//     file in the page cache and with it dropped from the cache first, and of the engine's
//     bounded RAM scrub over sealed sectors, in MB/s;
//   - read-after-write: the manager's ticks writing the same units with the sensor at the
//     standard level (the baseline, in the same process) and at SS_VERIFY_AFTER_WRITE, as a
//     ratio and as the extra time per unit.
// Under a temporary directory (SS_BENCH_DIR, else /tmp). Times vary with the machine and its
// disk; the ratios are what to compare.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/hal/disk_tier.hpp"
#include "ss/hal/file_system.hpp"
#include "ss/port.hpp"

#include "bench_util.hpp"

namespace {

using ss_bench::Clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void silent(void*, int, const char*) {}

/// An engine with one TS sensor, over a disk tier at `root` (or RAM only).
struct Bench {
    SsInitCfg cfg;
    ss::Text why;
    std::vector<std::uint64_t> arena;
    ss::Engine engine;
    ss::ColdTier* tier = nullptr;
    ss::SensorStore* store = nullptr;
    std::uint64_t now = 0;

    Bench(const char* root, std::uint32_t pool_sectors) {
        cfg = ss::default_config(SS_TARGET_LINUX);
        cfg.max_sensors = 1;
        cfg.ram_sector_bytes = 4096;
        cfg.disk_sector_bytes = 65536;
        cfg.ram_pool_bytes = std::size_t{pool_sectors} * cfg.ram_sector_bytes;
        cfg.disk_quota_bytes = 4ull << 30;
        cfg.ram_high_watermark_pct = 10;
        cfg.ram_low_watermark_pct = 5;
        cfg.force_seal_interval_ms = 0;
        cfg.disk_root = root;
        cfg.log = silent;
        const auto& locks = ss::port::platform().lock;
        auto plan = ss::Engine::plan(cfg, locks, why);
        if (!plan) fail(why.c_str());
        arena.resize(plan->total / 8 + 1);
        if (!engine.init(cfg, reinterpret_cast<std::byte*>(arena.data()), arena.size() * 8, locks, why)) fail(why.c_str());
        if (root != nullptr) {
            auto t = ss::hal::open_disk_tier(cfg, engine, ss::hal::posix_file_system(), silent, nullptr, why);
            if (!t) fail(why.c_str());
            tier = *t;
            engine.attach_cold_tier(tier);
        }
        auto s = engine.register_sensor(SS_SOURCE_HOST, 1, ss::RecordType::ts, why);
        if (!s) fail(why.c_str());
        store = *s;
    }
    ~Bench() {
        if (tier != nullptr) ss::hal::destroy_disk_tier(tier);
        engine.deinit();
    }
    [[noreturn]] static void fail(const char* what) {
        std::fprintf(stderr, "bench_integrity: %s\n", what);
        std::exit(1);
    }
    /// Adds `units` sectors' worth of records, `per_tick` sectors between two manager ticks;
    /// returns the seconds the ticks took.
    double write(std::uint32_t units, std::uint32_t per_tick) {
        const std::uint32_t per_unit = ss::sector::capacity(cfg.ram_sector_bytes, ss::RecordType::ts);
        std::vector<std::uint32_t> values(std::size_t{per_unit} * per_tick);
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint32_t>(i);
        double ticking = 0;
        for (std::uint32_t done = 0; done < units; done += per_tick) {
            store->add_many(engine.context(), values.data(), static_cast<std::uint32_t>(values.size()));
            const auto t0 = Clock::now();
            engine.tick(now += 100);
            ticking += seconds_since(t0);
        }
        for (int i = 0; i < 3; ++i) {
            const auto t0 = Clock::now();
            engine.tick(now += 100);
            ticking += seconds_since(t0);
        }
        return ticking;
    }
    SsSensorStats stats() const {
        SsSensorStats st{};
        engine.stats(*store, st);
        return st;
    }
};

void drop_from_cache(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
}

} // namespace

int main() {
    const char* base = std::getenv("SS_BENCH_DIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/ss-bench-integrity-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) Bench::fail("mkdtemp failed");
    const std::string dir = tmpl;
    constexpr double mb = 1e6;

    {
        // 64 MiB of 4 KB units on disk.
        const std::string root = dir + "/scrub";
        Bench b(root.c_str(), 256);
        constexpr std::uint32_t units = 16384;
        b.write(units, 32);
        const std::uint64_t on_disk = b.stats().disk_records / ss::sector::capacity(4096, ss::RecordType::ts);
        for (const bool cold : {false, true}) {
            if (cold) drop_from_cache(root + "/host/sensor_0000000001.dat");
            ss::ScrubCursor at;
            SsScrubReport rep{};
            const auto t0 = Clock::now();
            while (!at.finished) ss::hal::scrub_disk_units(b.tier, 0, at, 64, rep);
            const double s = seconds_since(t0);
            std::printf("disk scrub, %s page cache: %u units (%.1f MB) in %.3f s: %.0f MB/s, %.1f us/unit; corrupt %u\n",
                        cold ? "cold" : "warm", rep.sectors_checked, rep.sectors_checked * 4096.0 / mb, s,
                        rep.sectors_checked * 4096.0 / mb / s, s * 1e6 / rep.sectors_checked, rep.corrupt_sectors);
        }
        std::printf("  (%llu units on disk)\n", static_cast<unsigned long long>(on_disk));
    }
    {
        // 32 MiB of sealed 4 KB sectors in RAM.
        Bench b(nullptr, 8193);
        const std::uint32_t per_unit = ss::sector::capacity(4096, ss::RecordType::ts);
        std::vector<std::uint32_t> values(std::size_t{per_unit} * 8192 + 1, 7u);
        b.store->add_many(b.engine.context(), values.data(), static_cast<std::uint32_t>(values.size()));
        ss::ScrubCursor at;
        SsScrubReport rep{};
        const auto t0 = Clock::now();
        while (!at.finished) b.engine.scrub_sensor(*b.store, at, 64, rep);
        const double s = seconds_since(t0);
        std::printf("RAM scrub: %u sectors (%.1f MB) in %.3f s: %.0f MB/s, %.2f us/sector\n", rep.sectors_checked,
                    rep.sectors_checked * 4096.0 / mb, s, rep.sectors_checked * 4096.0 / mb / s, s * 1e6 / rep.sectors_checked);
    }
    {
        // The same 16 MiB written by the manager's ticks, 32 units a tick, at each level; the two
        // alternate over several rounds (a shared disk's sync times drift) and the medians count.
        constexpr std::uint32_t units = 4096;
        constexpr int rounds = 5;
        std::vector<double> secs[2];
        for (int r = 0; r < rounds; ++r) {
            for (int k = 0; k < 2; ++k) {
                const std::string root = dir + (k == 0 ? "/standard-" : "/after-write-") + std::to_string(r);
                Bench b(root.c_str(), 256);
                if (k == 1 && !b.engine.set_verify_level(*b.store, ss::VerifyLevel::after_write)) Bench::fail("set_verify_level");
                secs[k].push_back(b.write(units, 32));
                if (b.stats().write_verify_failures != 0) Bench::fail("a read-back differed");
                std::filesystem::remove_all(root);
            }
        }
        const double standard = ss_bench::median(secs[0]);
        const double after_write = ss_bench::median(secs[1]);
        std::printf("ticks writing %u units (%.1f MB), median of %d: standard %.3f s, after-write %.3f s: ratio %.2f, "
                    "+%.1f us/unit\n",
                    units, units * 4096.0 / mb, rounds, standard, after_write, after_write / standard,
                    (after_write - standard) * 1e6 / units);
    }
    std::filesystem::remove_all(dir);
    return 0;
}
