// The simulated ADC: real-time halves at the configured rate, the ownership rule of the double
// buffer (lost halves are never written), the signal shapes, and the start/stop life cycle.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <thread>
#include <vector>

#include "capture/source_test_support.hpp"
#include "ss/hal/capture/clock.hpp"
#include "ss/hal/capture/sim_adc.hpp"

using namespace ss::capture;
using namespace std::chrono_literals;

namespace {

constexpr std::uint16_t canary = 0xDEAD; // not a 12-bit value: the ADC can never produce it

// Records every half event, and a copy of the values of the first `copy_halves` halves, indexed by
// sample number. Filled on the device thread; read by the test after `count` (acquire) or stop().
struct Recorder {
    explicit Recorder(std::size_t max_events, std::size_t copy_values = 0) : events(max_events), values(copy_values) {}

    std::vector<AdcHalfEvent> events;
    std::vector<std::uint16_t> values;
    std::atomic<std::size_t> count{0};

    static bool on_half(void* ctx, const AdcHalfEvent& ev) noexcept {
        auto& self = *static_cast<Recorder*>(ctx);
        const std::size_t i = self.count.load(std::memory_order_relaxed);
        if (i < self.events.size()) self.events[i] = ev;
        const std::size_t n = std::size_t{ev.samples} * ev.channels;
        const std::size_t at = ev.first_sample * ev.channels;
        if (!ev.lost && at + n <= self.values.size()) std::copy_n(ev.values, n, self.values.begin() + static_cast<std::ptrdiff_t>(at));
        self.count.store(i + 1, std::memory_order_release);
        return true;
    }
};

// Runs `cfg` until `halves` halves were delivered, copying every value.
std::vector<std::uint16_t> capture_values(const SimAdcConfig& cfg, std::size_t halves) {
    const std::size_t values = halves * cfg.samples_per_half * cfg.channels;
    Recorder rec(halves + 64, values);
    std::vector<std::uint16_t> buffer(std::size_t{2} * cfg.samples_per_half * cfg.channels);
    SimAdc adc(cfg);
    REQUIRE(adc.start(buffer, Recorder::on_half, &rec) == 0);
    REQUIRE(ss_test::wait_for([&] { return rec.count.load(std::memory_order_acquire) >= halves; }));
    adc.stop();
    return rec.values;
}

} // namespace

