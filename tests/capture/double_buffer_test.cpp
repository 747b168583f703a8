// Single-threaded behaviour of the DMA double buffer and the pooled (zero-copy) capture: hand-over,
// alternation, overrun on either half, misuse caught, restart, and a randomised simulation of a
// DMA that writes sample by sample, checking that software is never handed overwritten data
// without being told. Concurrency: spsc_ring_stress_test.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <vector>

#include "ss/capture/buffer_pool.hpp"
#include "ss/capture/double_buffer.hpp"

using ss::Errc;
using ss::capture::DmaDoubleBuffer;

namespace {

constexpr std::size_t half_len = 8;
using Buffer = DmaDoubleBuffer<std::uint16_t, half_len>;

std::uint64_t test_seed() {
    std::uint64_t seed = 0x5eed'0000'0003ull;
    if (const char* s = std::getenv("SS_TEST_SEED"); s != nullptr && *s != '\0') seed = std::strtoull(s, nullptr, 0);
    std::printf("double_buffer_test: seed %llu (override with SS_TEST_SEED)\n", static_cast<unsigned long long>(seed));
    return seed;
}

/// What a DMA would do for one half: write a whole fill into it.
void fill_half(Buffer& db, std::uint32_t half, std::uint16_t value) {
    std::fill_n(db.dma_target() + half * half_len, half_len, value);
}

/// The DMA completes `half` (0: half-transfer event, 1: transfer-complete event).
ss::capture::DmaEventResult complete(Buffer& db, std::uint32_t half) {
    return half == 0 ? db.on_half_complete() : db.on_complete();
}

bool all_equal(std::span<const std::uint16_t> s, std::uint16_t v) {
    return std::all_of(s.begin(), s.end(), [v](std::uint16_t x) { return x == v; });
}

} // namespace

TEST_CASE("the DMA target is one contiguous buffer of two halves, first half first") {
    Buffer db;
    CHECK(db.dma_length() == 2 * half_len);
    CHECK(db.half_length() == half_len);
    REQUIRE(db.dma_target() != nullptr);
    fill_half(db, 0, 1);
    (void)db.on_half_complete();
    const auto first = db.try_take();
    REQUIRE(first.has_value());
    CHECK(first->samples.data() == db.dma_target());
    CHECK(first->samples.size() == half_len);
    REQUIRE(db.release(first->half).has_value());
    fill_half(db, 1, 2);
    (void)db.on_complete();
    const auto second = db.try_take();
    REQUIRE(second.has_value());
    CHECK(second->samples.data() == db.dma_target() + half_len);
}

TEST_CASE("nothing is taken before the DMA completes a half") {
    Buffer db;
    CHECK_FALSE(db.try_take().has_value());
    const auto s = db.stats();
    CHECK(s.halves_completed == 0);
    CHECK(s.halves_taken == 0);
}

TEST_CASE("buffer swap: software processes one half while the DMA fills the other") {
    Buffer db;
    // The DMA fills half 0 and raises the half-transfer event.
    fill_half(db, 0, 100);
    const auto ht = db.on_half_complete();
    CHECK(ht.handed_over);
    CHECK_FALSE(ht.overrun);
    const auto taken = db.try_take();
    REQUIRE(taken.has_value());
    CHECK(taken->half == 0);
    CHECK(all_equal(taken->samples, 100));
    // Meanwhile the DMA fills half 1 (not the half software holds).
    fill_half(db, 1, 101);
    CHECK(all_equal(taken->samples, 100));
    REQUIRE(db.release(0).has_value());
    const auto tc = db.on_complete();
    CHECK(tc.handed_over);
    CHECK_FALSE(tc.overrun);
    const auto next = db.try_take();
    REQUIRE(next.has_value());
    CHECK(next->half == 1);
    CHECK(all_equal(next->samples, 101));
    REQUIRE(db.release(1).has_value());
}

