// The benchmarks of the RAM tier through the public C API, and the baselines they are compared
// with in the same run. docs/benchmarks.md explains what each one measures.
//
// Conventions:
//  * Every benchmark reports real (wall) time per op. For ->Threads(2) rows Google Benchmark
//    divides the mean per-thread wall time by the ops of BOTH threads, so ns/op there is the
//    inverse of the combined throughput; the latency seen by one caller is ns/op x threads.
//  * A sensor is drained (everything consumed and erased) before and after each run, and
//    during a run every kDrainSectors sectors' worth of adds, with the timer paused, so the
//    measured adds take the normal path (a free sector is always available) and the pool never
//    fills. The pool-full benchmarks fill it on purpose.
//  * Each thread of a ->Threads(2) benchmark uses its own sensor; the baselines give each thread
//    its own mutex and array.
#include <atomic>
#include <new>
#include <benchmark/benchmark.h>
#include <pthread.h>

#include <array>
#include <barrier>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "bench_common.hpp"
#include "ss/crc32c.hpp"
#include "ss/sensor_storage.h"

namespace ss_bench {
namespace {

constexpr std::uint32_t kSectorBytes = 4096;              // the Linux default RAM sector
constexpr std::uint32_t kMaxSensors = 64;
constexpr std::uint32_t kPoolSectors = 1024 + kMaxSensors; // 4.25 MiB of sectors
constexpr std::uint32_t kDrainSectors = 128;               // drain a sensor after this many sectors of adds
constexpr int kSlots = 16;                                 // sensors per benchmark kind
constexpr int kApart = 8;   // registry distance between the two threads' sensors ("apart")
constexpr int kAdjacent = 1; // ... and for the "adjacent" variant
constexpr benchmark::IterationCount kTimedIterations = 4000;      // single timed adds
constexpr benchmark::IterationCount kTimedBaselineIterations = 200000;
constexpr double kConsumeMinTime = 0.05; // consume runs spend ~15x their timed time refilling

using Clock = std::chrono::steady_clock;

struct Sensors {
    SensorStore* ts[kSlots] = {};
    SensorStore* evt[kSlots] = {};
    SensorStore* consume[kSlots] = {};
    SensorStore* timed = nullptr;
    SensorStore* timed_recycle = nullptr;
    SensorStore* recycle = nullptr;
    SensorStore* drop = nullptr;
    SensorStore* range = nullptr;
};

Sensors g_sensors;
std::uint32_t g_cap_ts = 0;  // records per sector, measured at setup
std::uint32_t g_cap_evt = 0;

void silent_log(void*, int, const char*) {}

SsSensorStats stats_of(SensorStore* s) {
    SsSensorStats st{};
    ss_get_sensor_stats(s, &st);
    return st;
}

/// Consumes everything UNSENT and erases every PENDING record: the store keeps only its open
/// sector (with whatever that holds, so its fill level is preserved).
void drain(SensorStore* s) {
    constexpr std::uint32_t max = 4096;
    alignas(8) static thread_local std::byte buf[max * sizeof(SsEventRecord)];
    std::uint32_t n = 0;
    while (ss_consume_batch(s, buf, max, &n) == 0) {
    }
    ss_erase_all_pending(s);
}

/// Hands out every UNSENT record (they become PENDING) without erasing them.
void consume_all(SensorStore* s) {
    constexpr std::uint32_t max = 4096;
    alignas(8) static thread_local std::byte buf[max * sizeof(SsEventRecord)];
    std::uint32_t n = 0;
    while (ss_consume_batch(s, buf, max, &n) == 0) {
    }
}

int add_one(SensorStore* s, bool evt, std::uint32_t v) {
    return evt ? ss_evt_add(s, v, 1'700'000'000'000ull + v) : ss_ts_add(s, v);
}

/// What changes when an add crosses into a new sector: either the store got one more sector or
/// it recycled its oldest.
std::pair<std::uint32_t, std::uint64_t> sector_marker(SensorStore* s) {
    const SsSensorStats st = stats_of(s);
    return {st.sectors, st.dropped_recycled};
}

/// Records per sector, found by adding until the store's sector count moves twice.
std::uint32_t measure_capacity(SensorStore* s, bool evt) {
    auto m = sector_marker(s);
    std::uint32_t guard = 0;
    while (sector_marker(s) == m) {
        add_one(s, evt, 0);
        if (++guard > 70000) return 0;
    }
    m = sector_marker(s);
    std::uint32_t cap = 1; // the add that crossed is the open sector's first record
    for (;;) {
        add_one(s, evt, 0);
        if (sector_marker(s) != m) break;
        if (++cap > 70000) return 0;
    }
    drain(s);
    return cap;
}

/// Adds TS records until the pool has no free sector and the store recycles its own oldest.
bool fill_until_recycling(SensorStore* s, std::uint32_t& v) {
    const std::uint64_t before = stats_of(s).dropped_recycled;
    for (std::uint32_t k = 0; k < kPoolSectors + 8; ++k) {
        for (std::uint32_t i = 0; i < g_cap_ts; ++i)
            if (ss_ts_add(s, v++) != 0) return false;
        if (stats_of(s).dropped_recycled != before) return true;
    }
    return false;
}

/// Untimed upkeep (drain, refill) inside the loop of a benchmark that may run on 2 threads. The
/// threads run the same number of iterations and need upkeep at the same ones, so they do it
/// together, between two barrier waits: otherwise one thread's upkeep, with both threads and
/// other load sharing two cores, would run while the other thread's timer runs and be counted.
template <class Fn>
void upkeep(benchmark::State& st, std::barrier<>& together, Fn&& fn) {
    st.PauseTiming();
    if (st.threads() > 1) together.arrive_and_wait();
    fn();
    if (st.threads() > 1) together.arrive_and_wait();
    st.ResumeTiming();
}

/// Leaves the loop on an error without leaving the other thread waiting at the barrier.
void fail(benchmark::State& st, std::barrier<>& together, const char* why) {
    st.SkipWithError(why);
    if (st.threads() > 1) together.arrive_and_drop();
}

// ---- baselines ---------------------------------------------------------------------------

/// An uncontended std::mutex lock/unlock around a RecBytes copy into an array, the array as large
/// as what the library writes between two drains (so both work on the same memory footprint).
template <std::size_t RecBytes>
void BM_baseline_add(benchmark::State& st) {
    std::mutex m;
    std::vector<std::byte> arr(std::size_t{kDrainSectors} * kSectorBytes);
    benchmark::DoNotOptimize(arr.data());
    std::size_t off = 0;
    std::uint32_t v = 0;
    for (auto _ : st) {
        std::array<std::byte, RecBytes> rec;
        std::memcpy(rec.data(), &v, sizeof v);
        if constexpr (RecBytes == 12) {
            const std::uint64_t ts = 1'700'000'000'000ull + v;
            std::memcpy(rec.data() + 4, &ts, sizeof ts);
        }
        m.lock();
        std::memcpy(arr.data() + off, rec.data(), RecBytes);
        m.unlock();
        ++v;
        off += RecBytes;
        if (off + RecBytes > arr.size()) off = 0;
    }
    benchmark::DoNotOptimize(arr.data());
    benchmark::ClobberMemory();
}

/// An uncontended std::mutex lock/unlock around a memcpy of batch x 4 bytes out of a source as
/// large as what the library consumes between two refills.
void BM_baseline_consume(benchmark::State& st, std::uint32_t batch) {
    std::mutex m;
    std::vector<std::byte> src(std::size_t{kDrainSectors} * kSectorBytes, std::byte{0x5a});
    std::vector<std::uint32_t> out(batch);
    const std::size_t bytes = std::size_t{batch} * sizeof(std::uint32_t);
    benchmark::DoNotOptimize(src.data());
    std::size_t off = 0;
    for (auto _ : st) {
        m.lock();
        std::memcpy(out.data(), src.data() + off, bytes);
        m.unlock();
        benchmark::DoNotOptimize(out.data());
        off += bytes;
        if (off + bytes > src.size()) off = 0;
    }
    st.SetItemsProcessed(st.iterations() * batch);
}

/// The baseline for the single timed adds: one mutex + 4-byte copy between two steady_clock
/// reads (so the timer's own cost is in both).
void BM_baseline_timed(benchmark::State& st) {
    std::mutex m;
    std::vector<std::byte> arr(kSectorBytes);
    benchmark::DoNotOptimize(arr.data());
    std::size_t off = 0;
    std::uint32_t v = 0;
    for (auto _ : st) {
        const auto t0 = Clock::now();
        m.lock();
        std::memcpy(arr.data() + off, &v, sizeof v);
        m.unlock();
        const auto t1 = Clock::now();
        st.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
        ++v;
        off = (off + sizeof v) % arr.size();
    }
    benchmark::DoNotOptimize(arr.data());
}

// ---- the library -------------------------------------------------------------------------

/// ss_ts_add / ss_evt_add on the normal path. Each thread uses sensor thread_index x stride.
template <bool Evt>
void BM_add(benchmark::State& st, int stride) {
    static std::barrier<> together(2);
    SensorStore* s = (Evt ? g_sensors.evt : g_sensors.ts)[st.thread_index() * stride];
    drain(s);
    const std::uint64_t every = std::uint64_t{kDrainSectors} * (Evt ? g_cap_evt : g_cap_ts);
    std::uint64_t left = every;
    std::uint32_t v = 0;
    for (auto _ : st) {
        int rc;
        if constexpr (Evt) rc = ss_evt_add(s, v, 1'700'000'000'000ull + v);
        else rc = ss_ts_add(s, v);
        ++v;
        if (rc != 0) [[unlikely]] {
            fail(st, together, ss_strerror(rc));
            break;
        }
        if (--left == 0) [[unlikely]] {
            upkeep(st, together, [&] { drain(s); });
            left = every;
        }
    }
    drain(s);
}

/// ss_consume_batch(batch) + ss_erase_all_pending: one op is one batch handed out and erased.
/// The records are added beforehand, kDrainSectors sectors at a time, with the timer paused.
void BM_consume_erase(benchmark::State& st, std::uint32_t batch, int stride) {
    static std::barrier<> together(2);
    SensorStore* s = g_sensors.consume[st.thread_index() * stride];
    drain(s);
    const std::uint64_t refill = std::uint64_t{kDrainSectors} * g_cap_ts;
    std::vector<std::uint32_t> out(batch);
    std::uint32_t v = 0;
    auto fill = [&] {
        for (std::uint64_t i = 0; i < refill; ++i) ss_ts_add(s, v++);
    };
    fill();
    std::uint64_t unsent = refill;
    for (auto _ : st) {
        if (unsent < batch) [[unlikely]] {
            upkeep(st, together, [&] {
                drain(s);
                fill();
            });
            unsent = refill;
        }
        std::uint32_t n = 0;
        const int rc = ss_consume_batch(s, out.data(), batch, &n);
        const int rc_erase = ss_erase_all_pending(s);
        if (rc != 0 || rc_erase != 0 || n != batch) [[unlikely]] {
            fail(st, together, "ss_consume_batch / ss_erase_all_pending failed or returned a short batch");
            break;
        }
        unsent -= n;
    }
    benchmark::DoNotOptimize(out.data());
    st.SetItemsProcessed(st.iterations() * batch);
    drain(s);
}

/// ss_ts_add with the pool full: every g_cap_ts-th add seals its sector and recycles the
/// store's oldest (unsent) sector instead of taking a free one.
void BM_add_pool_full_recycling(benchmark::State& st) {
    SensorStore* s = g_sensors.recycle;
    drain(s);
    std::uint32_t v = 0;
    if (!fill_until_recycling(s, v)) {
        st.SkipWithError("the pool never filled up");
        drain(s);
        return;
    }
    const SsSensorStats before = stats_of(s);
    for (auto _ : st) {
        const int rc = ss_ts_add(s, v++);
        if (rc != 0) [[unlikely]] {
            st.SkipWithError(ss_strerror(rc));
            break;
        }
    }
    const SsSensorStats after = stats_of(s);
    st.counters["sectors_recycled"] =
        static_cast<double>(after.dropped_recycled - before.dropped_recycled) / g_cap_ts;
    drain(s);
}

/// ss_ts_add with the pool full and all of the store's data PENDING: nothing may be recycled,
/// so every add is refused with -ENOSPC (counted, sequence number skipped).
void BM_add_pool_full_dropping(benchmark::State& st) {
    SensorStore* s = g_sensors.drop;
    drain(s);
    std::uint32_t v = 0;
    if (!fill_until_recycling(s, v)) {
        st.SkipWithError("the pool never filled up");
        drain(s);
        return;
    }
    consume_all(s); // everything PENDING, awaiting an acknowledgement that does not come
    for (std::uint32_t guard = 0; ss_ts_add(s, v++) == 0;) { // fill the open sector
        if (++guard > g_cap_ts + 1) {
            st.SkipWithError("adds were never refused");
            drain(s);
            return;
        }
    }
    for (auto _ : st) {
        const int rc = ss_ts_add(s, v++);
        if (rc != -ENOSPC) [[unlikely]] {
            st.SkipWithError("expected -ENOSPC");
            break;
        }
    }
    drain(s);
}

enum class Timed { mid_sector, boundary, boundary_recycling };

/// One ss_ts_add per iteration timed on its own with steady_clock (manual time): either one in
/// the middle of a sector or the one that crosses into a new sector (it seals the full one,
/// CRC included, and takes a free sector or recycles the oldest). The other g_cap_ts - 1 adds
/// of each sector are done untimed.
void BM_add_timed(benchmark::State& st, Timed mode) {
    SensorStore* s = mode == Timed::boundary_recycling ? g_sensors.timed_recycle : g_sensors.timed;
    drain(s);
    std::uint32_t v = 0;
    if (mode == Timed::boundary_recycling && !fill_until_recycling(s, v)) {
        st.SkipWithError("the pool never filled up");
        drain(s);
        return;
    }
    // Align: add until an add crosses a sector boundary; the open sector then holds 1 record.
    for (auto m = sector_marker(s); sector_marker(s) == m;) ss_ts_add(s, v++);
    const std::uint32_t cap = g_cap_ts;
    const std::uint32_t timed_idx = mode == Timed::mid_sector ? cap / 2 : cap - 1;
    const bool expect_cross = mode != Timed::mid_sector;
    std::uint32_t sectors_since_drain = 0;
    for (auto _ : st) {
        for (std::uint32_t j = 0; j < timed_idx; ++j) ss_ts_add(s, v++);
        const auto before = sector_marker(s);
        const auto t0 = Clock::now();
        const int rc = ss_ts_add(s, v++);
        const auto t1 = Clock::now();
        st.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
        const bool crossed = sector_marker(s) != before;
        for (std::uint32_t j = timed_idx + 1; j < cap; ++j) ss_ts_add(s, v++);
        if (rc != 0 || crossed != expect_cross) [[unlikely]] {
            st.SkipWithError(rc != 0 ? ss_strerror(rc) : "the timed add was not where it was meant to be");
            break;
        }
        if (mode != Timed::boundary_recycling && ++sectors_since_drain == kDrainSectors) {
            drain(s);
            sectors_since_drain = 0;
        }
    }
    drain(s);
}

// ---- range reads: one ss_get_range against the ss_diag_read_at calls it replaces -----------

constexpr std::uint32_t kRangeRecords = 1000;
// From the middle of the first sector, so the range crosses a sector boundary.
constexpr std::uint64_t kRangeFirst = 500;

/// The range sensor holds kRangeFirst + kRangeRecords + a sector's worth, all unsent, from
/// sequence number 0 (so offset from the oldest = sequence number).
bool fill_range_sensor(benchmark::State& st) {
    SensorStore* s = g_sensors.range;
    const std::uint64_t want = kRangeFirst + kRangeRecords + g_cap_ts;
    for (std::uint64_t v = stats_of(s).next_seq; v < want; ++v)
        if (ss_ts_add(s, static_cast<std::uint32_t>(v)) != 0) {
            st.SkipWithError("could not fill the range sensor");
            return false;
        }
    return true;
}

/// Baseline: the records one at a time, as a reader had to before ss_get_range.
void BM_range_diag_read_at(benchmark::State& st) {
    if (!fill_range_sensor(st)) return;
    std::vector<std::uint32_t> out(kRangeRecords);
    for (auto _ : st) {
        for (std::uint32_t i = 0; i < kRangeRecords; ++i)
            if (ss_diag_read_at(g_sensors.range, kRangeFirst + i, &out[i]) != 0) [[unlikely]] {
                st.SkipWithError("ss_diag_read_at failed");
                return;
            }
        benchmark::DoNotOptimize(out.data());
    }
    if (out.back() != kRangeFirst + kRangeRecords - 1) st.SkipWithError("ss_diag_read_at read the wrong records");
    st.SetItemsProcessed(st.iterations() * kRangeRecords);
}

void BM_range_get_range(benchmark::State& st) {
    if (!fill_range_sensor(st)) return;
    std::vector<std::uint32_t> out(kRangeRecords);
    for (auto _ : st) {
        std::uint32_t n = 0;
        std::uint64_t first = 0;
        if (ss_get_range(g_sensors.range, kRangeFirst, kRangeRecords, out.data(), &n, &first) != 0 ||
            n != kRangeRecords || first != kRangeFirst) [[unlikely]] {
            st.SkipWithError("ss_get_range did not return the range");
            return;
        }
        benchmark::DoNotOptimize(out.data());
    }
    if (out.back() != kRangeFirst + kRangeRecords - 1) st.SkipWithError("ss_get_range read the wrong records");
    st.SetItemsProcessed(st.iterations() * kRangeRecords);
}

// ---- diagnostics: pieces of the add path, to see where its time goes --------------------------

// The POSIX port calls its lock through function pointers to out-of-line wrappers; this
// reproduces that shape. Non-const so the compiler cannot resolve the calls.
struct LockFns {
    void (*lock)(void*);
    void (*unlock)(void*);
};
__attribute__((noinline)) void fn_lock(void* p) { pthread_mutex_lock(static_cast<pthread_mutex_t*>(p)); }
__attribute__((noinline)) void fn_unlock(void* p) { pthread_mutex_unlock(static_cast<pthread_mutex_t*>(p)); }
LockFns g_lock_fns{fn_lock, fn_unlock};

void BM_diag_fnptr_mutex(benchmark::State& st) {
    pthread_mutex_t mu;
    pthread_mutex_init(&mu, nullptr);
    LockFns* fns = &g_lock_fns;
    benchmark::DoNotOptimize(fns);
    std::vector<std::byte> arr(std::size_t{kDrainSectors} * kSectorBytes);
    benchmark::DoNotOptimize(arr.data());
    std::size_t off = 0;
    std::uint32_t v = 0;
    for (auto _ : st) {
        fns->lock(&mu);
        std::memcpy(arr.data() + off, &v, sizeof v);
        fns->unlock(&mu);
        ++v;
        off += sizeof v;
        if (off + sizeof v > arr.size()) off = 0;
    }
    benchmark::DoNotOptimize(arr.data());
    pthread_mutex_destroy(&mu);
}

/// A read-only API call that takes the same store lock: handle check + lock + unlock, no write.
void BM_diag_unsent_count(benchmark::State& st) {
    SensorStore* s = g_sensors.ts[0];
    drain(s);
    for (auto _ : st) {
        std::uint64_t n = 0;
        const int rc = ss_get_unsent_count(s, &n);
        benchmark::DoNotOptimize(n);
        if (rc != 0) [[unlikely]] {
            st.SkipWithError(ss_strerror(rc));
            break;
        }
    }
}

/// The CRC32C a seal computes: 12 header bytes + a full TS payload.
void BM_diag_crc_seal(benchmark::State& st) {
    std::vector<std::byte> sector(kSectorBytes);
    for (std::size_t i = 0; i < sector.size(); ++i) sector[i] = static_cast<std::byte>(i * 131u);
    const std::size_t payload = std::size_t{g_cap_ts} * 4;
    for (auto _ : st) {
        std::uint32_t c = ss::crc32c(sector.data(), 12);
        c = ss::crc32c(sector.data() + 16, payload, c);
        benchmark::DoNotOptimize(c);
    }
    st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(payload + 12));
}

/// Two steady_clock reads around nothing: the timer cost inside every manual-time row.
void BM_diag_timer(benchmark::State& st) {
    for (auto _ : st) {
        const auto t0 = Clock::now();
        const auto t1 = Clock::now();
        st.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    }
}

SsInitCfg g_cfg{};

template <class Fn>
benchmark::internal::Benchmark* reg(std::vector<Entry>& entries, const std::string& name, int threads,
                                    const std::string& baseline, bool is_add, Fn&& fn) {
    entries.push_back(Entry{name, threads, baseline, is_add});
    auto* b = benchmark::RegisterBenchmark(name.c_str(), std::forward<Fn>(fn));
    b->Unit(benchmark::kNanosecond);
    if (threads > 1) b->Threads(threads);
    return b;
}

} // namespace