TEST_CASE("a 1 MSPS ADC delivers ~390 contiguous, alternating halves in 200 ms, never early") {
    SimAdcConfig cfg;
    cfg.sample_rate_hz = 1'000'000;
    cfg.samples_per_half = 512;
    cfg.signal = AdcSignal::ramp;
    std::vector<std::uint16_t> buffer(2 * 512);
    Recorder rec(4000);
    SimAdc adc(cfg);

    const std::uint64_t cpu_before = ss_test::process_cpu_us();
    const std::uint64_t t_start = posix_monotonic_now_us();
    REQUIRE(adc.start(buffer, Recorder::on_half, &rec) == 0);
    CHECK(adc.running());
    std::this_thread::sleep_for(200ms);
    adc.stop();
    const std::uint64_t t_stop = posix_monotonic_now_us();
    const std::uint64_t cpu_used = ss_test::process_cpu_us() - cpu_before;
    CHECK_FALSE(adc.running());

    const AdcStats st = adc.stats();
    const std::size_t n = rec.count.load(std::memory_order_acquire);
    REQUIRE(n == st.halves);
    REQUIRE(n <= rec.events.size());
    const double elapsed_us = static_cast<double>(t_stop - t_start);
    MESSAGE(n << " halves in " << elapsed_us << " us; lateness max " << st.lateness.max_us << " us, mean "
              << st.lateness.mean_us() << " us; process CPU " << cpu_used << " us");
    // Real time with generous slack: a shared 2-core machine, possibly under a sanitizer.
    CHECK(static_cast<double>(n) >= 0.8 * elapsed_us / 512.0);
    CHECK(static_cast<double>(n) <= 1.2 * elapsed_us / 512.0);
    CHECK(st.samples_written == n * 512);
    CHECK(st.samples_lost == 0);
    CHECK(st.lateness.events == n);

    for (std::size_t i = 0; i < n; ++i) {
        const AdcHalfEvent& ev = rec.events[i];
        REQUIRE(ev.half == i % 2);
        REQUIRE(ev.first_sample == i * 512);
        REQUIRE(ev.samples == 512);
        REQUIRE(ev.channels == 1);
        REQUIRE_FALSE(ev.lost);
        REQUIRE(ev.values == buffer.data() + (i % 2) * 512);
        // Hardware completes half i at (i + 1) × 512 µs after start: a callback may be late, never early.
        REQUIRE(ev.time_us + 1 >= t_start + (i + 1) * 512);
        if (i > 0) REQUIRE(ev.time_us >= rec.events[i - 1].time_us);
    }
    // The callback times track the configured rate: first to last spans (n - 1) halves.
    if (n > 10) {
        const double span = static_cast<double>(rec.events[n - 1].time_us - rec.events[0].time_us);
        CHECK(span >= 0.8 * static_cast<double>(n - 1) * 512.0);
        CHECK(span <= 1.2 * static_cast<double>(n - 1) * 512.0);
    }
    // Sleeping until each deadline, not spinning: a busy-waiting device would use a whole core.
    CHECK(static_cast<double>(cpu_used) < 0.8 * elapsed_us);
}

TEST_CASE("a late callback is caught up by producing the overdue halves at once, skipping none") {
    SimAdcConfig cfg;
    cfg.sample_rate_hz = 1'000'000;
    cfg.signal = AdcSignal::ramp;
    std::vector<std::uint16_t> buffer(2 * 512);
    struct Ctx {
        Recorder rec{400};
    } ctx;
    // Half 5's callback blocks for 40 ms: ~78 halves fall due meanwhile.
    const auto on_half = [](void* p, const AdcHalfEvent& ev) noexcept {
        auto& c = *static_cast<Ctx*>(p);
        if (ev.first_sample == 5 * 512) std::this_thread::sleep_for(40ms);
        return Recorder::on_half(&c.rec, ev);
    };
    SimAdc adc(cfg);
    REQUIRE(adc.start(buffer, on_half, &ctx) == 0);
    REQUIRE(ss_test::wait_for([&] { return ctx.rec.count.load(std::memory_order_acquire) >= 150; }));
    adc.stop();
    const AdcStats st = adc.stats();
    const std::size_t n = ctx.rec.count.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < std::min(n, ctx.rec.events.size()); ++i)
        REQUIRE(ctx.rec.events[i].first_sample == i * 512);
    CHECK(st.samples_lost == 0);
    // Half 6 was due 512 µs after half 5, but came after the 40 ms block.
    CHECK(st.lateness.max_us >= 39'000);
    MESSAGE("lateness max " << st.lateness.max_us << " us, mean " << st.lateness.mean_us() << " us");
    // Caught up: the overdue halves came back to back, not at the pace of real time (which
    // would take 64 × 512 µs for these 64); a quarter less leaves room for a preempted thread.
    const std::uint64_t burst = ctx.rec.events[70].time_us - ctx.rec.events[6].time_us;
    CHECK(burst < 64 * 512 * 3 / 4);
}

