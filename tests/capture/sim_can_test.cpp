// The simulated CAN bus: frame rate, identifier rotation, payloads (default counters and a custom
// generator), reception timestamps with and without bus-load jitter, and the life cycle.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "capture/source_test_support.hpp"
#include "ss/hal/capture/clock.hpp"
#include "ss/hal/capture/sim_can.hpp"

using namespace ss::capture;
using namespace std::chrono_literals;

namespace {

struct FrameLog {
    explicit FrameLog(std::size_t cap) : frames(cap) {}
    std::vector<CanFrame> frames;
    std::vector<std::uint64_t> delivered_us = std::vector<std::uint64_t>(frames.size());
    std::atomic<std::size_t> count{0};

    static void on_frame(void* ctx, const CanFrame& f) noexcept {
        auto& self = *static_cast<FrameLog*>(ctx);
        const std::size_t i = self.count.load(std::memory_order_relaxed);
        if (i < self.frames.size()) {
            self.frames[i] = f;
            self.delivered_us[i] = posix_monotonic_now_us();
        }
        self.count.store(i + 1, std::memory_order_release);
    }
};

std::uint32_t le32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

} // namespace

TEST_CASE("2000 frames per second for 200 ms: ids in turn, counters in the payload, exact spacing") {
    const std::uint32_t ids[] = {0x100, 0x7FF, 0x123};
    SimCanConfig cfg;
    cfg.frames_per_second = 2000;
    cfg.ids = ids;
    SimCan can(cfg);
    FrameLog log(2000);
    const std::uint64_t t_start = posix_monotonic_now_us();
    REQUIRE(can.start(FrameLog::on_frame, &log) == 0);
    std::this_thread::sleep_for(200ms);
    can.stop();
    const std::uint64_t elapsed = posix_monotonic_now_us() - t_start;
    const std::size_t n = log.count.load(std::memory_order_acquire);
    REQUIRE(n <= log.frames.size());
    MESSAGE(n << " frames in " << elapsed << " us; lateness max " << can.stats().lateness.max_us << " us");
    CHECK(static_cast<double>(n) >= 0.8 * static_cast<double>(elapsed) / 500.0);
    CHECK(static_cast<double>(n) <= 1.2 * static_cast<double>(elapsed) / 500.0);
    CHECK(can.stats().frames == n);
    for (std::size_t k = 0; k < n; ++k) {
        CAPTURE(k);
        const CanFrame& f = log.frames[k];
        REQUIRE(f.id == ids[k % 3]);
        REQUIRE_FALSE(f.extended);
        REQUIRE_FALSE(f.remote);
        REQUIRE(f.dlc == 8);
        REQUIRE(le32(f.data) == k / 3);
        REQUIRE(le32(f.data + 4) == k);
        // Reception times on the nominal grid (µs truncation only), delivered at or after them.
        REQUIRE(f.timestamp_us >= log.frames[0].timestamp_us + k * 500);
        REQUIRE(f.timestamp_us <= log.frames[0].timestamp_us + k * 500 + 1);
        REQUIRE(log.delivered_us[k] >= f.timestamp_us);
    }
    CHECK(log.frames[0].timestamp_us + 1 >= t_start + 500);
}

TEST_CASE("bus-load jitter delays frames by up to jitter_us, keeps their order, and is seeded") {
    const std::uint64_t seed = ss_test::test_seed(42);
    const std::uint32_t ids[] = {0x10};
    SimCanConfig cfg;
    cfg.frames_per_second = 1000;
    cfg.ids = ids;
    cfg.jitter_us = 300;
    cfg.seed = seed;
    const auto offsets = [&](const SimCanConfig& c) {
        SimCan can(c);
        FrameLog log(100);
        REQUIRE(can.start(FrameLog::on_frame, &log) == 0);
        REQUIRE(ss_test::wait_for([&] { return log.count.load(std::memory_order_acquire) >= 60; }));
        can.stop();
        // Frame k is due at t0 + (k + 1) ms + jitter; the offset from frame 0's slot is what we see.
        std::vector<std::int64_t> off;
        for (std::size_t k = 0; k < 60; ++k) {
            if (k > 0) REQUIRE(log.frames[k].timestamp_us >= log.frames[k - 1].timestamp_us);
            off.push_back(static_cast<std::int64_t>(log.frames[k].timestamp_us) - static_cast<std::int64_t>(log.frames[0].timestamp_us) -
                          static_cast<std::int64_t>(k * 1000));
        }
        return off;
    };
    const std::vector<std::int64_t> a = offsets(cfg);
    std::size_t delayed = 0;
    for (const std::int64_t o : a) {
        REQUIRE(o >= -301);
        REQUIRE(o <= 301);
        delayed += o > 10;
    }
    CHECK(delayed > 10); // frame 0's own jitter shifts all; most others differ from it
    // Same seed, same jitter (to the µs truncation of two different start times).
    const std::vector<std::int64_t> b = offsets(cfg);
    for (std::size_t k = 0; k < a.size(); ++k) REQUIRE(std::abs(a[k] - b[k]) <= 2);
    cfg.seed = seed + 1;
    const std::vector<std::int64_t> c = offsets(cfg);
    std::size_t different = 0;
    for (std::size_t k = 0; k < a.size(); ++k) different += std::abs(a[k] - c[k]) > 2;
    CHECK(different > 10);
}

