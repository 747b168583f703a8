// Per-channel processing against straightforward double-precision references, across random
// buffer splits, at the edges of every parameter, and with bad configurations.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
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
