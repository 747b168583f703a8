#include "ss/capture/filters.hpp"

#include <cmath>
#include <numbers>

#include "ss/text.hpp"

namespace ss::capture {

namespace {

using detail::StageState;

std::unexpected<Errc> reject(Text& why, std::uint32_t stage, const char* field, const char* rule) noexcept {
    why.clear();
    why << "filter stage " << stage << ": " << field << ' ' << rule;
    return std::unexpected(Errc::invalid_argument);
}

// The sampled RC filter's alpha for a cutoff at a stage's rate, in Q16: alpha = w / (1 + w),
// w = 2π·fc/fs, rounded, at least 1 (a cutoff too low for Q16 gets the slowest filter there is).
std::uint32_t rc_alpha_q16(double cutoff_hz, double rate) noexcept {
    const double w = 2.0 * std::numbers::pi * cutoff_hz / rate;
    const auto q = static_cast<std::uint32_t>(std::lround(w / (1.0 + w) * 65536.0));
    return q < 1 ? 1u : q;
}

// low_pass and high_pass: alpha_q16 as given, or derived from cutoff_hz at the stage's rate.
Expected<std::uint32_t> first_order_alpha_q16(const FilterStage& stage, std::uint32_t index, double rate,
                                              Text& why) noexcept {
    if (stage.alpha_q16 > 65536) return reject(why, index, "alpha_q16", "must be within 1 .. 65536 (or 0)");
    if (stage.alpha_q16 != 0) return stage.alpha_q16;
    if (rate <= 0.0) return reject(why, index, "cutoff_hz", "needs sample_rate_hz (or give alpha_q16)");
    if (!(stage.cutoff_hz > 0.0 && stage.cutoff_hz < rate / 2)) {
        return reject(why, index, "cutoff_hz", "must be above 0 and below half the stage's sample rate");
    }
    return rc_alpha_q16(stage.cutoff_hz, rate);
}

// Each stage is one tight loop over the buffer. `in` may alias `out` (stride 1): every loop reads
// sample i before it writes output k ≤ i.
template <class In>
std::size_t moving_average(StageState& s, std::uint16_t* history, const In* in, std::size_t stride,
                           std::size_t n, std::uint32_t* out) noexcept {
    const std::uint32_t window = s.parameter;
    std::size_t i = 0;
    // Warm-up after a reset: the mean of what has been seen (a true division, window−1 times).
    for (; i < n && s.filled < window; ++i) {
        const auto x = static_cast<std::uint16_t>(in[i * stride]);
        s.sum += x;
        history[s.filled++] = x;
        out[i] = (s.sum + s.filled / 2) / s.filled;
    }
    // The warm-up filled the history in order, so the oldest sample is in slot 0 (position 0).
    std::uint32_t sum = s.sum;
    std::uint32_t position = s.position;
    const detail::Reciprocal reciprocal = s.reciprocal;
    for (; i < n; ++i) {
        const auto x = static_cast<std::uint16_t>(in[i * stride]);
        sum = sum + x - history[position];
        history[position] = x;
        if (++position == window) position = 0;
        out[i] = reciprocal.rounded(sum);
    }
    s.sum = sum;
    s.position = position;
    return n;
}

template <class In>
std::size_t decimate(StageState& s, const In* in, std::size_t stride, std::size_t n, std::uint32_t* out) noexcept {
    const std::uint32_t factor = s.parameter;
    std::uint32_t position = s.position;
    std::size_t k = 0;
    if (s.mode == DecimationMode::pick_first) {
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t x = in[i * stride];
            if (position == 0) out[k++] = x;
            if (++position == factor) position = 0;
        }
    } else {
        std::uint32_t sum = s.sum;
        const detail::Reciprocal reciprocal = s.reciprocal;
        for (std::size_t i = 0; i < n; ++i) {
            sum += in[i * stride];
            if (++position == factor) {
                out[k++] = reciprocal.rounded(sum);
                sum = 0;
                position = 0;
            }
        }
        s.sum = sum;
    }
    s.position = position;
    return k;
}

// One first-order low-pass step in Q16: state += alpha · (target − state), rounded half up (the
// shift is arithmetic). The step is at most |target − state|, so the state never leaves the range
// of its targets: no overflow and no limit cycle beyond the half-LSB dead band.
inline std::int64_t low_pass_step(std::int64_t state, std::int64_t target_q16, std::int64_t alpha_q16) noexcept {
    return state + ((alpha_q16 * (target_q16 - state) + 0x8000) >> 16);
}

// Start the low-pass state at the first sample rather than at 0, so there is no start-up ramp (and
// a high-pass starts at zero, not at minus the input's level).
template <class In>
void prime(StageState& s, const In* in) noexcept {
    if (s.primed) return;
    s.smooth_q16 = std::int64_t{in[0]} << 16;
    s.primed = true;
}

template <class In>
std::size_t low_pass(StageState& s, const In* in, std::size_t stride, std::size_t n, std::uint32_t* out) noexcept {
    if (n == 0) return 0;
    prime(s, in);
    const std::int64_t alpha = s.parameter;
    std::int64_t y = s.smooth_q16;
    for (std::size_t i = 0; i < n; ++i) {
        y = low_pass_step(y, std::int64_t{in[i * stride]} << 16, alpha);
        out[i] = static_cast<std::uint32_t>((y + 0x8000) >> 16);
    }
    s.smooth_q16 = y;
    return n;
}

// A signed Q16 filter output as a record: rounded half up, moved to mid-scale and clamped to the
// ADC's range 0 .. 2·midscale − 1, so that it stays an unsigned count on the raw values' scale. The
// clamp loses nothing for a tone that fits the ADC's range (a first-order high-pass never amplifies
// one); only steps and edges larger than half the range are cut, on their first samples.
inline std::uint32_t centred(std::int64_t y_q16, std::int64_t midscale) noexcept {
    const std::int64_t v = midscale + ((y_q16 + 0x8000) >> 16);
    const std::int64_t top = 2 * midscale - 1;
    return static_cast<std::uint32_t>(v < 0 ? 0 : v > top ? top : v);
}

// High-pass as x − low_pass(x) rather than the recursion y = a·(y + x − x[n−1]): the two are the same
// filter (a = 1 − alpha), but here the only state is the low-pass, which stays within the input's
// range, while the recursion on y multiplies its own rounding by a ≈ 1 every sample, so its error
// grows as 1/(1 − a) and a constant input decays to a dead band instead of to 0. Here the error is
// the low-pass's (|e| ≤ 2^−17 / alpha counts) and a constant input gives exactly mid-scale.
template <class In>
std::size_t high_pass(StageState& s, const In* in, std::size_t stride, std::size_t n, std::uint32_t* out) noexcept {
    if (n == 0) return 0;
    prime(s, in);
    const std::int64_t alpha = s.parameter;
    const std::int64_t midscale = s.midscale;
    std::int64_t smooth = s.smooth_q16;
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t x = std::int64_t{in[i * stride]} << 16;
        smooth = low_pass_step(smooth, x, alpha);
        out[i] = centred(x - smooth, midscale);
    }
    s.smooth_q16 = smooth;
    return n;
}