TEST_CASE("a payload generator fills dlc and data; extended ids are flagged; bytes past dlc are zero") {
    const std::uint32_t ids[] = {0x1ABC'DEF0, 0x0000'0001};
    struct Signal {
        std::uint64_t calls = 0;
        static void fill(void* ctx, std::uint64_t index, CanFrame& f) noexcept {
            auto& self = *static_cast<Signal*>(ctx);
            ++self.calls;
            // An encoded signal: 16-bit sine, scaled, little endian; junk past the dlc.
            const auto v = static_cast<std::int16_t>(std::lround(1000.0 * std::sin(static_cast<double>(index) * 0.1)));
            f.dlc = 2;
            f.data[0] = static_cast<std::uint8_t>(v & 0xFF);
            f.data[1] = static_cast<std::uint8_t>((v >> 8) & 0xFF);
            std::fill(f.data + 2, f.data + 8, std::uint8_t{0xCC});
        }
    } signal;
    SimCanConfig cfg;
    cfg.frames_per_second = 5000;
    cfg.ids = ids;
    cfg.extended = true;
    cfg.payload = Signal::fill;
    cfg.payload_ctx = &signal;
    SimCan can(cfg);
    FrameLog log(100);
    REQUIRE(can.start(FrameLog::on_frame, &log) == 0);
    REQUIRE(ss_test::wait_for([&] { return log.count.load(std::memory_order_acquire) >= 50; }));
    can.stop();
    for (std::size_t k = 0; k < 50; ++k) {
        const CanFrame& f = log.frames[k];
        REQUIRE(f.extended);
        REQUIRE(f.id == ids[k % 2]);
        REQUIRE(f.dlc == 2);
        const auto v = static_cast<std::int16_t>(f.data[0] | f.data[1] << 8);
        REQUIRE(v == std::lround(1000.0 * std::sin(static_cast<double>(k) * 0.1)));
        REQUIRE(std::all_of(f.data + 2, f.data + 8, [](std::uint8_t b) { return b == 0; }));
    }
    CHECK(signal.calls == can.stats().frames);
}

TEST_CASE("start rejects bad configurations; stop is idempotent; the source can stop itself and be destroyed running") {
    const std::uint32_t ids[] = {0x100};
    const std::uint32_t too_big[] = {0x800};
    std::vector<std::uint32_t> many(SimCanConfig::max_ids + 1, 0x1);
    SimCanConfig cfg;
    cfg.frames_per_second = 5000;
    cfg.ids = ids;
    FrameLog log(1000);
    SUBCASE("bad configurations") {
        CHECK(SimCan(cfg).start(nullptr, nullptr) == -EINVAL);
        SimCanConfig bad = cfg;
        bad.ids = too_big; // 11-bit
        CHECK(SimCan(bad).start(FrameLog::on_frame, &log) == -EINVAL);
        bad.extended = true; // fine as 29-bit
        SimCan ok(bad);
        CHECK(ok.start(FrameLog::on_frame, &log) == 0);
        ok.stop();
        bad = cfg;
        bad.ids = {};
        CHECK(SimCan(bad).start(FrameLog::on_frame, &log) == -EINVAL);
        bad.ids = many;
        CHECK(SimCan(bad).start(FrameLog::on_frame, &log) == -EINVAL);
        bad = cfg;
        bad.frames_per_second = 0;
        CHECK(SimCan(bad).start(FrameLog::on_frame, &log) == -EINVAL);
    }
    SUBCASE("ids are copied: the caller's array may change after construction") {
        std::uint32_t local[] = {0x321};
        SimCanConfig c = cfg;
        c.ids = local;
        SimCan can(c);
        local[0] = 0x7FE;
        REQUIRE(can.start(FrameLog::on_frame, &log) == 0);
        REQUIRE(ss_test::wait_for([&] { return log.count.load(std::memory_order_acquire) >= 2; }));
        can.stop();
        CHECK(log.frames[0].id == 0x321);
    }
    SUBCASE("life cycle") {
        SimCan can(cfg);
        can.stop();
        REQUIRE(can.start(FrameLog::on_frame, &log) == 0);
        CHECK(can.start(FrameLog::on_frame, &log) == -EBUSY);
        REQUIRE(ss_test::wait_for([&] { return log.count.load(std::memory_order_acquire) >= 5; }));
        can.stop();
        can.stop();
        const std::size_t n = log.count.load(std::memory_order_acquire);
        std::this_thread::sleep_for(5ms);
        CHECK(log.count.load(std::memory_order_acquire) == n);
    }
    SUBCASE("a callback stops its own source") {
        struct Ctx {
            SimCan* can = nullptr;
            std::atomic<int> calls{0};
        } ctx;
        SimCan can(cfg);
        ctx.can = &can;
        const CanRxFn fn = [](void* p, const CanFrame&) noexcept {
            auto& c = *static_cast<Ctx*>(p);
            if (c.calls.fetch_add(1) + 1 == 4) c.can->stop();
        };
        REQUIRE(can.start(fn, &ctx) == 0);
        REQUIRE(ss_test::wait_for([&] { return !can.running() && ctx.calls.load() >= 4; }));
        std::this_thread::sleep_for(5ms);
        CHECK(ctx.calls.load() == 4);
        REQUIRE(can.start(fn, &ctx) == 0); // joins the ended thread and runs again
        REQUIRE(ss_test::wait_for([&] { return ctx.calls.load() >= 6; }));
    }
    SUBCASE("destroyed while running") {
        auto can = std::make_unique<SimCan>(cfg);
        REQUIRE(can->start(FrameLog::on_frame, &log) == 0);
        REQUIRE(ss_test::wait_for([&] { return log.count.load(std::memory_order_acquire) >= 2; }));
        can.reset();
        const std::size_t n = log.count.load(std::memory_order_acquire);
        std::this_thread::sleep_for(5ms);
        CHECK(log.count.load(std::memory_order_acquire) == n);
    }
}
