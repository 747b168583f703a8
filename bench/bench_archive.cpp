// The local archive transport's group commit: the same batches appended one send() at a time
// (one write and one fsync each — the baseline) and through send_many in groups of 4, 16 and
// 64 (one write and one fsync per group), in one run, rounds alternating the order. Prints
// batches per second and the ratio to the baseline. The figures depend on the disk: run it with
// --dir on the file system the archive will live on.
//
//   cmake --build --preset default --target ss_bench_archive && ./build/default/bench/ss_bench_archive
//   options: --dir=PATH (default: a new directory under /tmp) --batches=N (default 2000)
//            --records=N per batch (default 256) --rounds=N (default 3)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "posix/upload/archive_transport.hpp"

#include "bench_util.hpp"

namespace {

using ss_bench::Clock;

struct Options {
    std::string dir;
    std::uint32_t batches = 2000;
    std::uint32_t records = 256;
    int rounds = 3;
};

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&](const char* key) { return ss_bench::option_value(a, key); };
        if (const char* d = value("--dir=")) o.dir = d;
        else if (const char* b = value("--batches=")) o.batches = static_cast<std::uint32_t>(std::strtoul(b, nullptr, 10));
        else if (const char* r = value("--records=")) o.records = static_cast<std::uint32_t>(std::strtoul(r, nullptr, 10));
        else if (const char* n = value("--rounds=")) o.rounds = std::atoi(n);
        else {
            std::fprintf(stderr, "usage: ss_bench_archive [--dir=PATH] [--batches=N] [--records=N] [--rounds=N]\n");
            return false;
        }
    }
    return o.batches > 0 && o.records > 0 && o.rounds > 0;
}

/// Seconds to archive every batch in groups of `group` (0 = send() one at a time); -1 on a
/// batch that was not acknowledged.
double run(const std::string& dir, const std::vector<ss::hal::UploadBatch>& batches, std::size_t group) {
    std::filesystem::remove_all(dir);
    ss::hal::ArchiveTransport t({dir, 1ull << 30});
    std::vector<ss::hal::UploadResult> results(std::max<std::size_t>(group, 1));
    const auto t0 = Clock::now();
    if (group == 0) {
        for (const auto& b : batches)
            if (t.send(b).outcome != ss::hal::UploadOutcome::acknowledged) return -1;
    } else {
        for (std::size_t at = 0; at < batches.size(); at += group) {
            const std::size_t n = std::min(group, batches.size() - at);
            const std::span<const ss::hal::UploadBatch> slice(batches.data() + at, n);
            if (t.send_many(slice, results) != n) return -1;
            for (std::size_t i = 0; i < n; ++i)
                if (results[i].outcome != ss::hal::UploadOutcome::acknowledged) return -1;
        }
    }
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) return 2;
    ss_bench::WorkDir work;
    if (!work.open(o.dir, "ss-bench-archive")) return 1;
    o.dir = work.path();
    const std::string dir = o.dir + "/archive";
    // One batch per sensor in a round, as the uploader groups them; a sine-like spread of values.
    std::vector<std::uint32_t> values(o.records);
    for (std::uint32_t i = 0; i < o.records; ++i) values[i] = 2048 + (i * 37) % 2000;
    std::vector<ss::hal::UploadBatch> batches;
    for (std::uint32_t k = 0; k < o.batches; ++k)
        batches.push_back(ss::hal::UploadBatch{SS_SOURCE_APP, k % 256, ss::RecordType::ts, std::uint64_t{k / 256} * o.records,
                                               o.records, reinterpret_cast<const std::byte*>(values.data())});
    const std::size_t groups[] = {0, 4, 16, 64};
    std::vector<std::vector<double>> seconds(std::size(groups));
    for (int r = 0; r < o.rounds; ++r)
        for (std::size_t g = 0; g < std::size(groups); ++g) {
            // Alternate the order so a disk that warms up or fills favours no side.
            const std::size_t which = r % 2 == 0 ? g : std::size(groups) - 1 - g;
            const double s = run(dir, batches, groups[which]);
            if (s < 0) {
                std::fprintf(stderr, "a batch was not acknowledged (group %zu)\n", groups[which]);
                return 1;
            }
            seconds[which].push_back(s);
        }
    std::printf("archive transport, %u batches of %u records, %d rounds, in %s\n", o.batches, o.records, o.rounds,
                o.dir.c_str());
    std::printf("%-22s %12s %14s %10s\n", "way", "median s", "batches / s", "ratio");
    double base = 0;
    for (std::size_t g = 0; g < std::size(groups); ++g) {
        const double med = ss_bench::median(seconds[g]);
        if (g == 0) base = med;
        const std::string way = groups[g] == 0 ? "send(), one at a time" : "send_many, groups of " + std::to_string(groups[g]);
        std::printf("%-22s %12.3f %14.0f %9.2fx\n", way.c_str(), med, o.batches / med, base / med);
    }
    std::filesystem::remove_all(dir);
    return 0;
}
