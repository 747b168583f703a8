// The capture primitives under real concurrency:
//  - two threads pass SS_RING_STRESS_ITEMS (default 10 000 000) sequence-numbered items through
//    rings of small and large capacity with single and bulk operations, checked in order and
//    complete;
//  - an interrupt-style run: a high-rate timer signal preempts the consumer at arbitrary points
//    and, in its handler, uses only the wait-free producer sides (ring push, pool acquire, DMA
//    half completion); every item arrives in order or is counted as dropped;
//  - the buffer pool, the DMA double buffer and the pooled capture between two threads.
// Threads never assert: they record what they saw and the test thread checks it after join().
#include <doctest/doctest.h>

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <thread>
#include <type_traits>

#include "ss/capture/buffer_pool.hpp"
#include "ss/capture/double_buffer.hpp"
#include "ss/capture/spsc_ring.hpp"

using ss::capture::BufferPool;
using ss::capture::DmaDoubleBuffer;
using ss::capture::SpscRing;

#if defined(__SANITIZE_THREAD__)
#define SS_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SS_TEST_UNDER_TSAN 1
#endif
#endif

namespace {

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    if (const char* s = std::getenv(name); s != nullptr && *s != '\0') return std::strtoull(s, nullptr, 0);
    return fallback;
}

std::uint64_t test_seed() {
    static const std::uint64_t seed = [] {
        const std::uint64_t s = env_u64("SS_TEST_SEED", 0x5eed'0000'0004ull);
        std::printf("spsc_ring_stress_test: seed %llu (override with SS_TEST_SEED)\n", static_cast<unsigned long long>(s));
        return s;
    }();
    return seed;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Spin briefly, then yield: two cores shared by several processes must not starve the other side.
class Backoff {
public:
    void wait() {
        if (++spins_ < 32) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        } else {
            std::this_thread::yield();
        }
    }
    void reset() { spins_ = 0; }

private:
    int spins_ = 0;
};

// ---- two-thread ring stress -------------------------------------------------------------------