TEST_CASE("halves alternate 0, 1, 0, 1 with every fill delivered when software keeps up") {
    Buffer db;
    for (std::uint16_t fill = 1; fill <= 50; ++fill) {
        const std::uint32_t half = (fill - 1u) % 2u;
        fill_half(db, half, fill);
        const auto r = complete(db, half);
        CHECK(r.handed_over);
        CHECK_FALSE(r.overrun);
        const auto taken = db.try_take();
        REQUIRE(taken.has_value());
        CHECK(taken->half == half);
        CHECK(all_equal(taken->samples, fill));
        CHECK_FALSE(db.try_take().has_value()); // one completion, one half
        REQUIRE(db.release(taken->half).has_value());
    }
    const auto s = db.stats();
    CHECK(s.halves_completed == 50);
    CHECK(s.halves_taken == 50);
    CHECK(s.halves_released == 50);
    CHECK(s.overruns == 0);
    CHECK(s.missed_events == 0);
    CHECK(s.samples_overrun == 0);
}

TEST_CASE("overrun on the first half: software still holds it when the DMA wraps around") {
    Buffer db;
    fill_half(db, 0, 1);
    CHECK(db.on_half_complete().handed_over);
    const auto held = db.try_take(); // software holds half 0 ...
    REQUIRE(held.has_value());
    REQUIRE(held->half == 0);

    fill_half(db, 1, 2);
    const auto tc = db.on_complete(); // ... when the DMA wraps around to it
    CHECK(tc.handed_over);            // half 1 itself is fine
    CHECK(tc.overrun);                // and the driver is told about half 0
    const auto second = db.try_take();
    REQUIRE(second.has_value());
    CHECK(second->half == 1);
    CHECK(all_equal(second->samples, 2));
    REQUIRE(db.release(1).has_value());

    fill_half(db, 0, 3); // the DMA writes into half 0 under software's feet
    const auto r = db.release(0);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::io_error); // software learns its data was overwritten

    // Half 0's new fill overlapped software's use of it: dropped, not handed over.
    const auto ht = db.on_half_complete();
    CHECK_FALSE(ht.handed_over);
    CHECK_FALSE(ht.overrun);
    CHECK_FALSE(db.try_take().has_value());

    // Back to normal with the next fills.
    fill_half(db, 1, 4);
    CHECK(db.on_complete().handed_over);
    auto t = db.try_take();
    REQUIRE(t.has_value());
    CHECK(t->half == 1);
    CHECK(all_equal(t->samples, 4));
    REQUIRE(db.release(1).has_value());
    fill_half(db, 0, 5);
    CHECK(db.on_half_complete().handed_over);
    t = db.try_take();
    REQUIRE(t.has_value());
    CHECK(all_equal(t->samples, 5));
    REQUIRE(db.release(0).has_value());

    const auto s = db.stats();
    CHECK(s.overruns == 1);
    CHECK(s.halves_dropped == 1);
    CHECK(s.halves_overwritten == 1);
    CHECK(s.samples_overrun == 2 * half_len);
    CHECK(s.halves_completed == 4);
    CHECK(s.halves_taken == 4);
    CHECK(s.halves_released == 4);
    CHECK(s.bad_releases == 0);
}

TEST_CASE("overrun on the second half: software still holds it when the DMA comes back to it") {
    Buffer db;
    fill_half(db, 0, 1);
    CHECK(db.on_half_complete().handed_over);
    auto t = db.try_take();
    REQUIRE(t.has_value());
    REQUIRE(db.release(0).has_value());

    fill_half(db, 1, 2);
    const auto tc = db.on_complete();
    CHECK(tc.handed_over);
    CHECK_FALSE(tc.overrun);
    const auto held = db.try_take(); // software holds half 1 ...
    REQUIRE(held.has_value());
    REQUIRE(held->half == 1);

    fill_half(db, 0, 3);
    const auto ht = db.on_half_complete(); // ... when the DMA moves on to it
    CHECK(ht.handed_over);
    CHECK(ht.overrun);
    t = db.try_take();
    REQUIRE(t.has_value());
    CHECK(t->half == 0);
    CHECK(all_equal(t->samples, 3));
    REQUIRE(db.release(0).has_value());

    fill_half(db, 1, 4);
    const auto r = db.release(1);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::io_error);

    const auto tc2 = db.on_complete();
    CHECK_FALSE(tc2.handed_over); // half 1's fill overlapped the overrun
    CHECK_FALSE(tc2.overrun);
    const auto s = db.stats();
    CHECK(s.overruns == 1);
    CHECK(s.halves_dropped == 1);
    CHECK(s.halves_overwritten == 1);
    CHECK(s.samples_overrun == 2 * half_len);
}

