// Per-channel processing against straightforward double-precision references, across random
// buffer splits, at the edges of every parameter, and with bad configurations.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <deque>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "capture/processing_test_seed.hpp"
#include "ss/capture/filters.hpp"
#include "ss/text.hpp"

using namespace ss::capture;

namespace {

using Signal = std::vector<std::uint16_t>;
using Values = std::vector<double>;

// --- references: the definitions in docs/capture-processing.md, in double precision ---

// round half up, the rounding every averaging stage uses.
double round_half_up(double x) { return std::floor(x + 0.5); }

Values ref_moving_average(const Values& x, std::uint32_t window) {
    Values y;
    for (std::size_t n = 0; n < x.size(); ++n) {
        const std::size_t first = n + 1 >= window ? n + 1 - window : 0;
        double sum = 0;
        for (std::size_t i = first; i <= n; ++i) sum += x[i];
        y.push_back(round_half_up(sum / static_cast<double>(n - first + 1)));
    }
    return y;
}

Values ref_decimate(const Values& x, std::uint32_t factor, DecimationMode mode) {
    Values y;
    for (std::size_t g = 0; g < x.size(); g += factor) {
        if (mode == DecimationMode::pick_first) {
            y.push_back(x[g]);
        } else if (g + factor <= x.size()) {
            double sum = 0;
            for (std::size_t i = g; i < g + factor; ++i) sum += x[i];
            y.push_back(round_half_up(sum / factor));
        }
    }
    return y;
}

// The exact recursion with the quantised alpha; the output is not rounded (the tolerance covers it).
Values ref_low_pass(const Values& x, std::uint32_t alpha_q16) {
    Values y;
    const double alpha = alpha_q16 / 65536.0;
    double state = x.empty() ? 0 : x[0];
    for (double v : x) {
        state += alpha * (v - state);
        y.push_back(state);
    }
    return y;
}

// |fixed point − exact| ≤ 0.5 (output rounding) + 2^-17 / alpha (accumulated state rounding).
double low_pass_tolerance(std::uint32_t alpha_q16) { return 0.5 + (1.0 / 131072.0) / (alpha_q16 / 65536.0) + 1e-9; }

Values to_values(const Signal& s) { return Values(s.begin(), s.end()); }

Signal random_signal(std::mt19937& rng, std::size_t n) {
    // A mix of full-scale noise, slow ramps and plateaus, so every stage sees edges and extremes.
    Signal s(n);
    std::uniform_int_distribution<int> full(0, 65535), kind(0, 3), small(-300, 300);
    int level = 30000;
    for (std::size_t i = 0; i < n; ++i) {
        if (i % 97 == 0) level = full(rng);
        switch (kind(rng)) {
        case 0: s[i] = static_cast<std::uint16_t>(full(rng)); break;
        case 1: s[i] = static_cast<std::uint16_t>(std::clamp(level + small(rng), 0, 65535)); break;
        case 2: s[i] = i % 2 ? 65535 : 0; break;
        default: s[i] = static_cast<std::uint16_t>(level); break;
        }
    }
    return s;
}

ProcessingConfig chain(std::initializer_list<FilterStage> stages, double rate = 0.0) {
    ProcessingConfig cfg;
    cfg.sample_rate_hz = rate;
    std::size_t i = 0;
    for (const FilterStage& s : stages) cfg.stages[i++] = s;
    return cfg;
}

FilterStage moving_average(std::uint32_t window) {
    FilterStage s;
    s.kind = FilterKind::moving_average;
    s.window = window;
    return s;
}
FilterStage decimate(std::uint32_t factor, DecimationMode mode) {
    FilterStage s;
    s.kind = FilterKind::decimate;
    s.factor = factor;
    s.mode = mode;
    return s;
}
FilterStage low_pass(std::uint32_t alpha_q16) {
    FilterStage s;
    s.kind = FilterKind::low_pass;
    s.alpha_q16 = alpha_q16;
    return s;
}

ChannelProcessor make(const ProcessingConfig& cfg) {
    ChannelProcessor p;
    ss::Text why;
    const auto ok = p.configure(cfg, why);
    INFO(why.c_str());
    REQUIRE(ok);
    return p;
}

// Runs `signal` through `p` in chunks of the given sizes (the rest in one piece).
std::vector<std::uint32_t> run(ChannelProcessor& p, const Signal& signal, const std::vector<std::size_t>& chunks = {}) {
    std::vector<std::uint32_t> all;
    std::size_t at = 0;
    auto feed = [&](std::size_t n) {
        std::vector<std::uint32_t> out(p.required_output(n));
        auto r = p.process(std::span<const std::uint16_t>(signal.data() + at, n), out);
        REQUIRE(r);
        REQUIRE(r->produced <= out.size());
        all.insert(all.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r->produced));
        at += n;
    };
    for (std::size_t n : chunks) {
        if (at + n > signal.size()) break;
        feed(n);
    }
    feed(signal.size() - at);
    return all;
}

std::vector<std::size_t> random_chunks(std::mt19937& rng, std::size_t total) {
    std::vector<std::size_t> chunks;
    std::uniform_int_distribution<std::size_t> size(0, 700);
    for (std::size_t sum = 0; sum < total;) {
        const std::size_t n = std::min(size(rng), total - sum);
        chunks.push_back(n);
        sum += n;
    }
    return chunks;
}