// Band-pass: the high-pass above, then a low-pass of its signed Q16 output, both in one loop so the
// intermediate is neither rounded to counts nor clamped. |x − smooth| < 2^32 and the band state
// stays within the range of its inputs, so alpha · (target − state) < 2^49: int64 holds it.
template <class In>
std::size_t band_pass(StageState& s, const In* in, std::size_t stride, std::size_t n, std::uint32_t* out) noexcept {
    if (n == 0) return 0;
    prime(s, in);
    const std::int64_t low_alpha = s.parameter;
    const std::int64_t high_alpha = s.band_alpha_q16;
    const std::int64_t midscale = s.midscale;
    std::int64_t smooth = s.smooth_q16;
    std::int64_t band = s.band_q16;
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t x = std::int64_t{in[i * stride]} << 16;
        smooth = low_pass_step(smooth, x, low_alpha);
        band = low_pass_step(band, x - smooth, high_alpha);
        out[i] = centred(band, midscale);
    }
    s.smooth_q16 = smooth;
    s.band_q16 = band;
    return n;
}

template <class In>
std::size_t run_stage(StageState& s, std::uint16_t* history, const In* in, std::size_t stride, std::size_t n,
                      std::uint32_t* out) noexcept {
    switch (s.kind) {
    case FilterKind::moving_average: return moving_average(s, history, in, stride, n, out);
    case FilterKind::decimate: return decimate(s, in, stride, n, out);
    case FilterKind::low_pass: return low_pass(s, in, stride, n, out);
    case FilterKind::high_pass: return high_pass(s, in, stride, n, out);
    case FilterKind::band_pass: return band_pass(s, in, stride, n, out);
    case FilterKind::none: break;
    }
    return n;
}

} // namespace