TEST_CASE("a completed half the DMA rewrites before software took it is skipped, not handed out") {
    Buffer db;
    fill_half(db, 0, 1);
    CHECK(db.on_half_complete().handed_over);
    // Software is late: half 0 is ready but untaken when the DMA wraps around to it.
    fill_half(db, 1, 2);
    const auto tc = db.on_complete();
    CHECK(tc.handed_over);
    CHECK(tc.overrun);
    fill_half(db, 0, 3);
    const auto t = db.try_take(); // half 0 is skipped: its fill 1 is gone
    REQUIRE(t.has_value());
    CHECK(t->half == 1);
    CHECK(all_equal(t->samples, 2));
    CHECK_FALSE(db.try_take().has_value());
    REQUIRE(db.release(1).has_value());
    const auto s = db.stats();
    CHECK(s.halves_overwritten == 1);
    CHECK(s.halves_taken == 1);
    CHECK(s.overruns == 1);
}

TEST_CASE("software holding both halves: every event reports an overrun and nothing is handed twice") {
    Buffer db;
    fill_half(db, 0, 1);
    CHECK(db.on_half_complete().handed_over);
    const auto a = db.try_take();
    REQUIRE(a.has_value());
    fill_half(db, 1, 2);
    const auto tc = db.on_complete();
    CHECK(tc.handed_over);
    CHECK(tc.overrun);
    const auto b = db.try_take();
    REQUIRE(b.has_value());
    CHECK(b->half == 1);
    for (int i = 0; i < 6; ++i) {
        const auto r = complete(db, static_cast<std::uint32_t>(i % 2));
        CHECK_FALSE(r.handed_over);
        CHECK(r.overrun);
    }
    CHECK_FALSE(db.try_take().has_value());
    CHECK(db.release(0).error() == Errc::io_error);
    CHECK(db.release(1).error() == Errc::io_error);
    const auto s = db.stats();
    CHECK(s.halves_completed == 2);
    CHECK(s.halves_dropped == 6);
    CHECK(s.overruns == 7);
    CHECK(s.halves_overwritten == 2);
    CHECK(s.samples_overrun == (6 + 2) * half_len);
}