void check_exact(const std::vector<std::uint32_t>& got, const Values& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (static_cast<double>(got[i]) != want[i]) {
            FAIL("output " << i << " is " << got[i] << ", the reference says " << want[i]);
        }
    }
}

} // namespace

TEST_CASE("moving average equals the reference mean, rounded half up, with warm-up") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0001u));
    for (std::uint32_t window : {1u, 2u, 3u, 7u, 64u, 255u, 256u}) {
        CAPTURE(window);
        const Signal x = random_signal(rng, 5'000);
        ChannelProcessor p = make(chain({moving_average(window)}));
        check_exact(run(p, x, random_chunks(rng, x.size())), ref_moving_average(to_values(x), window));
    }
}

TEST_CASE("decimation picks or averages with its phase carried across buffers") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0002u));
    for (DecimationMode mode : {DecimationMode::pick_first, DecimationMode::average}) {
        for (std::uint32_t factor : {1u, 2u, 7u, 100u, 4096u}) {
            CAPTURE(factor);
            CAPTURE(static_cast<int>(mode));
            const Signal x = random_signal(rng, 20'000);
            ChannelProcessor p = make(chain({decimate(factor, mode)}));
            check_exact(run(p, x, random_chunks(rng, x.size())), ref_decimate(to_values(x), factor, mode));
        }
    }
}

TEST_CASE("low-pass follows the exact recursion within the stated tolerance") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0003u));
    for (std::uint32_t alpha : {1u, 2u, 100u, 6554u, 32768u, 65535u, 65536u}) {
        CAPTURE(alpha);
        const Signal x = random_signal(rng, 20'000);
        ChannelProcessor p = make(chain({low_pass(alpha)}));
        const auto got = run(p, x, random_chunks(rng, x.size()));
        const Values want = ref_low_pass(to_values(x), alpha);
        REQUIRE(got.size() == want.size());
        double worst = 0;
        for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
        MESSAGE("alpha " << alpha << "/65536: worst |fixed - exact| " << worst << ", tolerance "
                         << low_pass_tolerance(alpha));
        CHECK(worst <= low_pass_tolerance(alpha));
        for (std::uint32_t v : got) REQUIRE(v <= 65535);
    }
}

TEST_CASE("alpha 65536, window 1 and factor 1 pass samples through unchanged") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0004u));
    const Signal x = random_signal(rng, 3'000);
    const Values identity = to_values(x);
    for (const ProcessingConfig& cfg :
         {chain({}), chain({low_pass(65536)}), chain({moving_average(1)}), chain({decimate(1, DecimationMode::pick_first)}),
          chain({decimate(1, DecimationMode::average)}),
          chain({moving_average(1), decimate(1, DecimationMode::average), low_pass(65536)})}) {
        ChannelProcessor p = make(cfg);
        check_exact(run(p, x, random_chunks(rng, x.size())), identity);
    }
}

TEST_CASE("alpha 1 moves a step by a 65536th per sample") {
    ChannelProcessor p = make(chain({low_pass(1)}));
    Signal x(70'000, 65535);
    x[0] = 0;
    const auto y = run(p, x);
    CHECK(y[0] == 0);
    CHECK(y[1] == 1);                 // 65535 · 1/65536 ≈ 1
    CHECK(y[65536] > 0.6 * 65535);    // 1 − (1 − 1/65536)^65536 ≈ 1 − 1/e
    CHECK(y[65536] < 0.65 * 65535);
}

TEST_CASE("chains give the composition of their stages and do not depend on buffer splits") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0005u));
    const Signal x = random_signal(rng, 30'000);
    const Values v = to_values(x);
    {
        ChannelProcessor p = make(chain({moving_average(16), decimate(8, DecimationMode::pick_first)}));
        check_exact(run(p, x, random_chunks(rng, x.size())), ref_decimate(ref_moving_average(v, 16), 8, DecimationMode::pick_first));
    }
    {
        ChannelProcessor p = make(chain({decimate(4, DecimationMode::average), moving_average(5)}));
        check_exact(run(p, x, random_chunks(rng, x.size())), ref_moving_average(ref_decimate(v, 4, DecimationMode::average), 5));
    }
    {
        // Low-pass then decimate: the split-invariance is exact (same integer state either way).
        const ProcessingConfig cfg = chain({low_pass(3000), decimate(10, DecimationMode::average)});
        ChannelProcessor whole = make(cfg), split = make(cfg);
        CHECK(run(whole, x) == run(split, x, random_chunks(rng, x.size())));
    }
    {
        const ProcessingConfig cfg =
            chain({decimate(3, DecimationMode::pick_first), low_pass(20000), moving_average(9), decimate(2, DecimationMode::average)});
        ChannelProcessor whole = make(cfg);
        const auto reference = run(whole, x);
        for (int trial = 0; trial < 20; ++trial) {
            ChannelProcessor split = make(cfg);
            REQUIRE(run(split, x, random_chunks(rng, x.size())) == reference);
        }
    }
}

