// The time base: sample clocks under drift, jitter, late callbacks, counter resets and gaps; the
// UTC mapping's slews, steps and drift estimate; event timestamps that never go back.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "capture/processing_test_seed.hpp"
#include "ss/capture/time_base.hpp"
#include "ss/text.hpp"

using namespace ss::capture;

namespace {

// A simulated source: sample i is converted at t0 + i / true_rate; its DMA half completes when its
// last sample is converted, and the interrupt that reports it runs after a latency.
struct SimulatedSource {
    double true_rate_hz;
    double t0_us = 1'000'000.0;
    double true_time_us(double index) const { return t0_us + index * 1e6 / true_rate_hz; }
};

struct Latency {
    std::mt19937* rng;
    double base_us = 5.0;
    double jitter_us = 40.0;       // uniform on top of base
    double late_probability = 0.0; // a late callback, by late_min..late_max µs
    double late_min_us = 300.0;
    double late_max_us = 3'000.0;
    double operator()() {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        double l = base_us + jitter_us * u(*rng);
        if (u(*rng) < late_probability) l += late_min_us + (late_max_us - late_min_us) * u(*rng);
        return l;
    }
};

SampleClock make_clock(double nominal_hz, std::uint32_t fit_span_us = 1'000'000) {
    SampleClock clock;
    ss::Text why;
    SampleClock::Config cfg;
    cfg.nominal_rate_hz = nominal_hz;
    cfg.fit_span_us = fit_span_us;
    REQUIRE(clock.configure(cfg, why));
    return clock;
}

struct RunResult {
    double max_error_us = 0.0;  // after the warm-up
    bool monotonic = true;
    std::uint64_t conversions = 0;
};

// Feeds `halves` DMA halves of `half` samples; after each, converts 8 samples of it in increasing
// order and compares them with the true conversion times (past `warmup_halves`).
RunResult run(SampleClock& clock, const SimulatedSource& src, std::uint64_t first_half, std::uint64_t halves,
              std::uint64_t half, Latency& latency, std::uint64_t warmup_halves, std::uint64_t& last_out) {
    RunResult r;
    for (std::uint64_t k = first_half; k < first_half + halves; ++k) {
        const std::uint64_t last = (k + 1) * half - 1;
        const auto observed = static_cast<std::uint64_t>(std::llround(src.true_time_us(static_cast<double>(last)) + latency()));
        clock.observe(last, observed);
        for (std::uint64_t s = 0; s < 8; ++s) {
            const std::uint64_t index = k * half + s * half / 8;
            auto t = clock.to_monotonic_us(index);
            REQUIRE(t);
            if (*t < last_out) r.monotonic = false;
            last_out = *t;
            ++r.conversions;
            if (k - first_half >= warmup_halves) {
                const double err = std::fabs(static_cast<double>(*t) - src.true_time_us(static_cast<double>(index)));
                if (err > r.max_error_us) r.max_error_us = err;
            }
        }
    }
    return r;
}

} // namespace

TEST_CASE("a sample clock rejects bad configurations and says which field") {
    SampleClock clock;
    ss::Text why;
    SampleClock::Config cfg;
    cfg.nominal_rate_hz = 0.0;
    CHECK(clock.configure(cfg, why).error() == ss::Errc::invalid_argument);
    CHECK(std::string(why.c_str()).find("nominal_rate_hz") != std::string::npos);
    cfg.nominal_rate_hz = std::nan("");
    CHECK_FALSE(clock.configure(cfg, why));
    cfg.nominal_rate_hz = 1000.0;
    cfg.window = 3;
    CHECK_FALSE(clock.configure(cfg, why));
    CHECK(std::string(why.c_str()).find("window") != std::string::npos);
    cfg.window = SampleClock::max_window + 1;
    CHECK_FALSE(clock.configure(cfg, why));
    cfg.window = SampleClock::max_window;
    cfg.max_rate_error_ppm = 0;
    CHECK_FALSE(clock.configure(cfg, why));
    CHECK(std::string(why.c_str()).find("max_rate_error_ppm") != std::string::npos);
    cfg.max_rate_error_ppm = 100;
    cfg.resync_after = 0;
    CHECK_FALSE(clock.configure(cfg, why));
    cfg.resync_after = 1;
    CHECK(clock.configure(cfg, why));
}