Expected<void> ChannelProcessor::configure(const ProcessingConfig& cfg, Text& why) noexcept {
    if (!(cfg.sample_rate_hz >= 0.0 && cfg.sample_rate_hz <= 1e12)) {
        why.clear();
        why << "filter: sample_rate_hz must be 0 (unknown) or a positive rate";
        return std::unexpected(Errc::invalid_argument);
    }
    if (cfg.adc_bits < 1 || cfg.adc_bits > 16) {
        why.clear();
        why << "filter: adc_bits must be within 1 .. 16";
        return std::unexpected(Errc::invalid_argument);
    }
    const auto midscale = static_cast<std::uint16_t>(1u << (cfg.adc_bits - 1));
    detail::StageState states[max_filter_stages] = {};
    std::uint32_t count = 0;
    std::uint32_t averages = 0;
    double rate = cfg.sample_rate_hz; // the rate this stage sees, after the decimations before it
    for (std::uint32_t i = 0; i < max_filter_stages; ++i) {
        const FilterStage& stage = cfg.stages[i];
        detail::StageState state{};
        state.kind = stage.kind;
        switch (stage.kind) {
        case FilterKind::none: continue;
        case FilterKind::moving_average:
            if (stage.window < 1 || stage.window > max_moving_average_window) {
                return reject(why, i, "window", "must be within 1 .. 256 samples");
            }
            if (++averages > 1) return reject(why, i, "kind", "moving_average may appear once per chain");
            state.parameter = stage.window;
            state.reciprocal = detail::Reciprocal::of(stage.window);
            break;
        case FilterKind::decimate:
            if (stage.factor < 1 || stage.factor > max_decimation_factor) {
                return reject(why, i, "factor", "must be within 1 .. 4096");
            }
            if (stage.mode != DecimationMode::pick_first && stage.mode != DecimationMode::average) {
                return reject(why, i, "mode", "must be pick_first or average");
            }
            state.parameter = stage.factor;
            state.mode = stage.mode;
            state.reciprocal = detail::Reciprocal::of(stage.factor);
            rate /= stage.factor;
            break;
        case FilterKind::low_pass:
        case FilterKind::high_pass: {
            const auto alpha = first_order_alpha_q16(stage, i, rate, why);
            if (!alpha) return std::unexpected(alpha.error());
            state.parameter = *alpha;
            if (stage.kind == FilterKind::high_pass) state.midscale = midscale;
            break;
        }
        case FilterKind::band_pass:
            if (rate <= 0.0) return reject(why, i, "low_hz and high_hz", "need sample_rate_hz");
            if (!(stage.low_hz > 0.0)) return reject(why, i, "low_hz", "must be above 0");
            if (!(stage.high_hz > stage.low_hz && stage.high_hz < rate / 2)) {
                return reject(why, i, "high_hz", "must be above low_hz and below half the stage's sample rate");
            }
            state.parameter = rc_alpha_q16(stage.low_hz, rate);
            state.band_alpha_q16 = rc_alpha_q16(stage.high_hz, rate);
            state.midscale = midscale;
            break;
        default: return reject(why, i, "kind", "is not a known filter kind");
        }
        states[count++] = state;
    }
    // 1e6 / rate split into whole µs and a 32-bit fraction. A rate below 1e6 / 2^32 Hz (one
    // sample in over 71 minutes) would overflow the whole part: no chain runs that slowly, and
    // its duration is then reported as unknown (0), as for no rate.
    std::uint64_t whole_us = 0;
    std::uint32_t frac_q32 = 0;
    if (cfg.sample_rate_hz > 1e6 / 4294967296.0) {
        const double period_us = 1e6 / cfg.sample_rate_hz;
        whole_us = static_cast<std::uint64_t>(period_us);
        const double frac = std::ldexp(period_us - static_cast<double>(whole_us), 32);
        const auto rounded = static_cast<std::uint64_t>(std::llround(frac));
        if (rounded > 0xFFFFFFFFu) ++whole_us; // the fraction rounded up to a whole µs
        else frac_q32 = static_cast<std::uint32_t>(rounded);
    }
    cfg_ = cfg;
    sample_period_whole_us_ = whole_us;
    sample_period_frac_q32_ = frac_q32;
    stage_count_ = count;
    for (std::uint32_t i = 0; i < max_filter_stages; ++i) stages_[i] = states[i];
    return {};
}

