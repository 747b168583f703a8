// A flush tick of the disk tier that writes one sealed unit for each of N sensors, made durable
// three ways in one run, on real files: one fdatasync per data file (the baseline, what
// disk_sync_all_min_files = 0 asks for), one syncfs of the data root (disk_sync_all_min_files =
// 1), and the fallback where syncfs is refused (a file system that answers -ENOSYS, as a kernel
// before 5.8 does: the tier finds it at the first tick and syncs file by file from then on).
// Rounds alternate the order of the ways. Prints the median milliseconds per tick and the ratio
// baseline / way (above 1: faster than one fdatasync per file). The figures depend on the disk:
// run it with --dir on the file system the store will live on (tmpfs makes every sync free).
//
//   cmake --build --preset default --target ss_bench_sync && ./build/default/bench/ss_bench_sync
//   options: --dir=PATH (default: a new directory under /tmp) --sensors=N,N,... (default
//            16,64,256) --ticks=N measured per round (default 10) --rounds=N (default 3)
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "posix/disk/disk_tier.hpp"
#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/hal/file_system.hpp"
#include "ss/port.hpp"

#include "bench_util.hpp"

namespace {

using ss_bench::Clock;
using ss_bench::median;

constexpr std::uint32_t sector_bytes = 4096;
constexpr std::uint32_t records_per_sector = (sector_bytes - 16) / 4; // TS records

struct Options {
    std::string dir;
    std::vector<std::uint32_t> sensors{16, 64, 256};
    int ticks = 10;
    int rounds = 3;
};

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&](const char* key) { return ss_bench::option_value(a, key); };
        if (const char* d = value("--dir=")) {
            o.dir = d;
        } else if (const char* s = value("--sensors=")) {
            o.sensors.clear();
            for (const char* p = s; *p != '\0';) {
                char* end = nullptr;
                const unsigned long n = std::strtoul(p, &end, 10);
                if (end == p || n == 0) return false;
                o.sensors.push_back(static_cast<std::uint32_t>(n));
                p = *end == ',' ? end + 1 : end;
            }
        } else if (const char* t = value("--ticks=")) {
            o.ticks = std::atoi(t);
        } else if (const char* r = value("--rounds=")) {
            o.rounds = std::atoi(r);
        } else {
            std::fprintf(stderr, "usage: ss_bench_sync [--dir=PATH] [--sensors=N,N,...] [--ticks=N] [--rounds=N]\n");
            return false;
        }
    }
    return !o.sensors.empty() && o.ticks > 0 && o.rounds > 0;
}

/// The real file system, except that syncfs is refused as a kernel without it does.
class NoSyncfsFileSystem final : public ss::hal::FileSystem {
public:
    int open_root(const char* path) override { return real_.open_root(path); }
    int open_dir(int dir, const char* name, bool create) override { return real_.open_dir(dir, name, create); }
    int open_file(int dir, const char* name, bool create) override { return real_.open_file(dir, name, create); }
    int close(int fd) override { return real_.close(fd); }
    std::int64_t read(int fd, void* buf, std::size_t n, std::uint64_t off) override { return real_.read(fd, buf, n, off); }
    std::int64_t write(int fd, const iovec* iov, int iovcnt, std::uint64_t off) override {
        return real_.write(fd, iov, iovcnt, off);
    }
    int sync(int fd) override { return real_.sync(fd); }
    int sync_all(int) override { return -ENOSYS; }
    std::int64_t size(int fd) override { return real_.size(fd); }
    std::int64_t next_data(int fd, std::uint64_t off) override { return real_.next_data(fd, off); }
    int truncate(int fd, std::uint64_t len) override { return real_.truncate(fd, len); }
    int punch_hole(int fd, std::uint64_t off, std::uint64_t len) override { return real_.punch_hole(fd, off, len); }
    int drop_cache(int fd, std::uint64_t off, std::uint64_t len) override { return real_.drop_cache(fd, off, len); }
    int rename(int dir, const char* from, const char* to) override { return real_.rename(dir, from, to); }
    int unlink(int dir, const char* name) override { return real_.unlink(dir, name); }
    int list(int dir, void (*fn)(void* ctx, const char* name), void* ctx) override { return real_.list(dir, fn, ctx); }

private:
    ss::hal::FileSystem& real_ = ss::hal::posix_file_system();
};

enum class Way { per_file, syncfs, syncfs_refused };
constexpr Way ways[] = {Way::per_file, Way::syncfs, Way::syncfs_refused};

const char* name_of(Way w) {
    switch (w) {
    case Way::per_file: return "fdatasync per file";
    case Way::syncfs: return "one syncfs";
    case Way::syncfs_refused: return "syncfs refused";
    }
    return "?";
}

void count_line(void* ctx, int level, const char*) {
    if (level == 0) ++*static_cast<int*>(ctx);
}