std::string describe_config() {
    SsSystemStats sys{};
    ss_get_system_stats(&sys);
    std::string d;
    d += "RAM sector " + std::to_string(g_cfg.ram_sector_bytes) + " B (" + std::to_string(g_cap_ts) + " TS / " +
         std::to_string(g_cap_evt) + " EVT records), pool " + std::to_string(g_cfg.ram_pool_bytes / g_cfg.ram_sector_bytes) +
         " sectors, " + std::to_string(sys.sensors) + " of max_sensors " + std::to_string(g_cfg.max_sensors) +
         " registered, crc_enabled " +
         std::to_string(g_cfg.crc_enabled) + ", verify_level " + std::to_string(g_cfg.verify_level) +
         ", drain every " + std::to_string(kDrainSectors) + " sectors";
    return d;
}

namespace {

/// A test-and-set spin lock in the program's own code: what an application that supplies its
/// lock (SsInitCfg::lock_ops) might hand in where writers never wait long.
const SsLockOps host_spin_lock{
    sizeof(std::atomic<bool>), alignof(std::atomic<bool>), [](void* l) { new (l) std::atomic<bool>(false); },
    [](void*) {},
    [](void* l) {
        auto* f = static_cast<std::atomic<bool>*>(l);
        while (f->exchange(true, std::memory_order_acquire))
            while (f->load(std::memory_order_relaxed)) {}
    },
    [](void* l) { static_cast<std::atomic<bool>*>(l)->store(false, std::memory_order_release); },
    [](void* l) { return !static_cast<std::atomic<bool>*>(l)->exchange(true, std::memory_order_acquire); }};

} // namespace