void ChannelProcessor::reset() noexcept {
    for (std::uint32_t i = 0; i < stage_count_; ++i) {
        detail::StageState& s = stages_[i];
        s.position = s.filled = s.sum = 0;
        s.smooth_q16 = s.band_q16 = 0;
        s.primed = false;
    }
}

std::size_t ChannelProcessor::required_output(std::size_t input_count) const noexcept {
    std::size_t count = input_count;
    std::size_t largest = stage_count_ == 0 ? input_count : 0;
    for (std::uint32_t i = 0; i < stage_count_; ++i) {
        // Every other kind writes one output per input.
        if (stages_[i].kind == FilterKind::decimate) {
            count = count / stages_[i].parameter + (count % stages_[i].parameter != 0 ? 1 : 0);
        }
        if (count > largest) largest = count;
    }
    return largest;
}

Expected<Processed> ChannelProcessor::process(std::span<const std::uint16_t> samples, std::span<std::uint32_t> out,
                                              std::size_t stride) noexcept {
    if (stride == 0) return std::unexpected(Errc::invalid_argument);
    const std::size_t n = samples.empty() ? 0 : (samples.size() - 1) / stride + 1;
    if (out.size() < required_output(n)) return std::unexpected(Errc::invalid_argument);

    Processed result{};
    if (cfg_.summarize && n > 0) {
        const std::uint16_t* p = samples.data();
        std::uint16_t lo = p[0], hi = p[0];
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint16_t x = p[i * stride];
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
            sum += x;
        }
        result.summary.min = lo;
        result.summary.max = hi;
        result.summary.mean = static_cast<std::uint16_t>((sum + n / 2) / n);
        result.summary.count = static_cast<std::uint32_t>(n);
        // n · period, rounded half up: n < 2^32, so n · fraction fits 64 bits.
        result.summary.duration_us = n * sample_period_whole_us_ +
                                     ((std::uint64_t{sample_period_frac_q32_} * n + 0x80000000u) >> 32);
    }

    if (stage_count_ == 0) {
        for (std::size_t i = 0; i < n; ++i) out[i] = samples[i * stride];
        result.produced = n;
        return result;
    }
    std::size_t count = run_stage(stages_[0], history_, samples.data(), stride, n, out.data());
    for (std::uint32_t i = 1; i < stage_count_; ++i) {
        count = run_stage(stages_[i], history_, static_cast<const std::uint32_t*>(out.data()), 1, count, out.data());
    }
    result.produced = count;
    return result;
}

} // namespace ss::capture