TEST_CASE("every buffer split point gives the same output (decimation phase continuity)") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0006u));
    const Signal x = random_signal(rng, 300);
    const ProcessingConfig cfg = chain({moving_average(5), decimate(7, DecimationMode::average)});
    ChannelProcessor whole = make(cfg);
    const auto reference = run(whole, x);
    for (std::size_t cut = 0; cut <= x.size(); ++cut) {
        ChannelProcessor split = make(cfg);
        REQUIRE(run(split, x, {cut}) == reference);
    }
}

TEST_CASE("reset() starts a new signal, keeping the configuration") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0007u));
    const Signal a = random_signal(rng, 1'000), b = random_signal(rng, 1'000);
    const ProcessingConfig cfg = chain({moving_average(10), low_pass(5000), decimate(3, DecimationMode::average)});
    ChannelProcessor used = make(cfg), fresh = make(cfg);
    run(used, a, {1, 500});
    used.reset();
    CHECK(run(used, b) == run(fresh, b));
}

TEST_CASE("the reciprocal division is exact over the whole range it is used for") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0008u));
    for (std::uint32_t n = 1; n <= max_decimation_factor; ++n) {
        const auto r = detail::Reciprocal::of(n);
        const std::uint32_t top = 65535u * n; // the largest sum of n 16-bit values
        std::uniform_int_distribution<std::uint32_t> any(0, top);
        auto check = [&](std::uint32_t sum) {
            if (r.rounded(sum) != (sum + n / 2) / n) FAIL("n " << n << " sum " << sum);
        };
        for (std::uint32_t k = 0; k < 16; ++k) {
            check(k * n > top ? top : k * n);
            check(top - std::min(top, k * n));
            check(top - std::min(top, k * n + n / 2));
            check(top - std::min(top, k * n + (n + 1) / 2));
        }
        for (int k = 0; k < 64; ++k) check(any(rng));
    }
}

TEST_CASE("bad configurations are rejected with the stage and field named, changing nothing") {
    ChannelProcessor p = make(chain({moving_average(4)}));
    ss::Text why;
    auto rejects = [&](const ProcessingConfig& cfg, const char* field) {
        CAPTURE(field);
        CHECK(p.configure(cfg, why).error() == ss::Errc::invalid_argument);
        CHECK(std::string(why.c_str()).find(field) != std::string::npos);
    };
    rejects(chain({moving_average(0)}), "window");
    rejects(chain({moving_average(257)}), "window");
    rejects(chain({decimate(0, DecimationMode::average)}), "factor");
    rejects(chain({decimate(4097, DecimationMode::average)}), "factor");
    rejects(chain({decimate(2, static_cast<DecimationMode>(7))}), "mode");
    rejects(chain({low_pass(65537)}), "alpha_q16");
    rejects(chain({moving_average(3), low_pass(100), moving_average(5)}), "stage 2");
    FilterStage cutoff;
    cutoff.kind = FilterKind::low_pass;
    cutoff.cutoff_hz = 10.0;
    rejects(chain({cutoff}), "cutoff_hz");                   // no sample rate
    cutoff.cutoff_hz = 500.0;
    rejects(chain({cutoff}, 1000.0), "cutoff_hz");           // at Nyquist
    rejects(chain({decimate(4, DecimationMode::average), cutoff}, 2000.0), "cutoff_hz"); // 500 Hz after /4
    cutoff.cutoff_hz = std::nan("");
    rejects(chain({cutoff}, 1000.0), "cutoff_hz");
    FilterStage unknown;
    unknown.kind = static_cast<FilterKind>(42);
    rejects(chain({unknown}), "kind");
    CHECK_FALSE(p.configure(chain({}, -1.0), why));
    CHECK_FALSE(p.configure(chain({}, std::nan("")), why));
    // The old configuration is still in force.
    const Signal x{0, 4, 8, 12, 16};
    CHECK(run(p, x) == std::vector<std::uint32_t>{0, 2, 4, 6, 10});
}