bool setup(std::vector<Entry>& entries, std::string& why, StoreLock lock) {
    ss_config_defaults(&g_cfg, SS_TARGET_LINUX);
    if (lock == StoreLock::host_spin) g_cfg.lock_ops = &host_spin_lock;
    g_cfg.ram_sector_bytes = kSectorBytes;
    g_cfg.max_sensors = kMaxSensors;
    g_cfg.ram_pool_bytes = std::size_t{kPoolSectors} * kSectorBytes;
    g_cfg.log = silent_log;
    g_cfg.log_ctx = nullptr;
    if (int rc = ss_init_system(&g_cfg); rc != 0) {
        why = std::string("ss_init_system: ") + ss_strerror(rc) + ": " + ss_last_error();
        return false;
    }
    // Registration order is arena order: ts[0] and ts[1] are neighbours in the store and lock
    // arrays, ts[0] and ts[kApart] are not.
    auto init = [&](std::uint32_t id, SensorType type, SensorStore** out) {
        const int rc = ss_sensor_init(id, type, out);
        if (rc != 0) why = "ss_sensor_init(" + std::to_string(id) + "): " + ss_last_error();
        return rc == 0;
    };
    for (int i = 0; i < kSlots; ++i)
        if (!init(1000 + i, SENSOR_TS, &g_sensors.ts[i])) return false;
    for (int i = 0; i < kSlots; ++i)
        if (!init(2000 + i, SENSOR_EVT, &g_sensors.evt[i])) return false;
    for (int i = 0; i < kSlots; ++i)
        if (!init(3000 + i, SENSOR_TS, &g_sensors.consume[i])) return false;
    if (!init(4000, SENSOR_TS, &g_sensors.timed) || !init(4001, SENSOR_TS, &g_sensors.timed_recycle) ||
        !init(4002, SENSOR_TS, &g_sensors.recycle) || !init(4003, SENSOR_TS, &g_sensors.drop) ||
        !init(4004, SENSOR_TS, &g_sensors.range))
        return false;
    g_cap_ts = measure_capacity(g_sensors.ts[0], false);
    g_cap_evt = measure_capacity(g_sensors.evt[0], true);
    if (g_cap_ts == 0 || g_cap_evt == 0) {
        why = "could not measure the sector capacity";
        return false;
    }

    const std::string b_add4 = "baseline/mutex_copy_4B";
    const std::string b_add12 = "baseline/mutex_copy_12B";
    const std::string b_c64 = "baseline/mutex_memcpy_256B";
    const std::string b_c1020 = "baseline/mutex_memcpy_" + std::to_string(g_cap_ts * 4) + "B";
    const std::string b_timed = "baseline/timed_mutex_copy_4B";

    // Baselines run right before the benchmarks compared with them, so drift on a shared
    // machine affects both alike.
    reg(entries, b_add4, 1, "", false, BM_baseline_add<4>)->UseRealTime();
    reg(entries, "ss_ts_add", 1, b_add4, true, [](benchmark::State& st) { BM_add<false>(st, 0); })->UseRealTime();
    reg(entries, "diag/fnptr_pthread_mutex_copy_4B", 1, b_add4, false, BM_diag_fnptr_mutex)->UseRealTime();
    reg(entries, "diag/ss_get_unsent_count", 1, b_add4, false, BM_diag_unsent_count)->UseRealTime();
    reg(entries, b_add12, 1, "", false, BM_baseline_add<12>)->UseRealTime();
    reg(entries, "ss_evt_add", 1, b_add12, true, [](benchmark::State& st) { BM_add<true>(st, 0); })->UseRealTime();

    reg(entries, b_add4, 2, "", false, BM_baseline_add<4>)->UseRealTime();
    reg(entries, "ss_ts_add/sensors_apart", 2, key(b_add4, 2), true,
        [](benchmark::State& st) { BM_add<false>(st, kApart); })
        ->UseRealTime();
    reg(entries, "ss_ts_add/sensors_adjacent", 2, key(b_add4, 2), true,
        [](benchmark::State& st) { BM_add<false>(st, kAdjacent); })
        ->UseRealTime();
    reg(entries, b_add12, 2, "", false, BM_baseline_add<12>)->UseRealTime();
    reg(entries, "ss_evt_add/sensors_apart", 2, key(b_add12, 2), true,
        [](benchmark::State& st) { BM_add<true>(st, kApart); })
        ->UseRealTime();

    for (int threads : {1, 2}) {
        for (std::uint32_t batch : {64u, g_cap_ts}) {
            const std::string base = batch == 64 ? b_c64 : b_c1020;
            reg(entries, base, threads, "", false,
                [batch](benchmark::State& st) { BM_baseline_consume(st, batch); })
                ->UseRealTime();
            reg(entries, "ss_consume_erase/batch:" + std::to_string(batch), threads, key(base, threads), false,
                [batch](benchmark::State& st) { BM_consume_erase(st, batch, kApart); })
                ->UseRealTime()
                ->MinTime(kConsumeMinTime);
        }
    }

    reg(entries, "ss_ts_add/pool_full_recycling", 1, b_add4, true, BM_add_pool_full_recycling)->UseRealTime();
    reg(entries, "ss_ts_add/pool_full_all_pending_dropped", 1, b_add4, true, BM_add_pool_full_dropping)
        ->UseRealTime();

    reg(entries, "diag/steady_clock_pair", 1, "", false, BM_diag_timer)
        ->UseManualTime()
        ->Iterations(kTimedBaselineIterations);
    reg(entries, b_timed, 1, "", false, BM_baseline_timed)->UseManualTime()->Iterations(kTimedBaselineIterations);
    reg(entries, "ss_ts_add/timed_mid_sector", 1, b_timed, true,
        [](benchmark::State& st) { BM_add_timed(st, Timed::mid_sector); })
        ->UseManualTime()
        ->Iterations(kTimedIterations);
    reg(entries, "ss_ts_add/timed_sector_boundary", 1, b_timed, true,
        [](benchmark::State& st) { BM_add_timed(st, Timed::boundary); })
        ->UseManualTime()
        ->Iterations(kTimedIterations);
    reg(entries, "ss_ts_add/timed_sector_boundary_recycling", 1, b_timed, true,
        [](benchmark::State& st) { BM_add_timed(st, Timed::boundary_recycling); })
        ->UseManualTime()
        ->Iterations(kTimedIterations);
    // 1000 records read without consuming: one ss_get_range call against 1000 ss_diag_read_at.
    const std::string b_range = "baseline/ss_diag_read_at_x" + std::to_string(kRangeRecords);
    reg(entries, b_range, 1, "", false, BM_range_diag_read_at)->UseRealTime();
    reg(entries, "ss_get_range/" + std::to_string(kRangeRecords) + "_records", 1, b_range, false, BM_range_get_range)
        ->UseRealTime();

    reg(entries, "diag/crc32c_seal_" + std::to_string(g_cap_ts * 4 + 12) + "B", 1, "", false, BM_diag_crc_seal)
        ->UseRealTime();
    return true;
}

void teardown() { ss_deinit_system(); }

} // namespace ss_bench