TEST_CASE("a half that software still holds is never written; its samples are counted lost") {
    SimAdcConfig cfg;
    cfg.sample_rate_hz = 50'000;
    cfg.samples_per_half = 64;
    cfg.channels = 2;
    cfg.signal = AdcSignal::ramp;
    const std::size_t half_values = 64 * 2;
    std::vector<std::uint16_t> buffer(2 * half_values);

    struct Ctx {
        std::uint16_t* buffer;
        std::size_t half_values;
        std::vector<AdcHalfEvent> events = std::vector<AdcHalfEvent>(64);
        std::atomic<std::size_t> count{0};
        bool canary_intact = false;
        bool later_half_correct = false;
    } ctx{buffer.data(), half_values};

    // k = 1 (half 1): software takes it and scribbles a canary on it (it owns it now).
    // k = 2 (half 0): returns false: half 1 is still held. k = 3 must not write half 1.
    // k = 3: checks the canary, releases half 0 (true). k = 4 releases half 1 (true).
    const auto on_half = [](void* p, const AdcHalfEvent& ev) noexcept {
        auto& c = *static_cast<Ctx*>(p);
        const std::size_t k = c.count.load(std::memory_order_relaxed);
        if (k < c.events.size()) c.events[k] = ev;
        bool next_free = true;
        std::uint16_t* half1 = c.buffer + c.half_values;
        if (k == 1) std::fill_n(half1, c.half_values, canary);
        if (k == 2) next_free = false;
        if (k == 3) c.canary_intact = std::all_of(half1, half1 + c.half_values, [](std::uint16_t v) { return v == canary; });
        if (k == 5) { // half 1 again, written normally: the ramp continues at its true index
            bool ok = !ev.lost;
            for (std::size_t i = 0; i < c.half_values; ++i)
                ok = ok && ev.values[i] == ((ev.first_sample + i / 2) + i % 2) % 4096;
            c.later_half_correct = ok;
        }
        c.count.store(k + 1, std::memory_order_release);
        return next_free;
    };

    SimAdc adc(cfg);
    REQUIRE(adc.start(buffer, on_half, &ctx) == 0);
    REQUIRE(ss_test::wait_for([&] { return ctx.count.load(std::memory_order_acquire) >= 8; }));
    adc.stop();

    const std::size_t n = ctx.count.load(std::memory_order_acquire);
    for (std::size_t k = 0; k < std::min<std::size_t>(n, 64); ++k) {
        CAPTURE(k);
        CHECK(ctx.events[k].first_sample == k * 64); // the counter keeps counting through the gap
        CHECK(ctx.events[k].lost == (k == 3));
    }
    CHECK(ctx.canary_intact);
    CHECK(ctx.later_half_correct);
    const AdcStats st = adc.stats();
    CHECK(st.samples_lost == 64);
    CHECK(st.samples_written + st.samples_lost == st.halves * 64);
}

TEST_CASE("ramp values are exact and interleaved by channel") {
    SimAdcConfig cfg;
    cfg.sample_rate_hz = 200'000;
    cfg.samples_per_half = 100;
    cfg.channels = 3;
    cfg.signal = AdcSignal::ramp;
    cfg.ramp_step = 5;
    const std::vector<std::uint16_t> v = capture_values(cfg, 20); // 2000 samples: wraps 4096 twice
    for (std::uint64_t i = 0; i < 2000; ++i)
        for (std::uint64_t ch = 0; ch < 3; ++ch) REQUIRE(v[i * 3 + ch] == (i * 5 + ch) % 4096);
}