TEST_CASE("alpha from a cutoff frequency is the sampled RC filter's") {
    FilterStage cutoff;
    cutoff.kind = FilterKind::low_pass;
    cutoff.cutoff_hz = 50.0;
    ChannelProcessor p = make(chain({decimate(10, DecimationMode::average), cutoff}, 10'000.0));
    const double w = 2 * std::numbers::pi * 50.0 / 1'000.0; // the stage runs at 10 kHz / 10
    const auto alpha_q16 = static_cast<std::uint32_t>(std::lround(w / (1 + w) * 65536));
    // Drive both with the same step and compare with the explicit alpha.
    ChannelProcessor q = make(chain({decimate(10, DecimationMode::average), low_pass(alpha_q16)}, 10'000.0));
    Signal step(5'000, 0);
    std::fill(step.begin() + 1'000, step.end(), 40'000);
    CHECK(run(p, step) == run(q, step));
}

TEST_CASE("an output span that is too small is refused before anything changes") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0009u));
    const Signal x = random_signal(rng, 1'000);
    const ProcessingConfig cfg = chain({decimate(3, DecimationMode::pick_first), moving_average(4)});
    ChannelProcessor p = make(cfg), fresh = make(cfg);
    CHECK(p.required_output(1'000) == 334);
    CHECK(p.required_output(999) == 333);
    std::vector<std::uint32_t> small(333);
    CHECK(p.process(std::span<const std::uint16_t>(x), small).error() == ss::Errc::invalid_argument);
    CHECK(p.process(std::span<const std::uint16_t>(x), small, 0).error() == ss::Errc::invalid_argument);
    CHECK(run(p, x) == run(fresh, x));
    ChannelProcessor lp_first = make(chain({low_pass(100), decimate(10, DecimationMode::average)}));
    CHECK(lp_first.required_output(1'000) == 1'000); // works in place: the low-pass output needs room
}

TEST_CASE("the summary gives min, max, rounded mean, count and duration of each input buffer") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'000Au));
    ProcessingConfig cfg = chain({decimate(5, DecimationMode::average)}, 2'000.0);
    ChannelProcessor p = make(cfg);
    for (std::size_t n : {1u, 2u, 999u, 4'096u}) {
        const Signal x = random_signal(rng, n);
        std::vector<std::uint32_t> out(p.required_output(n));
        auto r = p.process(std::span<const std::uint16_t>(x), out);
        REQUIRE(r);
        const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
        double sum = 0;
        for (auto v : x) sum += v;
        CHECK(r->summary.min == *lo);
        CHECK(r->summary.max == *hi);
        CHECK(r->summary.mean == round_half_up(sum / static_cast<double>(n)));
        CHECK(r->summary.count == n);
        CHECK(r->summary.duration_us == static_cast<std::uint64_t>(std::llround(static_cast<double>(n) * 500.0)));
    }
    // The duration is worked out in 32.32 fixed point (no double per buffer): within 1 µs of
    // the exact n · 1e6 / rate at any rate, and exact where the period is a whole number of µs.
    for (double rate : {2'000.0, 44'100.0, 48'000.0, 1'000'000.0, 3.0, 0.01, 7'777.7}) {
        ProcessingConfig c = chain({}, rate);
        ChannelProcessor q = make(c);
        for (std::size_t n : {1u, 7u, 1'000u, 65'535u, 1'000'003u}) {
            const Signal x(n, 100);
            std::vector<std::uint32_t> out(q.required_output(n));
            auto r = q.process(std::span<const std::uint16_t>(x), out);
            REQUIRE(r);
            const double exact = static_cast<double>(n) * 1e6 / rate;
            CAPTURE(rate);
            CAPTURE(n);
            CHECK(std::fabs(static_cast<double>(r->summary.duration_us) - exact) <= 1.0);
            if (rate == 2'000.0 || rate == 1'000'000.0) CHECK(r->summary.duration_us == static_cast<std::uint64_t>(exact));
        }
    }
    std::vector<std::uint32_t> none;
    auto empty = p.process(std::span<const std::uint16_t>(), none);
    REQUIRE(empty);
    CHECK(empty->produced == 0);
    CHECK(empty->summary.count == 0);

    cfg.summarize = false;
    ChannelProcessor quiet = make(cfg);
    const Signal x{1, 2, 3, 4, 5};
    std::vector<std::uint32_t> out(1);
    CHECK(quiet.process(std::span<const std::uint16_t>(x), out)->summary.count == 0);
}

TEST_CASE("a stride takes one channel out of an interleaved buffer") {
    ChannelProcessor p = make(chain({}));
    const Signal interleaved{10, 20, 30, 11, 21, 31, 12, 22, 32};
    std::vector<std::uint32_t> out(3);
    auto r = p.process(std::span<const std::uint16_t>(interleaved).subspan(1), out, 3);
    REQUIRE(r);
    CHECK(r->produced == 3);
    CHECK(out == std::vector<std::uint32_t>{20, 21, 22});
    CHECK(r->summary.min == 20);
    CHECK(r->summary.max == 22);
}

// --- high-pass and band-pass ---

namespace {

FilterStage high_pass(std::uint32_t alpha_q16) {
    FilterStage s;
    s.kind = FilterKind::high_pass;
    s.alpha_q16 = alpha_q16;
    return s;
}
FilterStage high_pass_at(double cutoff_hz) {
    FilterStage s;
    s.kind = FilterKind::high_pass;
    s.cutoff_hz = cutoff_hz;
    return s;
}
FilterStage band_pass(double low_hz, double high_hz) {
    FilterStage s;
    s.kind = FilterKind::band_pass;
    s.low_hz = low_hz;
    s.high_hz = high_hz;
    return s;
}

ProcessingConfig with_adc_bits(ProcessingConfig cfg, std::uint8_t bits) {
    cfg.adc_bits = bits;
    return cfg;
}

// The derivation docs/capture-processing.md gives: the sampled RC filter, rounded to Q16, at least 1.
std::uint32_t documented_alpha_q16(double cutoff_hz, double rate) {
    const double w = 2 * std::numbers::pi * cutoff_hz / rate;
    return std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(w / (1 + w) * 65536)));
}

double centre(double y, std::uint8_t bits) {
    const double midscale = std::ldexp(1.0, bits - 1);
    return std::clamp(midscale + y, 0.0, 2 * midscale - 1);
}

// The exact recursions with the quantised alphas, centred and clamped, not rounded.
Values ref_high_pass(const Values& x, std::uint32_t alpha_q16, std::uint8_t bits) {
    Values y;
    const double alpha = alpha_q16 / 65536.0;
    double smooth = x.empty() ? 0 : x[0];
    for (double v : x) {
        smooth += alpha * (v - smooth);
        y.push_back(centre(v - smooth, bits));
    }
    return y;
}

Values ref_band_pass(const Values& x, std::uint32_t low_alpha_q16, std::uint32_t high_alpha_q16, std::uint8_t bits) {
    Values y;
    const double low_alpha = low_alpha_q16 / 65536.0, high_alpha = high_alpha_q16 / 65536.0;
    double smooth = x.empty() ? 0 : x[0], band = 0;
    for (double v : x) {
        smooth += low_alpha * (v - smooth);
        band += high_alpha * ((v - smooth) - band);
        y.push_back(centre(band, bits));
    }
    return y;
}

// Output rounding plus each low-pass state's accumulated rounding (the band's low-pass passes the
// high-pass's error on with gain ≤ 1). Clamping never widens a difference.
double band_pass_tolerance(std::uint32_t low_alpha_q16, std::uint32_t high_alpha_q16) {
    return low_pass_tolerance(low_alpha_q16) + (1.0 / 131072.0) / (high_alpha_q16 / 65536.0);
}

double worst_difference(const std::vector<std::uint32_t>& got, const Values& want) {
    REQUIRE(got.size() == want.size());
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
    return worst;
}

Signal twelve_bit(Signal s) {
    for (auto& v : s) v = static_cast<std::uint16_t>(v >> 4);
    return s;
}

// Continuous first-order responses (what a designer expects from fc) ...
double analytic_high_pass_gain(double f, double fc) { return 1 / std::sqrt(1 + (fc / f) * (fc / f)); }
double analytic_low_pass_gain(double f, double fc) { return 1 / std::sqrt(1 + (f / fc) * (f / fc)); }

// ... and the sampled filters' exact responses with the quantised alphas: low-pass
// alpha / (1 − (1 − alpha)·z⁻¹), high-pass 1 minus that, at z = e^{jθ}.
std::complex<double> sampled_low_pass(std::uint32_t alpha_q16, double f, double rate) {
    const double alpha = alpha_q16 / 65536.0;
    const std::complex<double> z_inverse = std::polar(1.0, -2 * std::numbers::pi * f / rate);
    return alpha / (1.0 - (1.0 - alpha) * z_inverse);
}
double sampled_high_pass_gain(std::uint32_t alpha_q16, double f, double rate) {
    return std::abs(1.0 - sampled_low_pass(alpha_q16, f, rate));
}
double sampled_band_pass_gain(std::uint32_t low_alpha_q16, std::uint32_t high_alpha_q16, double f, double rate) {
    return sampled_high_pass_gain(low_alpha_q16, f, rate) * std::abs(sampled_low_pass(high_alpha_q16, f, rate));
}

// Amplitude of the tone at f in y[first .. first + count), count whole periods: the projections on
// sin and cos (a constant level projects to zero over whole periods).
double tone_amplitude(const std::vector<double>& y, std::size_t first, std::size_t count, double f, double rate) {
    double s = 0, c = 0;
    for (std::size_t i = first; i < first + count; ++i) {
        const double phase = 2 * std::numbers::pi * f * static_cast<double>(i) / rate;
        s += y[i] * std::sin(phase);
        c += y[i] * std::cos(phase);
    }
    return 2 * std::hypot(s, c) / static_cast<double>(count);
}

// Gain of `cfg` for a 12-bit sine of amplitude 1500 around 2048 at f: output amplitude over input
// amplitude, each measured over 2 s of whole periods after 0.5 s of settling (≥ 30 time constants
// for the cutoffs used here). The chain ends at sample_rate_hz / decimation.
double tone_gain(const ProcessingConfig& cfg, double f, std::uint32_t decimation = 1) {
    const double rate = cfg.sample_rate_hz, out_rate = rate / decimation;
    const double per_period = out_rate / f;
    REQUIRE(per_period == std::round(per_period));
    const auto settle = static_cast<std::size_t>(out_rate / 2);
    const auto count = static_cast<std::size_t>(std::ceil(2 * f) * per_period);
    Signal x((settle + count) * decimation);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double phase = 2 * std::numbers::pi * f * static_cast<double>(i) / rate;
        x[i] = static_cast<std::uint16_t>(std::lround(2048 + 1500 * std::sin(phase)));
    }
    ChannelProcessor p = make(cfg);
    const auto out = run(p, x);
    REQUIRE(out.size() == settle + count);
    const double in_amplitude = tone_amplitude(to_values(x), settle * decimation, count * decimation, f, rate);
    const double out_amplitude = tone_amplitude(Values(out.begin(), out.end()), settle, count, f, out_rate);
    return out_amplitude / in_amplitude;
}

} // namespace

TEST_CASE("high-pass is the input minus the exact low-pass, centred and clamped, within the stated tolerance") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0011u));
    for (std::uint8_t bits : {std::uint8_t{12}, std::uint8_t{16}}) {
        for (std::uint32_t alpha : {1u, 2u, 100u, 6554u, 32768u, 65535u, 65536u}) {
            CAPTURE(int{bits});
            CAPTURE(alpha);
            const Signal x = bits == 12 ? twelve_bit(random_signal(rng, 20'000)) : random_signal(rng, 20'000);
            ChannelProcessor p = make(with_adc_bits(chain({high_pass(alpha)}), bits));
            const auto got = run(p, x, random_chunks(rng, x.size()));
            const double worst = worst_difference(got, ref_high_pass(to_values(x), alpha, bits));
            CHECK(worst <= low_pass_tolerance(alpha));
            for (std::uint32_t v : got) REQUIRE(v < (1u << bits));
        }
    }
}

TEST_CASE("band-pass is the exact high-pass then low-pass, centred and clamped, within the stated tolerance") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0012u));
    const double rate = 1'000.0;
    const std::pair<double, double> edges[] = {{0.001, 400.0}, {0.01, 0.02}, {1.0, 10.0}, {50.0, 100.0}, {100.0, 499.0}};
    for (std::uint8_t bits : {std::uint8_t{12}, std::uint8_t{16}}) {
        for (const auto& [low, high] : edges) {
            CAPTURE(int{bits});
            CAPTURE(low);
            CAPTURE(high);
            const Signal x = bits == 12 ? twelve_bit(random_signal(rng, 20'000)) : random_signal(rng, 20'000);
            ChannelProcessor p = make(with_adc_bits(chain({band_pass(low, high)}, rate), bits));
            const auto got = run(p, x, random_chunks(rng, x.size()));
            const std::uint32_t low_alpha = documented_alpha_q16(low, rate), high_alpha = documented_alpha_q16(high, rate);
            const double worst = worst_difference(got, ref_band_pass(to_values(x), low_alpha, high_alpha, bits));
            CHECK(worst <= band_pass_tolerance(low_alpha, high_alpha));
            for (std::uint32_t v : got) REQUIRE(v < (1u << bits));
        }
    }
}

TEST_CASE("a constant input high-passes to exactly mid-scale, from the first sample and after a change settles") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0013u));
    std::uniform_int_distribution<int> level12(0, 4095), level16(0, 65535);
    for (std::uint32_t alpha : {1u, 2u, 409u, 65535u, 65536u}) {
        CAPTURE(alpha);
        // Random history, then a constant level long enough for what is left of the history to
        // fall below half a count: 65535 · (1 − alpha_q16 / 65536)^n < 0.5 once
        // n > ln(131070) · 65536 / alpha_q16 ≈ 12 · 65536 / alpha_q16.
        const std::size_t settle = 12 * 65536 / alpha + 1'000;
        for (int trial = 0; trial < 4; ++trial) {
            const bool wide = trial % 2 == 1;
            Signal x = wide ? random_signal(rng, 3'000) : twelve_bit(random_signal(rng, 3'000));
            const auto level = static_cast<std::uint16_t>(wide ? level16(rng) : level12(rng));
            x.resize(3'000 + settle, level);
            ChannelProcessor p = make(with_adc_bits(chain({high_pass(alpha)}), wide ? 16 : 12));
            const auto y = run(p, x, random_chunks(rng, 20'000));
            const std::uint32_t midscale = wide ? 32768 : 2048;
            CHECK(y.back() == midscale);
            CHECK(std::all_of(y.end() - 1'000, y.end(), [&](std::uint32_t v) { return v == midscale; }));
        }
        for (int level : {0, 1, 2047, 2048, 4095}) {
            ChannelProcessor p = make(chain({high_pass(alpha)}));
            const auto y = run(p, Signal(500, static_cast<std::uint16_t>(level)));
            CHECK(std::all_of(y.begin(), y.end(), [](std::uint32_t v) { return v == 2048; }));
        }
    }
    // Band-pass: exact too while both alphas are at least 2 (docs: otherwise within one count).
    for (const auto& [low, high] : {std::pair{10.0, 100.0}, std::pair{0.05, 4'000.0}, std::pair{1'000.0, 4'999.0}}) {
        CAPTURE(low);
        Signal x = twelve_bit(random_signal(rng, 3'000));
        x.resize(3'000'000, static_cast<std::uint16_t>(level12(rng)));
        ChannelProcessor p = make(chain({band_pass(low, high)}, 10'000.0));
        const auto y = run(p, x);
        CHECK(std::all_of(y.end() - 1'000, y.end(), [](std::uint32_t v) { return v == 2048; }));
    }
}

TEST_CASE("high-pass step response: the jump, the first-order decay, then mid-scale") {
    const double rate = 10'000.0, fc = 10.0;
    const std::uint32_t alpha_q16 = documented_alpha_q16(fc, rate);
    const double keep = 1 - alpha_q16 / 65536.0; // what survives of the step each sample
    Signal x(100, 1'000);
    x.resize(10'000, 3'000);
    ChannelProcessor p = make(chain({high_pass_at(fc)}, rate));
    const auto y = run(p, x, {37, 64, 1'000});
    for (std::size_t i = 0; i < 100; ++i) REQUIRE(y[i] == 2048);
    for (std::size_t k = 0; k < 1'000; ++k) {
        const double expected = 2048 + 2000 * std::pow(keep, static_cast<double>(k + 1));
        if (std::fabs(y[100 + k] - expected) > low_pass_tolerance(alpha_q16)) {
            FAIL(k << " samples after the step: " << y[100 + k] << ", expected " << expected);
        }
    }
    // 2000 · keep^n < 0.5 from n ≈ 1330 on (alpha ≈ 1/160).
    CHECK(std::all_of(y.begin() + 100 + 1'400, y.end(), [](std::uint32_t v) { return v == 2048; }));

    // Full-scale steps swing beyond the range and are clamped at its edges.
    ChannelProcessor full = make(chain({high_pass_at(fc)}, rate));
    Signal swing(10, 0);
    swing.resize(3'010, 4095);
    swing.resize(3'020, 0);
    const auto clamped = run(full, swing);
    CHECK(clamped[9] == 2048);
    CHECK(clamped[10] == 4095);   // 2048 + 4095 · keep
    CHECK(clamped[100] == 4095);  // 2048 + 4095 · keep^91 ≈ 4364
    CHECK(clamped[500] < 4095);   // 2048 + 4095 · keep^491 ≈ 2239
    CHECK(clamped[3'009] == 2048);
    CHECK(clamped[3'010] == 0);   // 2048 − 4095 · keep
}

TEST_CASE("high-pass and band-pass gains match the first-order responses") {
    // Each gain is checked against the sampled filter with the quantised alpha (what the fixed
    // point must reproduce: 0.5 %) and, up to rate / 100, against the continuous first-order
    // response a designer expects (a few %); further up the sampled low-pass falls measurably
    // faster than the continuous one (2.9 % less at 312.5 Hz for 100 Hz here).
    const double rate = 10'000.0;
    // High-pass at 10 Hz: passes 100 Hz and up, takes a decade below down by 1/sqrt(1 + 10²).
    for (double f : {1.0, 2.0, 5.0, 10.0, 20.0, 100.0, 1'000.0}) {
        const double gain = tone_gain(chain({high_pass_at(10.0)}, rate), f);
        const double analytic = analytic_high_pass_gain(f, 10.0);
        const double sampled = sampled_high_pass_gain(documented_alpha_q16(10.0, rate), f, rate);
        MESSAGE("high-pass fc 10 Hz at " << f << " Hz: measured " << gain << ", analytic " << analytic
                                         << ", sampled filter " << sampled);
        CHECK(gain == doctest::Approx(analytic).epsilon(0.01));
        CHECK(gain == doctest::Approx(sampled).epsilon(0.005));
    }
    // Band-pass 10 .. 100 Hz: the middle passes, a decade out on either side is down ~10×.
    double middle = 0, below = 0, above = 0;
    for (double f : {1.0, 3.125, 10.0, 31.25, 100.0, 312.5, 1'000.0}) {
        const double gain = tone_gain(chain({band_pass(10.0, 100.0)}, rate), f);
        const double analytic = analytic_high_pass_gain(f, 10.0) * analytic_low_pass_gain(f, 100.0);
        const double sampled =
            sampled_band_pass_gain(documented_alpha_q16(10.0, rate), documented_alpha_q16(100.0, rate), f, rate);
        MESSAGE("band-pass 10 .. 100 Hz at " << f << " Hz: measured " << gain << ", analytic " << analytic
                                             << ", sampled filter " << sampled);
        if (f <= rate / 100) CHECK(gain == doctest::Approx(analytic).epsilon(0.03));
        CHECK(gain == doctest::Approx(sampled).epsilon(0.005));
        if (f == 1.0) below = gain;
        if (f == 31.25) middle = gain;
        if (f == 1'000.0) above = gain;
    }
    CHECK(middle > 0.9);
    CHECK(below < 0.11);
    CHECK(above < 0.11);
}

TEST_CASE("after a decimation, cutoffs apply at the decimated rate, as for the low-pass") {
    const double rate = 10'000.0;
    {
        // The same filter as an explicit alpha computed for 1 kHz.
        ChannelProcessor by_cutoff = make(chain({decimate(10, DecimationMode::average), high_pass_at(50.0)}, rate));
        ChannelProcessor by_alpha =
            make(chain({decimate(10, DecimationMode::average), high_pass(documented_alpha_q16(50.0, 1'000.0))}, rate));
        std::mt19937 rng(ss::test::capture_test_seed(0xF117'0014u));
        const Signal x = twelve_bit(random_signal(rng, 50'000));
        CHECK(run(by_cutoff, x, random_chunks(rng, x.size())) == run(by_alpha, x));
    }
    // At 10 kHz the 10 Hz high-pass would have a 10× smaller alpha: 1 Hz would pass at ~0.7.
    // At 1 kHz, 50 Hz is far enough up the sampled band to differ from the analytic response, and
    // the averaging decimation's boxcar takes its share: compared with both, exactly.
    const ProcessingConfig decimated_high_pass = chain({decimate(10, DecimationMode::average), high_pass_at(10.0)}, rate);
    for (double f : {1.0, 20.0, 50.0}) {
        const double gain = tone_gain(decimated_high_pass, f, 10);
        const double boxcar = std::sin(std::numbers::pi * f * 10 / rate) / (10 * std::sin(std::numbers::pi * f / rate));
        const double sampled = boxcar * sampled_high_pass_gain(documented_alpha_q16(10.0, 1'000.0), f, 1'000.0);
        MESSAGE("decimate 10 then high-pass 10 Hz at " << f << " Hz: measured " << gain << ", analytic "
                                                      << analytic_high_pass_gain(f, 10.0) << ", sampled " << sampled);
        if (f <= 20.0) CHECK(gain == doctest::Approx(analytic_high_pass_gain(f, 10.0)).epsilon(0.03));
        CHECK(gain == doctest::Approx(sampled).epsilon(0.005));
    }
    const ProcessingConfig decimated_band_pass =
        chain({decimate(10, DecimationMode::average), band_pass(10.0, 100.0)}, rate);
    const double gain = tone_gain(decimated_band_pass, 31.25, 10);
    CHECK(gain == doctest::Approx(sampled_band_pass_gain(documented_alpha_q16(10.0, 1'000.0),
                                                          documented_alpha_q16(100.0, 1'000.0), 31.25, 1'000.0))
                      .epsilon(0.01));
    ChannelProcessor p = make(chain({high_pass(300), decimate(3, DecimationMode::average), band_pass(1.0, 10.0)}, 100.0));
    CHECK(p.required_output(1'000) == 1'000);
    ChannelProcessor q = make(chain({decimate(3, DecimationMode::pick_first), band_pass(1.0, 10.0), high_pass(7)}, 100.0));
    CHECK(q.required_output(1'000) == 334);
}

TEST_CASE("high-pass and band-pass outputs do not depend on buffer splits, and reset() forgets their history") {
    std::mt19937 rng(ss::test::capture_test_seed(0xF117'0015u));
    const Signal a = twelve_bit(random_signal(rng, 5'000)), b = twelve_bit(random_signal(rng, 5'000));
    const ProcessingConfig cfg =
        chain({band_pass(20.0, 300.0), decimate(2, DecimationMode::average), high_pass_at(5.0), low_pass(9000)}, 2'000.0);
    ChannelProcessor whole = make(cfg);
    const auto reference = run(whole, a);
    for (int trial = 0; trial < 20; ++trial) {
        ChannelProcessor split = make(cfg);
        REQUIRE(run(split, a, random_chunks(rng, a.size())) == reference);
    }
    ChannelProcessor used = make(cfg), fresh = make(cfg);
    run(used, a, {1, 777});
    used.reset();
    CHECK(run(used, b) == run(fresh, b));
    // Forgotten, not merely decayed: a fresh start on a level is mid-scale at once.
    ChannelProcessor hp = make(chain({high_pass(5)}));
    run(hp, Signal(100, 4000));
    hp.reset();
    CHECK(run(hp, Signal(3, 100)) == std::vector<std::uint32_t>{2048, 2048, 2048});
    // alpha_q16 65536: the subtracted low-pass is the input itself.
    ChannelProcessor nothing = make(chain({high_pass(65536)}));
    const auto y = run(nothing, b);
    CHECK(std::all_of(y.begin(), y.end(), [](std::uint32_t v) { return v == 2048; }));
}

TEST_CASE("bad high-pass and band-pass configurations are rejected with the stage and field named") {
    ChannelProcessor p = make(chain({moving_average(4)}));
    ss::Text why;
    auto rejects = [&](const ProcessingConfig& cfg, const char* field) {
        CAPTURE(field);
        CHECK(p.configure(cfg, why).error() == ss::Errc::invalid_argument);
        CAPTURE(why.c_str());
        CHECK(std::string(why.c_str()).find(field) != std::string::npos);
    };
    const double nan = std::nan(""), inf = HUGE_VAL;
    rejects(chain({high_pass(65537)}), "alpha_q16");
    rejects(chain({high_pass_at(10.0)}), "cutoff_hz");                 // no sample rate
    for (double bad : {0.0, -1.0, 500.0, 600.0, nan, inf}) rejects(chain({high_pass_at(bad)}, 1'000.0), "cutoff_hz");
    rejects(chain({decimate(4, DecimationMode::average), high_pass_at(250.0)}, 2'000.0), "stage 1: cutoff_hz");
    rejects(chain({band_pass(1.0, 10.0)}), "low_hz");                   // no sample rate
    for (double bad : {0.0, -1.0, nan, -inf}) rejects(chain({band_pass(bad, 10.0)}, 1'000.0), "low_hz");
    for (double bad : {1.0, 0.5, 500.0, 501.0, nan, inf}) rejects(chain({band_pass(1.0, bad)}, 1'000.0), "high_hz");
    rejects(chain({band_pass(20.0, 10.0)}, 1'000.0), "high_hz must be above low_hz");
    rejects(chain({moving_average(2), decimate(10, DecimationMode::average), band_pass(10.0, 600.0)}, 10'000.0),
            "stage 2: high_hz");
    rejects(with_adc_bits(chain({high_pass(100)}), 0), "adc_bits");
    rejects(with_adc_bits(chain({high_pass(100)}), 17), "adc_bits");
    // The old configuration is still in force.
    CHECK(run(p, Signal{0, 4, 8, 12, 16}) == std::vector<std::uint32_t>{0, 2, 4, 6, 10});
    // The edges themselves are accepted.
    ChannelProcessor edges;
    CHECK(edges.configure(with_adc_bits(chain({band_pass(0.001, 499.999), high_pass(65536)}, 1'000.0), 1), why));
    CHECK(edges.configure(with_adc_bits(chain({high_pass(1)}), 16), why));
}