/// A 16-byte trivially copyable item whose second word checks the first (catches torn copies).
struct Item {
    std::uint64_t seq = 0;
    std::uint64_t check = 0;
    static Item make(std::uint64_t s) { return {s, ~s * 0x9E37'79B9'7F4A'7C15ull}; }
    bool intact() const { return check == ~seq * 0x9E37'79B9'7F4A'7C15ull; }
};

/// A non-trivially-destructible item: a slot read after its item was destroyed shows the mark.
struct CanaryItem {
    static constexpr std::uint64_t alive = 0xA11'7E00'A11'7E00ull;
    static constexpr std::uint64_t dead = 0xDEAD'DEAD'DEAD'DEADull;
    CanaryItem() = default;
    explicit CanaryItem(std::uint64_t s) noexcept : seq(s), canary(alive) {}
    CanaryItem(const CanaryItem& o) noexcept : seq(o.seq), canary(o.canary) {}
    CanaryItem& operator=(const CanaryItem& o) noexcept {
        seq = o.seq;
        canary = o.canary;
        return *this;
    }
    ~CanaryItem() { canary = dead; }
    static CanaryItem make(std::uint64_t s) { return CanaryItem(s); }
    bool intact() const { return canary == alive; }
    std::uint64_t seq = 0;
    std::uint64_t canary = alive;
};

enum class Ops { single, bulk, mixed };

const char* name_of(Ops ops) {
    switch (ops) {
    case Ops::single: return "single";
    case Ops::bulk: return "bulk";
    default: return "mixed";
    }
}

struct StressResult {
    std::uint64_t received = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t damaged = 0;
    std::uint64_t first_bad_seq = 0;
};

template <class T, std::size_t N>
StressResult run_ring_stress(std::uint64_t items, Ops ops, std::uint64_t seed) {
    static SpscRing<T, N> ring; // static: a 1024-slot ring of 16-byte items is not for the stack
    StressResult result;
    constexpr std::size_t max_batch = 2 * N + 1;

    std::thread producer([&] {
        std::mt19937 rng(static_cast<std::uint32_t>(seed));
        T batch[max_batch];
        Backoff backoff;
        std::uint64_t next = 0;
        while (next < items) {
            const bool use_bulk = ops == Ops::bulk || (ops == Ops::mixed && (rng() & 1u) != 0);
            if (use_bulk) {
                const std::size_t want =
                    static_cast<std::size_t>(std::min<std::uint64_t>(1 + rng() % max_batch, items - next));
                for (std::size_t i = 0; i < want; ++i) batch[i] = T::make(next + i);
                const std::size_t pushed = ring.push_n(batch, want);
                next += pushed;
                if (pushed == 0) backoff.wait();
                else backoff.reset();
            } else if (ring.try_push(T::make(next))) {
                ++next;
                backoff.reset();
            } else {
                backoff.wait();
            }
        }
    });

    std::mt19937 rng(static_cast<std::uint32_t>(seed >> 32) ^ 0x1234u);
    T batch[max_batch];
    Backoff backoff;
    std::uint64_t expected = 0;
    auto accept = [&](const T& item) {
        const bool damaged = !item.intact();
        const bool out_of_order = item.seq != expected;
        if ((damaged || out_of_order) && result.damaged + result.out_of_order == 0) result.first_bad_seq = item.seq;
        result.damaged += damaged ? 1 : 0;
        result.out_of_order += out_of_order ? 1 : 0;
        expected = item.seq + 1;
        ++result.received;
    };
    while (result.received < items) {
        const unsigned choice = ops == Ops::single ? 0u : ops == Ops::bulk ? 2u : static_cast<unsigned>(rng() % 3);
        bool got = false;
        if (choice == 0) {
            T item;
            got = ring.try_pop(item);
            if (got) accept(item);
        } else if (choice == 1) {
            if (T* front = ring.front(); front != nullptr) {
                accept(*front);
                got = ring.pop();
            }
        } else {
            const std::size_t n = ring.pop_n(batch, 1 + rng() % max_batch);
            for (std::size_t i = 0; i < n; ++i) accept(batch[i]);
            got = n != 0;
        }
        if (got) backoff.reset();
        else backoff.wait();
    }
    producer.join();
    T leftover;
    if (ring.try_pop(leftover)) ++result.out_of_order; // more items than were pushed
    return result;
}

template <class T, std::size_t N>
void check_ring_stress(std::uint64_t items, Ops ops, std::uint64_t seed) {
    const auto t0 = std::chrono::steady_clock::now();
    const StressResult r = run_ring_stress<T, N>(items, ops, seed);
    std::printf("  capacity %4zu, %-6s ops, %s: %llu items in %.2f s\n", N, name_of(ops),
                sizeof(T) == sizeof(Item) && std::is_trivially_copyable_v<T> ? "16-byte item" : "non-trivial item",
                static_cast<unsigned long long>(r.received), seconds_since(t0));
    INFO("capacity ", N, ", ops ", name_of(ops), ", first bad sequence number ", r.first_bad_seq);
    CHECK(r.received == items);
    CHECK(r.out_of_order == 0);
    CHECK(r.damaged == 0);
}

} // namespace

TEST_CASE("two threads pass every item in order through small and large rings, single and bulk") {
    const std::uint64_t total = env_u64("SS_RING_STRESS_ITEMS", 10'000'000);
    const std::uint64_t seed = test_seed();
    std::printf("ring stress: %llu items in total (override with SS_RING_STRESS_ITEMS)\n",
                static_cast<unsigned long long>(total));
    // Shares in per mille. The small rings force a full/empty transition on nearly every item and
    // cost a thread hand-off each (slow under TSan on two shared cores), so they get 21 % of the
    // items (2.1 million by default); the large rings carry the volume.
    const auto share = [&](std::uint64_t per_mille) { return total * per_mille / 1000; };
    const std::uint64_t big = total - 3 * share(30) - 2 * share(60) - share(390);
    const auto t0 = std::chrono::steady_clock::now();
    check_ring_stress<Item, 1>(share(30), Ops::single, seed + 1);
    check_ring_stress<Item, 2>(share(30), Ops::mixed, seed + 2);
    check_ring_stress<Item, 3>(share(30), Ops::bulk, seed + 3);
    check_ring_stress<CanaryItem, 7>(share(60), Ops::mixed, seed + 4);
    check_ring_stress<CanaryItem, 5>(share(60), Ops::bulk, seed + 5);
    check_ring_stress<Item, 64>(share(390), Ops::bulk, seed + 6);
    check_ring_stress<Item, 1024>(big, Ops::single, seed + 7);
    std::printf("ring stress: %.2f s in total\n", seconds_since(t0));
}

// ---- interrupt-style: a timer signal as the ISR -----------------------------------------------

namespace {
namespace isr {

constexpr std::size_t item_capacity = 16;
constexpr std::size_t pool_length = 16;
constexpr std::size_t pool_count = 4;
constexpr std::size_t half_length = 32;

using Counter = std::atomic<std::uint32_t>;

/// Everything the "ISR" touches. The handler is the only writer of the counters below, and of
/// the handler-private fields (SIGALRM is blocked while its handler runs: no reentry).
struct Shared {
    SpscRing<std::uint32_t, item_capacity> items;
    BufferPool<std::uint32_t, pool_length, pool_count> pool;
    SpscRing<std::uint32_t, pool_count> filled; // indices of filled pool buffers
    DmaDoubleBuffer<std::uint32_t, half_length> db;

    Counter ticks{0};
    Counter items_attempted{0};
    Counter items_dropped{0};
    Counter buffers_filled{0};
    Counter pool_failures{0};
    Counter dma_fills{0};
    Counter dma_stops{0};
    Counter dma_restarts{0};
    Counter handler_errors{0};

    // Handler-private.
    std::uint32_t lcg = 12345;
    std::uint32_t dma_half = 0;
    bool dma_running = true;
};

Shared* g_shared = nullptr;

void bump(Counter& c) { c.store(c.load(std::memory_order_relaxed) + 1u, std::memory_order_relaxed); }

/// The "ISR": only wait-free producer-side calls and atomics (async-signal-safe).
void on_tick(int) {
    Shared& s = *g_shared;
    s.lcg = s.lcg * 1664525u + 1013904223u;
    // A burst of 1..8 sequence-numbered items; a full ring drops (and counts) the rest.
    const std::uint32_t burst = 1 + (s.lcg >> 29);
    for (std::uint32_t i = 0; i < burst; ++i) {
        const std::uint32_t seq = s.items_attempted.load(std::memory_order_relaxed);
        if (!s.items.try_push(seq)) bump(s.items_dropped);
        s.items_attempted.store(seq + 1, std::memory_order_relaxed);
    }
    // One pool buffer filled with a pattern and posted by index.
    if (const auto index = s.pool.try_acquire_index()) {
        const std::uint32_t n = s.buffers_filled.load(std::memory_order_relaxed);
        const auto data = s.pool.data(*index);
        for (std::size_t i = 0; i < data.size(); ++i) data[i] = n * 1000u + static_cast<std::uint32_t>(i);
        if (!s.filled.try_push(*index)) bump(s.handler_errors); // cannot happen: capacity = pool size
        s.buffers_filled.store(n + 1, std::memory_order_relaxed);
    } else {
        bump(s.pool_failures);
    }
    // The DMA fills one half per tick; on overrun the driver stops it until software gave both
    // halves back, so the simulation never writes memory software holds.
    if (s.dma_running) {
        const std::uint32_t fill = s.dma_fills.load(std::memory_order_relaxed) + 1;
        std::uint32_t* half = s.db.dma_target() + s.dma_half * half_length;
        for (std::size_t i = 0; i < half_length; ++i) half[i] = fill;
        s.dma_fills.store(fill, std::memory_order_relaxed);
        const auto r = s.dma_half == 0 ? s.db.on_half_complete() : s.db.on_complete();
        if (!r.handed_over) bump(s.handler_errors); // stop-on-overrun never drops a fill
        s.dma_half ^= 1u;
        if (r.overrun) {
            s.dma_running = false;
            bump(s.dma_stops);
        }
    } else if (s.db.on_dma_restart()) {
        s.dma_running = true;
        s.dma_half = 0;
        bump(s.dma_restarts);
    }
    s.ticks.store(s.ticks.load(std::memory_order_relaxed) + 1u, std::memory_order_release);
}

/// The consumer side: drains, checks, and now and then holds things for a few ticks to force
/// full rings, an empty pool and DMA overruns.
struct Consumer {
    explicit Consumer(Shared& shared, std::uint64_t seed) : s(shared), rng(static_cast<std::uint32_t>(seed)) {}

    Shared& s;
    std::mt19937 rng;

    std::uint64_t items_received = 0;
    std::uint64_t items_skipped = 0; // gaps in the sequence: must equal the drops
    std::uint64_t items_out_of_order = 0;
    std::uint32_t next_item = 0;

    std::uint64_t buffers_received = 0;
    std::uint64_t buffers_bad = 0;
    std::uint64_t bad_pool_releases = 0;
    std::uint32_t next_buffer = 0;
    std::uint32_t held_buffers[pool_count] = {};
    std::uint32_t held_buffer_count = 0;
    std::uint32_t release_buffers_at = 0;

    std::optional<ss::capture::TakenHalf<std::uint32_t, half_length>> half;
    std::uint32_t release_half_at = 0;
    std::uint32_t last_fill = 0;
    std::uint64_t halves_received = 0;
    std::uint64_t halves_bad = 0;
    std::uint64_t halves_io_error = 0;
    std::uint64_t halves_bad_release = 0;

    std::uint32_t pause_until = 0;

    std::uint32_t now() const { return s.ticks.load(std::memory_order_acquire); }

    void take_items() {
        std::uint32_t got[8];
        const std::size_t n = s.items.pop_n(got, 1 + rng() % 8);
        for (std::size_t i = 0; i < n; ++i) {
            if (got[i] < next_item) ++items_out_of_order;
            else items_skipped += got[i] - next_item;
            next_item = got[i] + 1;
            ++items_received;
        }
    }

    void take_buffers(bool hold) {
        std::uint32_t index = 0;
        while (s.filled.try_pop(index)) {
            const auto data = s.pool.data(index);
            bool ok = data.size() == pool_length;
            for (std::size_t i = 0; ok && i < data.size(); ++i) ok = data[i] == next_buffer * 1000u + i;
            if (!ok) ++buffers_bad;
            ++next_buffer;
            ++buffers_received;
            if (hold && held_buffer_count < pool_count) {
                held_buffers[held_buffer_count++] = index;
            } else if (!s.pool.release_index(index)) {
                ++bad_pool_releases;
            }
        }
    }

    void release_held_buffers() {
        for (std::uint32_t i = 0; i < held_buffer_count; ++i)
            if (!s.pool.release_index(held_buffers[i])) ++bad_pool_releases;
        held_buffer_count = 0;
    }

    void release_half() {
        const bool uniform = std::all_of(half->samples.begin(), half->samples.end(),
                                         [&](std::uint32_t v) { return v == half->samples[0]; });
        if (!uniform) ++halves_bad;
        const auto r = s.db.release(half->half);
        if (!r) {
            if (r.error() == ss::Errc::io_error) ++halves_io_error; // declared overrun (the DMA stopped)
            else ++halves_bad_release;
        }
        half.reset();
    }

    void take_half() {
        half = s.db.try_take();
        if (!half) return;
        ++halves_received;
        const std::uint32_t fill = half->samples[0];
        if (fill <= last_fill) ++halves_bad;
        last_fill = fill;
        // Hold it for 0..3 ticks: two or more make the DMA come back to it (an overrun).
        release_half_at = now() + static_cast<std::uint32_t>(rng() % 4);
    }

    /// One pass of the consumer loop.
    void step() {
        const std::uint32_t t = now();
        if (t < pause_until) return; // a slow consumer: rings fill up, items are dropped
        if (rng() % 4096 == 0) pause_until = t + 1 + static_cast<std::uint32_t>(rng() % 3);
        take_items();
        // Now and then keep every buffer for 3..6 ticks: the ISR acquires one per tick, so the
        // pool (4 buffers) runs dry.
        if (t >= release_buffers_at) {
            if (held_buffer_count != 0) release_held_buffers();
            if (rng() % 2048 == 0) release_buffers_at = t + 3 + static_cast<std::uint32_t>(rng() % 4);
        }
        take_buffers(t < release_buffers_at);
        if (half && t >= release_half_at) release_half();
        if (!half) take_half();
    }

    /// After the last tick: everything left is taken and given back.
    void drain() {
        while (s.items.size_approx() != 0) take_items();
        release_held_buffers();
        take_buffers(false);
        if (half) release_half();
        while ((take_half(), half)) release_half();
    }
};

/// A per-thread interval timer raising SIGALRM in thread `tid`.
class TickTimer {
public:
    TickTimer(pid_t tid, long interval_ns) {
        struct sigaction sa {};
        sa.sa_handler = on_tick;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGALRM, &sa, &old_);
        sigevent ev{};
        ev.sigev_notify = SIGEV_THREAD_ID;
        ev.sigev_signo = SIGALRM;
        ev._sigev_un._tid = tid; // sigev_notify_thread_id
        ok_ = timer_create(CLOCK_MONOTONIC, &ev, &timer_) == 0;
        if (ok_) {
            itimerspec spec{};
            spec.it_interval.tv_nsec = interval_ns;
            spec.it_value.tv_nsec = interval_ns;
            ok_ = timer_settime(timer_, 0, &spec, nullptr) == 0;
        }
    }
    TickTimer(const TickTimer&) = delete;
    TickTimer& operator=(const TickTimer&) = delete;

    /// Stops the ticks: deletes the timer and discards a tick still pending.
    void stop() {
        if (stopped_) return;
        stopped_ = true;
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGALRM);
        sigset_t old_mask;
        pthread_sigmask(SIG_BLOCK, &block, &old_mask);
        if (ok_) timer_delete(timer_);
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGALRM, &ignore, nullptr); // a pending SIGALRM is discarded here
        pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
        sigaction(SIGALRM, &old_, nullptr);
    }
    ~TickTimer() { stop(); }
    bool ok() const { return ok_; }

private:
    struct sigaction old_ {};
    timer_t timer_{};
    bool ok_ = false;
    bool stopped_ = false;
};

struct IsrRun {
    std::uint32_t ticks = 0;
    double seconds = 0;
};

/// Runs the ISR producer at a high rate against the consumer until `target_ticks` (or a time
/// limit, so a slow machine ends the run rather than the test timeout), then drains.
IsrRun run_isr(Shared& s, Consumer& c, bool consumer_in_own_thread, std::uint32_t target_ticks) {
    g_shared = &s;
    const auto t0 = std::chrono::steady_clock::now();
    const auto deadline = t0 + std::chrono::seconds(20);
    IsrRun run;
    if (!consumer_in_own_thread) {
        // The handler preempts this very thread, anywhere in the consumer's code: a single-core
        // MCU with its ISR.
        TickTimer timer(gettid(), 20'000);
        REQUIRE(timer.ok());
        while (c.now() < target_ticks && std::chrono::steady_clock::now() < deadline) c.step();
        timer.stop();
    } else {
        // The handler runs in this thread while the consumer runs in another: an ISR on one core
        // and its consumer on the other.
        std::atomic<bool> stop{false};
        std::thread consumer([&] {
            sigset_t block;
            sigemptyset(&block);
            sigaddset(&block, SIGALRM);
            pthread_sigmask(SIG_BLOCK, &block, nullptr);
            while (!stop.load(std::memory_order_acquire)) c.step();
        });
        {
            TickTimer timer(gettid(), 20'000);
            REQUIRE(timer.ok());
            while (c.now() < target_ticks && std::chrono::steady_clock::now() < deadline) {
                timespec nap{0, 1'000'000};
                nanosleep(&nap, nullptr); // interrupted by the ticks
            }
            timer.stop();
        }
        stop.store(true, std::memory_order_release);
        consumer.join();
    }
    c.drain();
    run.ticks = s.ticks.load();
    run.seconds = seconds_since(t0);
    g_shared = nullptr;
    return run;
}

void check_isr_run(bool consumer_in_own_thread) {
    // Static: the handler reaches it through g_shared (and it is too big for the stack).
    static Shared preempting;
    static Shared other_thread;
    Shared& s = consumer_in_own_thread ? other_thread : preempting;
    Consumer c(s, test_seed() + (consumer_in_own_thread ? 11 : 10));
    const std::uint32_t target = static_cast<std::uint32_t>(env_u64("SS_ISR_TICKS", 20'000));
    const IsrRun run = run_isr(s, c, consumer_in_own_thread, target);

    const auto db = s.db.stats();
    const auto pool = s.pool.stats();
    std::printf("  isr (%s): %u ticks in %.2f s; items %u sent, %u dropped; buffers %u filled, %u acquire "
                "failures; DMA halves %u, overruns %u, restarts %u\n",
                consumer_in_own_thread ? "consumer in another thread" : "preempting the consumer", run.ticks,
                run.seconds, s.items_attempted.load(), s.items_dropped.load(), s.buffers_filled.load(),
                s.pool_failures.load(), s.dma_fills.load(), db.overruns, s.dma_restarts.load());

    CHECK(run.ticks >= 1000); // enough preemptions to mean something
    CHECK(s.handler_errors.load() == 0);
    // Ring: every item arrived in order or was counted as dropped.
    CHECK(c.items_out_of_order == 0);
    CHECK(c.items_received + s.items_dropped.load() == s.items_attempted.load());
    CHECK(c.items_skipped + (s.items_attempted.load() - c.next_item) == s.items_dropped.load());
    // Pool: every filled buffer arrived intact and went back; misuse never happened.
    CHECK(c.buffers_received == s.buffers_filled.load());
    CHECK(c.buffers_bad == 0);
    CHECK(c.bad_pool_releases == 0);
    CHECK(pool.acquired == s.buffers_filled.load());
    CHECK(pool.released == pool.acquired);
    CHECK(pool.failed_acquires == s.pool_failures.load());
    CHECK(pool.bad_releases == 0);
    CHECK(pool.free_now == pool_count);
    // Double buffer: every fill handed over and received whole, in order; overruns stopped the
    // DMA (so only the halves held at that moment report io_error).
    CHECK(db.halves_completed == s.dma_fills.load());
    CHECK(c.halves_received + db.halves_overwritten - c.halves_io_error == db.halves_completed);
    CHECK(c.halves_bad == 0);
    CHECK(c.halves_bad_release == 0);
    CHECK(db.overruns == s.dma_stops.load());
    CHECK(c.halves_io_error <= db.overruns);
    CHECK(db.halves_dropped == 0);
    CHECK(db.missed_events == 0);
    CHECK(db.bad_releases == 0);
    // The run must have exercised the interesting paths, not just the easy one.
    CHECK(s.items_dropped.load() > 0);
    CHECK(s.pool_failures.load() > 0);
    CHECK(db.overruns > 0);
}

} // namespace isr
} // namespace

TEST_CASE("a timer signal preempting the consumer acts as the ISR producer: nothing lost unannounced") {
    isr::check_isr_run(false);
}

TEST_CASE("a timer signal on one thread feeds a consumer on another: nothing lost unannounced") {
    isr::check_isr_run(true);
}

// ---- pool, double buffer and pooled capture across two threads --------------------------------

TEST_CASE("buffer pool, double buffer and pooled capture between a capture thread and a consumer") {
    constexpr std::size_t len = 64;
    constexpr std::size_t count = 4;
    static BufferPool<std::uint32_t, len, count> pool;
    static SpscRing<std::uint32_t, count> filled;
    static DmaDoubleBuffer<std::uint32_t, len> db;
    static BufferPool<std::uint32_t, len, count> capture_pool;
    static ss::capture::PooledDmaCapture<std::uint32_t, len, count> capture(capture_pool);
    const std::uint32_t rounds = static_cast<std::uint32_t>(env_u64("SS_POOL_STRESS_ROUNDS", 200'000));
    std::atomic<bool> producer_done{false};

    struct ProducerCounts {
        std::uint32_t buffers = 0, pool_failures = 0, fills = 0, stops = 0, captured = 0, capture_overruns = 0;
        std::uint32_t errors = 0;
    } p;
    REQUIRE(capture.start().has_value());

    std::thread producer([&] {
        std::uint32_t dma_half = 0;
        bool dma_running = true;
        std::uint32_t slot = 0;
        Backoff backoff;
        for (std::uint32_t round = 0; round < rounds; ++round) {
            bool progress = false;
            if (const auto index = pool.try_acquire_index()) {
                for (std::size_t i = 0; i < len; ++i) pool.data(*index)[i] = p.buffers * 7u + static_cast<std::uint32_t>(i);
                if (!filled.try_push(*index)) ++p.errors;
                ++p.buffers;
                progress = true;
            } else {
                ++p.pool_failures;
            }
            if (dma_running) {
                ++p.fills;
                std::fill_n(db.dma_target() + dma_half * len, len, p.fills);
                const auto r = dma_half == 0 ? db.on_half_complete() : db.on_complete();
                if (!r.handed_over) ++p.errors;
                dma_half ^= 1u;
                if (r.overrun) {
                    dma_running = false;
                    ++p.stops;
                }
                progress = true;
            } else if (db.on_dma_restart()) {
                dma_running = true;
                dma_half = 0;
            }
            // Zero-copy: write the slot's buffer, complete it, continue in the buffer handed back.
            std::fill_n(capture.dma_target(slot), len, p.captured + 1);
            const auto refill = capture.on_buffer_complete(slot);
            if (refill.event.handed_over) ++p.captured;
            if (refill.event.overrun) ++p.capture_overruns;
            if (refill.next_target != capture.dma_target(slot)) ++p.errors;
            slot ^= 1u;
            if (progress) backoff.reset();
            else backoff.wait();
        }
        producer_done.store(true, std::memory_order_release);
    });

    std::uint32_t next_buffer = 0, buffers_bad = 0, bad_releases = 0;
    std::uint32_t last_fill = 0, halves = 0, halves_bad = 0, io_errors = 0;
    std::uint32_t captured = 0, captured_bad = 0, last_captured = 0;
    std::mt19937 rng(static_cast<std::uint32_t>(test_seed()));
    std::optional<ss::capture::TakenHalf<std::uint32_t, len>> half;
    int hold = 0;
    Backoff backoff;
    for (;;) {
        const bool done = producer_done.load(std::memory_order_acquire);
        bool progress = false;
        std::uint32_t index = 0;
        while (filled.try_pop(index)) {
            const auto data = pool.data(index);
            for (std::size_t i = 0; i < len; ++i)
                if (data[i] != next_buffer * 7u + i) {
                    ++buffers_bad;
                    break;
                }
            ++next_buffer;
            if (!pool.release_index(index)) ++bad_releases;
            progress = true;
        }
        if (half && (hold-- <= 0 || done)) {
            if (!std::all_of(half->samples.begin(), half->samples.end(),
                             [&](std::uint32_t v) { return v == half->samples[0]; }))
                ++halves_bad;
            const auto r = db.release(half->half);
            if (!r && r.error() == ss::Errc::io_error) ++io_errors;
            else if (!r) ++bad_releases;
            half.reset();
            progress = true;
        }
        if (!half && (half = db.try_take())) {
            if (half->samples[0] <= last_fill) ++halves_bad;
            last_fill = half->samples[0];
            ++halves;
            hold = static_cast<int>(rng() % 64); // sometimes long enough for an overrun
            progress = true;
        }
        while (auto handle = capture.try_take()) {
            const auto data = handle->data();
            if (data[0] <= last_captured ||
                !std::all_of(data.begin(), data.end(), [&](std::uint32_t v) { return v == data[0]; }))
                ++captured_bad;
            last_captured = data[0];
            ++captured;
            progress = true;
        }
        if (done && !progress && !half) break;
        if (progress) backoff.reset();
        else backoff.wait();
    }
    producer.join();

    const auto dbs = db.stats();
    const auto cs = capture.stats();
    std::printf("  pool/double buffer: %u buffers (%u acquire failures), %u DMA halves (%u overruns), "
                "%u captured zero-copy (%u overruns)\n",
                p.buffers, p.pool_failures, p.fills, dbs.overruns, p.captured, p.capture_overruns);
    CHECK(p.errors == 0);
    CHECK(next_buffer == p.buffers);
    CHECK(buffers_bad == 0);
    CHECK(bad_releases == 0);
    CHECK(pool.stats().free_now == count);
    CHECK(pool.stats().bad_releases == 0);
    CHECK(dbs.halves_completed == p.fills);
    CHECK(halves + dbs.halves_overwritten - io_errors == p.fills);
    CHECK(halves_bad == 0);
    CHECK(dbs.overruns == p.stops);
    CHECK(io_errors <= dbs.overruns);
    CHECK(captured == p.captured);
    CHECK(captured_bad == 0);
    CHECK(cs.buffers_completed == p.captured);
    CHECK(cs.buffers_taken == p.captured);
    CHECK(cs.overruns == p.capture_overruns);
    CHECK(p.captured + p.capture_overruns == rounds);
    CHECK(capture_pool.stats().bad_releases == 0);
    CHECK(capture_pool.stats().free_now == count - 2); // two buffers stay in the DMA slots
}