TEST_CASE("releasing a half that is not held is caught and counted") {
    Buffer db;
    auto bad = db.release(0); // nothing completed yet
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error() == Errc::invalid_argument);
    CHECK(db.release(2).error() == Errc::invalid_argument); // no such half
    CHECK(db.release(0xFFFF'FFFFu).error() == Errc::invalid_argument);

    fill_half(db, 0, 1);
    (void)db.on_half_complete();
    // Ready but not taken: software does not hold it yet.
    CHECK(db.release(0).error() == Errc::invalid_argument);
    const auto t = db.try_take();
    REQUIRE(t.has_value());
    CHECK(db.release(1).error() == Errc::invalid_argument); // the other half
    REQUIRE(db.release(0).has_value());
    CHECK(db.release(0).error() == Errc::invalid_argument); // double release

    const auto s = db.stats();
    CHECK(s.bad_releases == 6);
    CHECK(s.halves_released == 1);
    // The misuse changed nothing: the cycle goes on normally.
    fill_half(db, 1, 2);
    const auto r = db.on_complete();
    CHECK(r.handed_over);
    CHECK_FALSE(r.overrun);
}

TEST_CASE("an event out of the half/full alternation is counted as missed") {
    Buffer db;
    fill_half(db, 1, 7);
    const auto r = db.on_complete(); // the half-transfer event was lost
    CHECK(r.handed_over);
    CHECK(db.stats().missed_events == 1);
    const auto t = db.try_take();
    REQUIRE(t.has_value());
    CHECK(t->half == 1);
    REQUIRE(db.release(1).has_value());
    (void)db.on_half_complete(); // back in step
    (void)db.on_complete();
    CHECK(db.stats().missed_events == 1);
}

TEST_CASE("a driver that stops on overrun restarts once software has given both halves back") {
    Buffer db;
    fill_half(db, 0, 1);
    (void)db.on_half_complete();
    const auto held = db.try_take();
    REQUIRE(held.has_value());
    fill_half(db, 1, 2);
    REQUIRE(db.on_complete().overrun); // the driver stops the DMA here
    CHECK_FALSE(db.on_dma_restart()); // half 0 taken, half 1 ready: not yet
    const auto second = db.try_take();
    REQUIRE(second.has_value());
    REQUIRE(db.release(second->half).has_value());
    CHECK_FALSE(db.on_dma_restart()); // half 0 still held
    // The stopped DMA never wrote half 0, but the overrun was declared: release says so.
    CHECK(db.release(0).error() == Errc::io_error);
    REQUIRE(db.on_dma_restart());

    // The restarted DMA begins with half 0, and its fill is handed over normally.
    fill_half(db, 0, 3);
    const auto ht = db.on_half_complete();
    CHECK(ht.handed_over);
    CHECK_FALSE(ht.overrun);
    const auto t = db.try_take();
    REQUIRE(t.has_value());
    CHECK(t->half == 0);
    CHECK(all_equal(t->samples, 3));
    REQUIRE(db.release(0).has_value());
    CHECK(db.stats().missed_events == 0);
}

TEST_CASE("randomised: a DMA writing sample by sample never hands software overwritten data unannounced") {
    std::mt19937_64 rng(test_seed());
    Buffer db;
    std::uint32_t dma_half = 0;       // the half the DMA is writing
    std::size_t dma_pos = 0;          // next sample in it
    std::uint16_t dma_fill = 1;       // the value of the current fill
    std::uint32_t events = 0;
    struct Held {
        std::uint32_t half;
        std::uint16_t value;
    };
    std::vector<Held> held;
    std::uint16_t last_value_taken = 0;
    std::uint32_t clean = 0;
    std::uint32_t torn = 0;

    for (int step = 0; step < 200000; ++step) {
        const auto action = rng() % 10;
        if (action < 6) { // the DMA writes one sample; at the end of a half, its event fires
            db.dma_target()[dma_half * half_len + dma_pos] = dma_fill;
            if (++dma_pos == half_len) {
                const auto r = complete(db, dma_half);
                ++events;
                (void)r;
                dma_pos = 0;
                dma_half ^= 1u;
                ++dma_fill; // about 15 000 fills: no wrap
            }
        } else if (action < 8) { // software takes a half
            const auto t = db.try_take();
            if (t) {
                // A half handed out is one whole fill, newer than the last one taken.
                REQUIRE(all_equal(t->samples, t->samples[0]));
                CHECK(t->samples[0] > last_value_taken);
                last_value_taken = t->samples[0];
                held.push_back({t->half, t->samples[0]});
            }
        } else if (!held.empty()) { // software releases one of the halves it holds
            const std::size_t i = rng() % held.size();
            const Held h = held[i];
            held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
            const std::span<const std::uint16_t> samples(db.dma_target() + h.half * half_len, half_len);
            const bool unchanged = all_equal(samples, h.value);
            const auto r = db.release(h.half);
            if (r) {
                ++clean;
                REQUIRE(unchanged); // a clean release means nobody wrote the half meanwhile
            } else {
                REQUIRE(r.error() == Errc::io_error);
                ++torn;
            }
        }
    }
    const auto s = db.stats();
    MESSAGE("events " << events << ", handed over " << s.halves_completed << ", dropped " << s.halves_dropped
                      << ", overruns " << s.overruns << ", clean " << clean << ", torn " << torn);
    CHECK(s.halves_completed + s.halves_dropped == events);
    CHECK(s.halves_released == clean + torn);
    CHECK(s.halves_taken == s.halves_released + held.size());
    CHECK(s.bad_releases == 0);
    // Every handed-over half was released clean, found overwritten, or is still held/ready.
    CHECK(s.halves_completed >= clean + s.halves_overwritten);
    CHECK(s.halves_completed - clean - s.halves_overwritten <= 2);
    // The mix must actually have exercised overruns and clean hand-overs.
    CHECK(s.overruns > 0);
    CHECK(torn > 0);
    CHECK(clean > 100);
}

TEST_CASE("pooled capture: the DMA writes into pool buffers and each completion swaps in a fresh one") {
    using Pool = ss::capture::BufferPool<std::uint16_t, 16, 3>;
    using Capture = ss::capture::PooledDmaCapture<std::uint16_t, 16, 3>;
    Pool pool;
    Capture capture(pool);
    CHECK(capture.dma_target(0) == nullptr); // not started
    CHECK(capture.on_buffer_complete(0).next_target == nullptr);
    REQUIRE(capture.start().has_value());
    CHECK(capture.dma_length() == 16);
    std::uint16_t* slot0 = capture.dma_target(0);
    std::uint16_t* slot1 = capture.dma_target(1);
    REQUIRE(slot0 != nullptr);
    REQUIRE(slot1 != nullptr);
    CHECK(slot0 != slot1);
    CHECK(capture.dma_target(2) == nullptr);
    CHECK(pool.free_approx() == 1);

    std::fill_n(slot0, 16, std::uint16_t{10});
    const auto r0 = capture.on_buffer_complete(0);
    CHECK(r0.event.handed_over);
    CHECK_FALSE(r0.event.overrun);
    REQUIRE(r0.next_target != nullptr);
    CHECK(r0.next_target != slot0); // a fresh buffer: software owns the old one now
    CHECK(r0.next_target != slot1);
    CHECK(capture.dma_target(0) == r0.next_target);

    // The pool is now empty: the next completion cannot swap, and says so.
    std::fill_n(slot1, 16, std::uint16_t{11});
    const auto r1 = capture.on_buffer_complete(1);
    CHECK_FALSE(r1.event.handed_over);
    CHECK(r1.event.overrun);
    CHECK(r1.next_target == slot1); // the DMA keeps (and will overwrite) the same buffer
    CHECK(capture.stats().samples_overrun == 16);

    {
        auto taken = capture.try_take();
        REQUIRE(taken.has_value());
        CHECK(taken->data().data() == slot0); // zero-copy: the very memory the DMA wrote
        CHECK(all_equal(taken->data(), 10));
        CHECK_FALSE(capture.try_take().has_value());
    } // the handle returns the buffer to the pool
    CHECK(pool.free_approx() == 1);

    std::fill_n(slot1, 16, std::uint16_t{12});
    const auto r2 = capture.on_buffer_complete(1);
    CHECK(r2.event.handed_over);
    CHECK(r2.next_target == slot0); // the returned buffer is reused
    auto taken = capture.try_take();
    REQUIRE(taken.has_value());
    CHECK(all_equal(taken->data(), 12));

    const auto s = capture.stats();
    CHECK(s.buffers_completed == 2);
    CHECK(s.buffers_taken == 2);
    CHECK(s.overruns == 1);
    CHECK(pool.stats().bad_releases == 0);
}

TEST_CASE("pooled capture: start waits for two buffers and keeps the one it got") {
    using Pool = ss::capture::BufferPool<std::uint8_t, 4, 3>;
    Pool pool;
    auto a = *pool.try_acquire_index();
    auto b = *pool.try_acquire_index();
    ss::capture::PooledDmaCapture<std::uint8_t, 4, 3> capture(pool);
    const auto first = capture.start();
    REQUIRE_FALSE(first.has_value());
    CHECK(first.error() == Errc::no_space);
    CHECK(capture.dma_target(0) == nullptr);
    CHECK(pool.free_approx() == 0); // the one buffer it got stays with it
    REQUIRE(pool.release_index(a).has_value());
    REQUIRE(capture.start().has_value());
    CHECK(capture.dma_target(0) != nullptr);
    CHECK(capture.dma_target(1) != nullptr);
    REQUIRE(capture.start().has_value()); // again: nothing changes
    CHECK(pool.free_approx() == 0);
    REQUIRE(pool.release_index(b).has_value());
}