TEST_CASE("a sample clock maps nothing before its first observation") {
    SampleClock unconfigured;
    CHECK(unconfigured.observe(99, 1000) == SampleClock::Observation::unconfigured);
    CHECK(unconfigured.to_monotonic_us(0).error() == ss::Errc::try_again);

    SampleClock clock = make_clock(1000.0);
    CHECK_FALSE(clock.synchronized());
    CHECK(clock.to_monotonic_us(5).error() == ss::Errc::try_again);
    CHECK(clock.observe(99, 1'100'000) == SampleClock::Observation::first);
    CHECK(clock.synchronized());
    // At the nominal rate: sample 99 at the observation, sample 0 99 ms before.
    CHECK(*clock.predict_us(99) == 1'100'000);
    CHECK(*clock.predict_us(0) == 1'001'000);
    CHECK(*clock.predict_us(199) == 1'200'000);
    CHECK(clock.observe(99, 1'100'500) == SampleClock::Observation::duplicate);
    CHECK(clock.counters().duplicates == 1);
}

TEST_CASE("a sample clock follows crystal drift of +-100 ppm and +-1 % under jitter and late callbacks") {
    std::mt19937 rng(ss::test::capture_test_seed(0x5A3C'0001u));
    struct Case {
        double nominal_hz;
        double error_ppm;
        std::uint64_t half;
        std::uint64_t halves;
    };
    const Case cases[] = {
        {1'000'000.0, +100.0, 1024, 20'000},  // 1 MSPS, ~1 ms halves, 20 s
        {1'000'000.0, -100.0, 1024, 20'000},
        {1'000'000.0, +10'000.0, 1024, 20'000},
        {1'000'000.0, -10'000.0, 1024, 20'000},
        {1'000.0, +100.0, 100, 600},           // 1 kSPS, 100 ms halves, 60 s
        {1'000.0, -10'000.0, 100, 600},
    };
    for (const Case& c : cases) {
        CAPTURE(c.nominal_hz);
        CAPTURE(c.error_ppm);
        SampleClock clock = make_clock(c.nominal_hz);
        const SimulatedSource src{c.nominal_hz * (1.0 + c.error_ppm * 1e-6)};
        Latency latency{&rng};
        latency.late_probability = 0.01;
        std::uint64_t last_out = 0;
        const std::uint64_t warmup = c.halves / 10;
        const RunResult r = run(clock, src, 0, c.halves, c.half, latency, warmup, last_out);
        MESSAGE("nominal " << c.nominal_hz << " Hz, error " << c.error_ppm << " ppm: max |t - truth| "
                           << r.max_error_us << " us, rate error estimate " << clock.rate_error_ppm()
                           << " ppm, early restarts " << clock.counters().early_restarts);
        CHECK(r.monotonic);
        // Jitter is 5..45 µs one-sided: the fit sits in its middle; 100 µs leaves room for the
        // rate error times the extrapolation over one half.
        CHECK(r.max_error_us < 100.0);
        // The rate estimate, from rate points ~0.5 s apart: each the least delayed of ~60
        // observations with 1 ms halves (within 20 ppm), a single observation with 100 ms halves
        // (40 µs of jitter over 0.8 s: within 100 ppm).
        const bool fast_halves = static_cast<double>(c.half) * 1e6 / c.nominal_hz < 10e3;
        CHECK(std::fabs(clock.rate_error_ppm() - c.error_ppm) < (fast_halves ? 20.0 : 100.0));
        CHECK(clock.counters().resyncs == 0); // no burst of late callbacks passed for a jump
        CHECK(clock.counters().counter_resets == 0);
        // Late callbacks (1 %) beyond the gate are set aside; with 100 ms halves the gate (tolerance
        // plus the rate bound over one half, 3 ms) lets them in and the medians absorb them.
        if (fast_halves) CHECK(clock.counters().outliers > 0);
    }
}

TEST_CASE("a longer fit span estimates the rate to a few ppm") {
    std::mt19937 rng(ss::test::capture_test_seed(0x5A3C'0002u));
    SampleClock clock = make_clock(1'000'000.0, 16'000'000);
    const SimulatedSource src{1'000'000.0 * (1.0 + 73e-6)};
    Latency latency{&rng};
    std::uint64_t last_out = 0;
    const RunResult r = run(clock, src, 0, 40'000, 1024, latency, 4'000, last_out);
    MESSAGE("rate error estimate " << clock.rate_error_ppm() << " ppm (truth 73)");
    CHECK(r.monotonic);
    CHECK(std::fabs(clock.rate_error_ppm() - 73.0) < 10.0);
    CHECK(r.max_error_us < 60.0);
}

TEST_CASE("a single late callback is an outlier and does not move the timeline") {
    SampleClock clock = make_clock(1000.0);
    const SimulatedSource src{1000.0 * (1.0 + 50e-6)};
    std::uint64_t last_out = 0;
    std::mt19937 rng(7);
    Latency none{&rng, 10.0, 0.0};
    run(clock, src, 0, 100, 100, none, 0, last_out);
    const std::uint64_t before = clock.counters().outliers;
    // Half 100 reports 8 ms late.
    const std::uint64_t last = 101 * 100 - 1;
    CHECK(clock.observe(last, static_cast<std::uint64_t>(src.true_time_us(static_cast<double>(last)) + 8'010.0)) ==
          SampleClock::Observation::outlier);
    CHECK(clock.counters().outliers == before + 1);
    auto t = clock.to_monotonic_us(last);
    REQUIRE(t);
    CHECK(std::fabs(static_cast<double>(*t) - src.true_time_us(static_cast<double>(last))) < 30.0);
    // The next ones are on time and accepted; nothing was resynchronised.
    const RunResult r = run(clock, src, 101, 50, 100, none, 0, last_out);
    CHECK(r.monotonic);
    CHECK(r.max_error_us < 30.0);
    CHECK(clock.counters().resyncs == 0);
}

TEST_CASE("a late callback inside the gate never becomes a rate point") {
    // 1 ms halves at +1 %, a constant 10 µs latency, and one callback 900 µs late early on: late
    // enough to spoil a slope over a 60 ms span by 1.5 %, not late enough to be gated out.
    SampleClock clock = make_clock(1'000'000.0);
    const SimulatedSource src{1'000'000.0 * 1.01};
    for (std::uint64_t k = 0; k < 300; ++k) {
        const std::uint64_t last = (k + 1) * 1000 - 1;
        const double late = k == 100 ? 900.0 : 0.0;
        const auto observed = static_cast<std::uint64_t>(std::llround(src.true_time_us(static_cast<double>(last)) + 10.0 + late));
        REQUIRE(clock.observe(last, observed) != SampleClock::Observation::resynced);
        // Rate points every 62.5 ms; the slope is estimated from the third settled one on.
        if (k > 200) REQUIRE(std::fabs(clock.rate_error_ppm() - 10'000.0) < 100.0);
    }
    CHECK(clock.counters().outliers == 0);
}

TEST_CASE("a late first observation is replaced by the first on-time one") {
    SampleClock clock = make_clock(1'000'000.0);
    const SimulatedSource src{1'000'000.0};
    auto observed = [&](std::uint64_t last, double latency_us) {
        return static_cast<std::uint64_t>(std::llround(src.true_time_us(static_cast<double>(last)) + latency_us));
    };
    REQUIRE(clock.observe(1023, observed(1023, 2'500.0)) == SampleClock::Observation::first);
    CHECK(clock.observe(2047, observed(2047, 10.0)) == SampleClock::Observation::resynced);
    CHECK(clock.counters().early_restarts == 1);
    CHECK(clock.counters().resyncs == 0);
    CHECK(*clock.predict_us(2047) == observed(2047, 10.0));
    CHECK(clock.observe(3071, observed(3071, 12.0)) == SampleClock::Observation::accepted);
}

TEST_CASE("a sample clock starts over when the sample counter is reset, and time does not go back") {
    std::mt19937 rng(ss::test::capture_test_seed(0x5A3C'0003u));
    SampleClock clock = make_clock(1'000'000.0);
    const double rate = 1'000'000.0 * (1.0 - 80e-6);
    const SimulatedSource before{rate};
    Latency latency{&rng};
    std::uint64_t last_out = 0;
    RunResult r = run(clock, before, 0, 3'000, 1024, latency, 300, last_out);
    CHECK(r.monotonic);
    // The source restarts counting at 0 two ms after its last half; the new epoch's truth.
    const double restart_us = before.true_time_us(3'000.0 * 1024) + 2'000.0;
    const SimulatedSource after{rate, restart_us};
    const std::uint64_t observed = static_cast<std::uint64_t>(after.true_time_us(1023.0) + latency());
    CHECK(clock.observe(1023, observed) == SampleClock::Observation::resynced);
    CHECK(clock.counters().counter_resets == 1);
    // Samples of the new epoch, even its first ones, never map before what was handed out.
    auto t0 = clock.to_monotonic_us(0);
    REQUIRE(t0);
    CHECK(*t0 >= last_out);
    last_out = *t0;
    r = run(clock, after, 1, 2'000, 1024, latency, 2, last_out);
    CHECK(r.monotonic);
    CHECK(r.max_error_us < 100.0); // the rate estimate survived the restart
}

TEST_CASE("a sample clock resynchronises after a gap the counter did not see, and stays monotonic") {
    std::mt19937 rng(ss::test::capture_test_seed(0x5A3C'0004u));
    SampleClock clock = make_clock(1'000'000.0);
    SimulatedSource src{1'000'000.0 * (1.0 + 30e-6)};
    Latency latency{&rng};
    std::uint64_t last_out = 0;
    RunResult r = run(clock, src, 0, 2'000, 1024, latency, 200, last_out);
    CHECK(r.monotonic);
    // 50 halves were lost without being counted: from here on the same indices come 51 ms later.
    src.t0_us += 51'200.0;
    // A jump is confirmed after 3 consistent disagreeing observations spanning 10 ms: with
    // 1.024 ms halves the 11th (10 half periods after the first).
    REQUIRE(clock.config().resync_after == 3);
    REQUIRE(clock.config().resync_after_us == 10'000);
    const std::uint64_t needed = 11;
    r = run(clock, src, 2'000, needed - 1, 1024, latency, needed, last_out);
    CHECK(r.monotonic);
    CHECK(clock.counters().resyncs == 0);
    CHECK(clock.counters().outliers == needed - 1);
    r = run(clock, src, 2'000 + needed - 1, 1, 1024, latency, 1, last_out);
    CHECK(r.monotonic);
    CHECK(clock.counters().resyncs == 1);
    CHECK(clock.counters().outliers == needed);
    r = run(clock, src, 2'000 + needed, 2'000, 1024, latency, 0, last_out);
    CHECK(r.monotonic);
    CHECK(r.max_error_us < 100.0);
}

TEST_CASE("an index gap the counter did see is no discontinuity") {
    SampleClock clock = make_clock(1000.0);
    const SimulatedSource src{1000.0};
    std::mt19937 rng(3);
    Latency none{&rng, 10.0, 0.0};
    std::uint64_t last_out = 0;
    run(clock, src, 0, 50, 100, none, 0, last_out);
    // Halves 50..59 were dropped by the consumer; the counter kept counting.
    const RunResult r = run(clock, src, 60, 50, 100, none, 0, last_out);
    CHECK(r.monotonic);
    CHECK(r.max_error_us < 20.0);
    CHECK(clock.counters().outliers == 0);
    CHECK(clock.counters().resyncs == 0);
}

TEST_CASE("conversions never go back in time while the estimate keeps changing") {
    // A wide jitter and few observations per window make every refit move the line; convert
    // samples in increasing order from several halves in the past and future each time.
    std::mt19937 rng(ss::test::capture_test_seed(0x5A3C'0005u));
    SampleClock clock;
    ss::Text why;
    SampleClock::Config cfg;
    cfg.nominal_rate_hz = 10'000.0;
    cfg.window = 4;
    cfg.fit_span_us = 0;
    cfg.tolerance_us = 5'000;
    REQUIRE(clock.configure(cfg, why));
    std::uniform_real_distribution<double> jitter(0.0, 3'000.0);
    std::uint64_t last_index = 0, last_time = 0;
    bool first = true;
    for (std::uint64_t k = 0; k < 5'000; ++k) {
        const std::uint64_t last = (k + 1) * 64 - 1;
        clock.observe(last, 1'000'000 + last * 100 + static_cast<std::uint64_t>(jitter(rng)));
        for (std::uint64_t index = last > 256 ? last - 256 : 0; index <= last + 64; index += 16) {
            if (!first && index < last_index) continue; // only increasing indices are promised order
            auto t = clock.to_monotonic_us(index);
            REQUIRE(t);
            if (!first) REQUIRE(*t >= last_time);
            last_index = index;
            last_time = *t;
            first = false;
        }
    }
    MESSAGE("conversions held back: " << clock.counters().clamped_outputs);
    CHECK(clock.counters().clamped_outputs > 0); // the hold was needed, so this test tested it
}

TEST_CASE("resynchronize() starts over at once and keeps the rate estimate") {
    SampleClock clock = make_clock(1000.0);
    const SimulatedSource src{1000.0 * 1.002};
    std::mt19937 rng(5);
    Latency none{&rng, 0.0, 0.0};
    std::uint64_t last_out = 0;
    run(clock, src, 0, 100, 100, none, 0, last_out);
    const double rate = clock.estimated_rate_hz();
    CHECK(std::fabs(rate - 1002.0) < 0.05);
    clock.resynchronize(99, 50'000'000);
    CHECK(*clock.predict_us(99) == 50'000'000);
    CHECK(clock.estimated_rate_hz() == doctest::Approx(rate));
    CHECK(*clock.to_monotonic_us(99) >= last_out);
}

TEST_CASE("UTC is unknown until set; stamps are monotonic ms until then and say so") {
    TimeBase tb;
    CHECK_FALSE(tb.utc().known());
    CHECK(tb.utc().to_utc_ms(5'000'000).error() == ss::Errc::try_again);
    Timestamp t = tb.stamp(5'123'456);
    CHECK(t.domain == TimeDomain::monotonic);
    CHECK(t.ms == 5'123);
    const std::uint64_t utc0 = 1'700'000'000'000;
    CHECK(*tb.set_utc(6'000'000, utc0) == UtcClock::Change::initial);
    CHECK(tb.utc().known());
    t = tb.stamp(6'000'000);
    CHECK(t.domain == TimeDomain::utc);
    CHECK(t.ms == utc0);
    t = tb.stamp(7'500'999);
    CHECK(t.ms == utc0 + 1'500);
    // Before the reference point the mapping extrapolates backwards.
    CHECK(*tb.utc().to_utc_ms(5'000'000) == utc0 - 1'000);
}

TEST_CASE("set_utc rejects monotonic time going back and nonsense UTC, changing nothing") {
    UtcClock utc;
    CHECK(utc.set_utc(1'000, 0).error() == ss::Errc::invalid_argument);
    CHECK_FALSE(utc.known());
    REQUIRE(utc.set_utc(10'000'000, 1'700'000'000'000));
    CHECK(utc.set_utc(9'999'999, 1'700'000'000'000).error() == ss::Errc::invalid_argument);
    CHECK(utc.set_utc(20'000'000, ~std::uint64_t{0}).error() == ss::Errc::invalid_argument);
    CHECK(utc.counters().rejected == 3);
    CHECK(utc.counters().corrections == 1);
    CHECK(*utc.to_utc_ms(11'000'000) == 1'700'000'001'000);
}

TEST_CASE("the UTC clock rejects bad policies") {
    UtcClock utc;
    ss::Text why;
    UtcClock::Config cfg;
    cfg.step_threshold_ms = 0;
    CHECK_FALSE(utc.configure(cfg, why));
    CHECK(std::string(why.c_str()).find("step_threshold_ms") != std::string::npos);
    cfg = {};
    cfg.max_slew_ppm = 0;
    CHECK_FALSE(utc.configure(cfg, why));
    cfg = {};
    cfg.max_slew_ppm = 100'001;
    CHECK_FALSE(utc.configure(cfg, why));
    cfg = {};
    cfg.drift_min_baseline_s = 0;
    CHECK_FALSE(utc.configure(cfg, why));
    cfg = {};
    cfg.max_drift_ppm = 100'001;
    CHECK_FALSE(utc.configure(cfg, why));
    CHECK(utc.configure(UtcClock::Config{}, why));
}

TEST_CASE("a small UTC correction is slewed: continuous, bounded rate, never backwards") {
    for (std::int64_t offset_ms : {+200, -200, +999, -1'000}) {
        CAPTURE(offset_ms);
        UtcClock utc; // 500 ppm slew, 1 s step threshold
        const std::uint64_t m0 = 1'000'000, utc0 = 1'700'000'000'000;
        REQUIRE(utc.set_utc(m0, utc0));
        const std::uint64_t m1 = m0 + 10'000'000;
        const std::uint64_t before = *utc.to_utc_us(m1);
        CHECK(before == utc0 * 1000 + 10'000'000);
        const auto told = static_cast<std::uint64_t>(static_cast<std::int64_t>(utc0 + 10'000) + offset_ms);
        CHECK(*utc.set_utc(m1, told) == UtcClock::Change::slewed);
        CHECK(utc.counters().slews == 1);
        CHECK(utc.counters().last_offset_us == offset_ms * 1000);
        CHECK(utc.counters().steps_forward + utc.counters().steps_backward == 0);
        CHECK(*utc.to_utc_us(m1) == before); // continuous where the correction was made
        CHECK(utc.pending_slew_us(m1) == offset_ms * 1000);
        // Absorbed at 500 ppm: |offset| / 500e-6 of monotonic time.
        const auto absorb_us = static_cast<std::uint64_t>(std::llabs(offset_ms) * 1000 * 2000);
        CHECK(static_cast<double>(utc.pending_slew_us(m1 + absorb_us / 2)) == doctest::Approx(static_cast<double>(offset_ms) * 500.0).epsilon(0.001));
        CHECK(utc.pending_slew_us(m1 + absorb_us + 1) == 0);
        CHECK(*utc.to_utc_us(m1 + absorb_us + 5'000'000) ==
              static_cast<std::uint64_t>(static_cast<std::int64_t>(before + absorb_us + 5'000'000) + offset_ms * 1000));
        // Never backwards, never faster or slower than 1 ± 500 ppm (plus 1 µs of rounding), also
        // where the slew starts and ends; sampled densely there and sparsely between.
        std::uint64_t prev_m = m1 - 1000, prev_u = *utc.to_utc_us(prev_m);
        for (std::uint64_t m = prev_m + 1; m < m1 + absorb_us + 2'000'000;) {
            const std::uint64_t u = *utc.to_utc_us(m);
            REQUIRE(u >= prev_u);
            const double dm = static_cast<double>(m - prev_m), du = static_cast<double>(u - prev_u);
            REQUIRE(du <= dm * (1 + 500e-6) + 1.0);
            REQUIRE(du >= dm * (1 - 500e-6) - 1.0);
            prev_m = m;
            prev_u = u;
            const bool near_edge = (m < m1 + 3000) || (m + 3000 > m1 + absorb_us && m < m1 + absorb_us + 3000);
            m += near_edge ? 1 : 997;
        }
    }
}

TEST_CASE("a large UTC correction is a counted step, forward or backward") {
    TimeBase tb;
    const std::uint64_t utc0 = 1'700'000'000'000;
    REQUIRE(tb.set_utc(1'000'000, utc0));
    const Timestamp before = tb.stamp(3'000'000);
    CHECK(before.ms == utc0 + 2'000);

    CHECK(*tb.set_utc(4'000'000, utc0 + 3'000 + 5'000) == UtcClock::Change::stepped_forward);
    CHECK(tb.utc().counters().steps_forward == 1);
    CHECK(tb.utc().counters().last_offset_us == 5'000'000);
    CHECK(tb.utc().generation() == 1);
    CHECK(tb.stamp(4'000'000).ms == utc0 + 8'000); // applied at once
    CHECK(tb.utc().pending_slew_us(4'000'000) == 0);

    // A backward step: stamps go back (documented); the hold does not hide it.
    const Timestamp late = tb.stamp(5'000'000);
    CHECK(*tb.set_utc(5'000'000, utc0 + 4'000 - 60'000) == UtcClock::Change::stepped_backward);
    CHECK(tb.utc().counters().steps_backward == 1);
    CHECK(tb.utc().generation() == 2);
    const Timestamp after = tb.stamp(5'000'001);
    CHECK(after.ms < late.ms);
    CHECK(after.ms == utc0 + 4'000 - 60'000);
    CHECK(tb.held_stamps() == 0);

    // Exactly at the threshold is still a slew.
    UtcClock utc;
    REQUIRE(utc.set_utc(0, utc0));
    CHECK(*utc.set_utc(1'000'000, utc0 + 1'000 + 1'000) == UtcClock::Change::slewed);
    CHECK(*utc.set_utc(2'000'000, utc0 + 999) == UtcClock::Change::stepped_backward); // 1001.5 ms back
}

TEST_CASE("drift between the monotonic clock and UTC is estimated from successive corrections") {
    for (double drift_ppm : {+200.0, -150.0, +35.0}) {
        CAPTURE(drift_ppm);
        UtcClock utc;
        const std::uint64_t m0 = 7'000'000;
        const double utc0_us = 1.7e18 / 1e3; // 1.7e15 µs
        auto truth_ms = [&](std::uint64_t m) {
            return static_cast<std::uint64_t>((utc0_us + static_cast<double>(m - m0) * (1.0 + drift_ppm * 1e-6)) / 1000.0);
        };
        REQUIRE(utc.set_utc(m0, truth_ms(m0)));
        // Corrections every 64 s for an hour.
        for (int k = 1; k <= 56; ++k) {
            const std::uint64_t m = m0 + static_cast<std::uint64_t>(k) * 64'000'000;
            REQUIRE(*utc.set_utc(m, truth_ms(m)) == UtcClock::Change::slewed);
        }
        const double estimated_ppm = static_cast<double>(utc.drift_ppb()) / 1000.0;
        MESSAGE("drift " << drift_ppm << " ppm estimated as " << estimated_ppm << " ppm, last offset "
                         << utc.counters().last_offset_us << " us");
        CHECK(std::fabs(estimated_ppm - drift_ppm) < 1.0); // ms resolution over an hour: < 0.3 ppm
        CHECK(std::llabs(utc.counters().last_offset_us) < 2'000);
        // Between corrections the mapping now tracks the truth without help.
        const std::uint64_t later = m0 + 56ull * 64'000'000 + 30'000'000;
        CHECK(std::llabs(static_cast<long long>(*utc.to_utc_ms(later)) - static_cast<long long>(truth_ms(later))) <= 3);
    }
}

TEST_CASE("drift estimates are clamped and restart their baseline after a step") {
    UtcClock utc;
    ss::Text why;
    UtcClock::Config cfg;
    cfg.max_drift_ppm = 50;
    cfg.drift_min_baseline_s = 10;
    REQUIRE(utc.configure(cfg, why));
    const std::uint64_t utc0 = 1'700'000'000'000;
    REQUIRE(utc.set_utc(0, utc0));
    CHECK(*utc.set_utc(5'000'000, utc0 + 5'000) == UtcClock::Change::slewed);
    CHECK(utc.drift_ppb() == 0); // baseline too short
    REQUIRE(utc.set_utc(20'000'000, utc0 + 20'000 + 4)); // 200 ppm
    CHECK(utc.drift_ppb() == 50'000);
    REQUIRE(*utc.set_utc(30'000'000, utc0 + 40'000) == UtcClock::Change::stepped_forward);
    REQUIRE(utc.set_utc(35'000'000, utc0 + 45'000));
    CHECK(utc.drift_ppb() == 50'000); // kept; the new baseline (5 s) is still too short
}

TEST_CASE("event stamps never go back across random slews, whatever the drift") {
    std::mt19937 rng(ss::test::capture_test_seed(0x5A3C'0006u));
    TimeBase tb;
    ss::Text why;
    UtcClock::Config cfg;
    cfg.drift_min_baseline_s = 5;
    cfg.max_slew_ppm = 20'000;
    REQUIRE(tb.configure_utc(cfg, why));
    std::uniform_int_distribution<int> offset_ms(-900, 900);
    std::uniform_int_distribution<std::uint64_t> step_us(1, 3'000);
    std::uint64_t m = 1'000'000;
    std::uint64_t utc_ms = 1'700'000'000'000;
    REQUIRE(tb.set_utc(m, utc_ms));
    Timestamp prev = tb.stamp(m);
    std::uint64_t last_at = m;
    for (int i = 0; i < 200'000; ++i) {
        if (i % 1'000 == 999) {
            // A correction within the step threshold, told about a moment a little in the past.
            // A correction about a moment a little before the latest stamp: the mapping of the
            // stamps just before it moves, which the time base's hold must absorb.
            const std::uint64_t at = m - 500 > last_at ? m - 500 : m;
            const auto told = static_cast<std::uint64_t>(static_cast<std::int64_t>(*tb.utc().to_utc_ms(at)) + offset_ms(rng));
            REQUIRE(*tb.set_utc(at, told) == UtcClock::Change::slewed);
            last_at = at;
        }
        m += step_us(rng);
        const Timestamp t = tb.stamp(m);
        REQUIRE(t.domain == TimeDomain::utc);
        REQUIRE(t.ms >= prev.ms);
        prev = t;
    }
    MESSAGE("stamps held back: " << tb.held_stamps());
    CHECK(tb.utc().counters().slews > 100);
    CHECK(tb.utc().counters().steps_forward + tb.utc().counters().steps_backward == 0);
}

TEST_CASE("a stamp taken before a correction that moved its mapping back is not undercut later") {
    TimeBase tb;
    ss::Text why;
    UtcClock::Config cfg;
    cfg.max_slew_ppm = 100'000; // 10 %: large enough to move a stamp by whole milliseconds
    REQUIRE(tb.configure_utc(cfg, why));
    const std::uint64_t utc0 = 1'700'000'000'000;
    REQUIRE(tb.set_utc(0, utc0));
    REQUIRE(*tb.set_utc(1'000'000, utc0 + 1'000 + 500) == UtcClock::Change::slewed); // +500 ms at 10 %
    CHECK(tb.stamp(1'200'000).ms == utc0 + 1'220);
    // A correction about the moment 1 s (the same as the last): −500 ms, slewed at −10 %. The new
    // mapping puts 1.2 s at 1'180 ms, before the stamp already handed out.
    const auto predicted = *tb.utc().to_utc_ms(1'000'000);
    REQUIRE(*tb.set_utc(1'000'000, predicted - 500) == UtcClock::Change::slewed);
    CHECK(*tb.utc().to_utc_ms(1'200'000) == utc0 + 1'180);
    CHECK(tb.stamp(1'200'000).ms == utc0 + 1'220); // held
    CHECK(tb.held_stamps() == 1);
    CHECK(tb.stamp(1'210'000).ms == utc0 + 1'220); // held: the mapping says 1'189
    CHECK(tb.stamp(1'250'000).ms == utc0 + 1'225); // caught up
    CHECK(tb.stamp(1'100'000).ms == utc0 + 1'090); // an earlier moment keeps its own (earlier) stamp
}

TEST_CASE("a sample index becomes an event timestamp through its clock and the UTC mapping") {
    TimeBase tb;
    SampleClock clock = make_clock(1000.0);
    CHECK(tb.stamp_sample(clock, 0).error() == ss::Errc::try_again);
    REQUIRE(clock.observe(999, 2'000'000) == SampleClock::Observation::first);
    Timestamp t = *tb.stamp_sample(clock, 500);
    CHECK(t.domain == TimeDomain::monotonic);
    CHECK(t.ms == 1'501);
    REQUIRE(tb.set_utc(2'000'000, 1'700'000'000'000));
    t = *tb.stamp_sample(clock, 1'500);
    CHECK(t.domain == TimeDomain::utc);
    CHECK(t.ms == 1'700'000'000'501);
}