TEST_CASE("a sine follows offset + amplitude * sin(2 pi f i / rate) within one count, clamped to 12 bits") {
    SimAdcConfig cfg;
    cfg.sample_rate_hz = 100'000;
    cfg.samples_per_half = 256;
    cfg.signal = AdcSignal::sine;
    cfg.amplitude = 1500.0;
    cfg.offset = 2048.0;
    cfg.frequency_hz = 1234.5;
    SUBCASE("within range") {
        const std::vector<std::uint16_t> v = capture_values(cfg, 16);
        std::uint16_t lo = 4095, hi = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            const double want = 2048.0 + 1500.0 * std::sin(2.0 * std::numbers::pi * 1234.5 * static_cast<double>(i) / 100'000.0);
            REQUIRE(std::abs(static_cast<double>(v[i]) - want) <= 1.0);
            lo = std::min(lo, v[i]);
            hi = std::max(hi, v[i]);
        }
        CHECK(lo <= 2048 - 1490);
        CHECK(hi >= 2048 + 1490);
    }
    SUBCASE("clipped at the rails") {
        cfg.amplitude = 3000.0;
        const std::vector<std::uint16_t> v = capture_values(cfg, 16);
        CHECK(*std::min_element(v.begin(), v.end()) == 0);
        CHECK(*std::max_element(v.begin(), v.end()) == 4095);
        for (std::size_t i = 0; i < v.size(); ++i) {
            const double want = std::clamp(2048.0 + 3000.0 * std::sin(2.0 * std::numbers::pi * 1234.5 * static_cast<double>(i) / 100'000.0), 0.0, 4095.0);
            REQUIRE(std::abs(static_cast<double>(v[i]) - want) <= 1.0);
        }
    }
}

TEST_CASE("noise is determined by its seed and stays within its band") {
    const std::uint64_t seed = ss_test::test_seed(0x5EED);
    SimAdcConfig cfg;
    cfg.sample_rate_hz = 200'000;
    cfg.samples_per_half = 250;
    cfg.channels = 2;
    cfg.signal = AdcSignal::noise;
    cfg.amplitude = 500.0;
    cfg.offset = 1000.0;
    cfg.seed = seed;
    const std::vector<std::uint16_t> a = capture_values(cfg, 16);
    const std::vector<std::uint16_t> b = capture_values(cfg, 16);
    CHECK(a == b);
    cfg.seed = seed + 1;
    const std::vector<std::uint16_t> c = capture_values(cfg, 16);
    std::size_t same = 0;
    for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == c[i];
    CHECK(same < a.size() / 50); // ~1/1001 expected by chance

    double sum = 0;
    for (const std::uint16_t v : a) {
        REQUIRE(v >= 500);
        REQUIRE(v <= 1500);
        sum += v;
    }
    const double mean = sum / static_cast<double>(a.size()); // 8000 values, sd of mean ~3.2
    CHECK(mean > 1000.0 - 20.0);
    CHECK(mean < 1000.0 + 20.0);
    CHECK(*std::min_element(a.begin(), a.end()) < 510);
    CHECK(*std::max_element(a.begin(), a.end()) > 1490);
    // The two channels are independent streams, not copies.
    std::size_t equal_pairs = 0;
    for (std::size_t i = 0; i + 1 < a.size(); i += 2) equal_pairs += a[i] == a[i + 1];
    CHECK(equal_pairs < a.size() / 100);
}

TEST_CASE("start checks its arguments and its configuration") {
    std::vector<std::uint16_t> buffer(2 * 512);
    const AdcHalfFn fn = [](void*, const AdcHalfEvent&) noexcept { return true; };
    SimAdcConfig cfg;
    SUBCASE("buffer size") {
        SimAdc adc(cfg);
        std::vector<std::uint16_t> small(2 * 512 - 1);
        CHECK(adc.start(small, fn, nullptr) == -EINVAL);
        CHECK(adc.start(std::span<std::uint16_t>(), fn, nullptr) == -EINVAL);
        CHECK_FALSE(adc.running());
    }
    SUBCASE("null callback") {
        SimAdc adc(cfg);
        CHECK(adc.start(buffer, nullptr, nullptr) == -EINVAL);
    }
    SUBCASE("configuration") {
        SimAdcConfig bad = cfg;
        bad.sample_rate_hz = 1'000'001;
        CHECK(SimAdc::validate(bad) == -EINVAL);
        bad = cfg;
        bad.sample_rate_hz = 0;
        CHECK(SimAdc::validate(bad) == -EINVAL);
        bad = cfg;
        bad.channels = 0;
        CHECK(SimAdc::validate(bad) == -EINVAL);
        bad = cfg;
        bad.samples_per_half = 0;
        CHECK(SimAdc::validate(bad) == -EINVAL);
        bad = cfg;
        bad.frequency_hz = 600'000; // above Nyquist at 1 MSPS
        CHECK(SimAdc::validate(bad) == -EINVAL);
        SimAdc adc(bad);
        CHECK(adc.start(buffer, fn, nullptr) == -EINVAL);
        CHECK(SimAdc::validate(cfg) == 0);
    }
}

TEST_CASE("stop is idempotent, a restart counts from zero, and running twice is refused") {
    SimAdcConfig cfg;
    cfg.sample_rate_hz = 100'000;
    cfg.samples_per_half = 100;
    std::vector<std::uint16_t> buffer(200);
    Recorder rec(1000);
    SimAdc adc(cfg);
    adc.stop(); // before any start
    REQUIRE(adc.start(buffer, Recorder::on_half, &rec) == 0);
    CHECK(adc.start(buffer, Recorder::on_half, &rec) == -EBUSY);
    REQUIRE(ss_test::wait_for([&] { return rec.count.load(std::memory_order_acquire) >= 5; }));
    adc.stop();
    adc.stop();
    const std::size_t after_stop = rec.count.load(std::memory_order_acquire);
    std::this_thread::sleep_for(10ms); // 10 halves' worth: none may come
    CHECK(rec.count.load(std::memory_order_acquire) == after_stop);
    CHECK(adc.stats().halves == after_stop);

    Recorder again(1000);
    REQUIRE(adc.start(buffer, Recorder::on_half, &again) == 0);
    REQUIRE(ss_test::wait_for([&] { return again.count.load(std::memory_order_acquire) >= 3; }));
    adc.stop();
    CHECK(again.events[0].first_sample == 0);
    CHECK(again.events[0].half == 0);
    CHECK(adc.stats().halves == again.count.load(std::memory_order_acquire));
}

TEST_CASE("a callback may stop its own ADC; destroying a running ADC stops it") {
    SimAdcConfig cfg;
    cfg.sample_rate_hz = 100'000;
    cfg.samples_per_half = 100;
    std::vector<std::uint16_t> buffer(200);
    SUBCASE("stop from the callback") {
        struct Ctx {
            SimAdc* adc = nullptr;
            std::atomic<int> calls{0};
        } ctx;
        SimAdc adc(cfg);
        ctx.adc = &adc;
        const auto on_half = [](void* p, const AdcHalfEvent&) noexcept {
            auto& c = *static_cast<Ctx*>(p);
            if (c.calls.fetch_add(1) + 1 == 3) c.adc->stop();
            return true;
        };
        REQUIRE(adc.start(buffer, on_half, &ctx) == 0);
        REQUIRE(ss_test::wait_for([&] { return ctx.calls.load() >= 3; }));
        CHECK(ss_test::wait_for([&] { return !adc.running(); }));
        std::this_thread::sleep_for(10ms);
        CHECK(ctx.calls.load() == 3);
        // The ended thread is joined by the next start; the ADC works again.
        ctx.calls = 100;
        REQUIRE(adc.start(buffer, on_half, &ctx) == 0);
        REQUIRE(ss_test::wait_for([&] { return ctx.calls.load() >= 103; }));
        adc.stop();
    }
    SUBCASE("destroy while running") {
        std::atomic<int> calls{0};
        const auto on_half = [](void* p, const AdcHalfEvent&) noexcept {
            static_cast<std::atomic<int>*>(p)->fetch_add(1);
            return true;
        };
        auto adc = std::make_unique<SimAdc>(cfg);
        REQUIRE(adc->start(buffer, on_half, &calls) == 0);
        REQUIRE(ss_test::wait_for([&] { return calls.load() >= 2; }));
        adc.reset();
        const int after = calls.load();
        std::this_thread::sleep_for(10ms);
        CHECK(calls.load() == after);
    }
}