/// Milliseconds of each measured tick for n sensors made durable the way w, in a fresh root;
/// empty if the tier did not take every unit.
std::vector<double> run(const std::string& root, std::uint32_t n, Way w, int ticks) {
    std::filesystem::remove_all(root);
    int errors = 0;
    SsInitCfg cfg = ss::default_config(SS_TARGET_LINUX);
    cfg.ram_sector_bytes = sector_bytes;
    cfg.max_sensors = n;
    cfg.ram_pool_bytes = std::size_t{n} * 4 * sector_bytes;
    cfg.force_seal_interval_ms = 1;
    cfg.disk_sync_all_min_files = w == Way::per_file ? 0 : 1;
    cfg.disk_root = root.c_str();
    cfg.log = count_line;
    cfg.log_ctx = &errors;

    NoSyncfsFileSystem refusing;
    ss::hal::FileSystem& fs = w == Way::syncfs_refused ? refusing : ss::hal::posix_file_system();
    ss::Text why;
    const auto& locks = ss::port::platform().lock;
    auto plan = ss::Engine::plan(cfg, locks, why);
    if (!plan) {
        std::fprintf(stderr, "plan: %s\n", why.c_str());
        return {};
    }
    std::vector<std::uint64_t> arena(plan->total / 8 + 1);
    ss::Engine engine;
    if (!engine.init(cfg, reinterpret_cast<std::byte*>(arena.data()), arena.size() * 8, locks, why)) {
        std::fprintf(stderr, "init: %s\n", why.c_str());
        return {};
    }
    std::vector<double> ms;
    {
        auto tier = std::make_unique<ss::hal::DiskTier>(cfg, engine, fs, cfg.log, cfg.log_ctx);
        if (!tier->open(why)) {
            std::fprintf(stderr, "open: %s\n", why.c_str());
            engine.deinit();
            return {};
        }
        engine.attach_cold_tier(tier.get());
        std::vector<ss::SensorStore*> stores;
        for (std::uint32_t id = 1; id <= n; ++id) {
            auto s = engine.register_sensor(SS_SOURCE_HOST, id, ss::RecordType::ts, why);
            if (!s) {
                std::fprintf(stderr, "register: %s\n", why.c_str());
                break;
            }
            stores.push_back(*s);
        }
        // Two ticks first: the files are created and every meta gets its sequence reservation,
        // so the measured ticks write (and sync) data units only.
        std::uint64_t now = 1'000;
        std::uint32_t value = 0;
        for (int t = -2; t < ticks && stores.size() == n; ++t) {
            for (ss::SensorStore* s : stores)
                for (std::uint32_t r = 0; r < records_per_sector; ++r, ++value) (void)s->add(engine.context(), &value);
            now += 100;
            const auto t0 = Clock::now();
            engine.tick(now);
            if (t >= 0) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        }
        std::uint64_t on_disk = 0;
        for (ss::SensorStore* s : stores) {
            SsSensorStats st{};
            engine.stats(*s, st);
            on_disk += st.disk_records;
        }
        const std::uint64_t expected = std::uint64_t{n} * records_per_sector * static_cast<std::uint64_t>(ticks + 2);
        // Every record must be on disk and nothing may have failed, or the figure means nothing.
        if (stores.size() != n || errors > (w == Way::syncfs_refused ? 1 : 0) || on_disk != expected) {
            std::fprintf(stderr, "%s, %u sensors: %llu of %llu records on disk, %d errors logged\n", name_of(w), n,
                         static_cast<unsigned long long>(on_disk), static_cast<unsigned long long>(expected),
                         errors);
            ms.clear();
        }
        tier.reset();
    }
    engine.deinit();
    return ms;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) return 2;
    ss_bench::WorkDir work;
    if (!work.open(o.dir, "ss-bench-sync")) return 1;
    o.dir = work.path();
    const std::string root = o.dir + "/store";
    std::printf("flush tick: one %u-byte unit per sensor made durable, %d ticks x %d rounds, in %s\n", sector_bytes,
                o.ticks, o.rounds, o.dir.c_str());
    std::printf("%8s  %-20s %14s %12s %10s\n", "sensors", "way", "median ms/tick", "us/file", "ratio");
    int status = 0;
    for (const std::uint32_t n : o.sensors) {
        std::vector<std::vector<double>> ms(std::size(ways));
        for (int r = 0; r < o.rounds && status == 0; ++r)
            for (std::size_t k = 0; k < std::size(ways); ++k) {
                // Alternate the order so a disk that warms up or fills favours no way.
                const std::size_t which = r % 2 == 0 ? k : std::size(ways) - 1 - k;
                std::vector<double> got = run(root, n, ways[which], o.ticks);
                if (got.empty()) status = 1;
                ms[which].insert(ms[which].end(), got.begin(), got.end());
            }
        if (status != 0) break;
        const double base = median(ms[0]);
        for (std::size_t k = 0; k < std::size(ways); ++k) {
            const double med = median(ms[k]);
            std::printf("%8u  %-20s %14.2f %12.1f %9.2fx\n", n, name_of(ways[k]), med, med * 1000.0 / n, base / med);
        }
    }
    std::filesystem::remove_all(root);
    return status;
}
