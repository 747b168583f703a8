// Per-channel processing of captured samples, chosen by configuration: moving average, decimation,
// first-order low-pass, high-pass and band-pass, chained in a fixed order of up to four stages,
// plus a min/max/mean summary of every buffer (seed 000's ProcessedData). State is fixed-size and
// carries across buffers, so a signal split into buffers anywhere filters exactly as if it came in
// one piece.
//
// Values: the input is 16-bit ADC counts; every stage averages or picks, so every intermediate and
// output value stays within 0 .. 65535 and is written as a 32-bit time-series value (raw counts,
// calibration is applied at export). High-pass and band-pass outputs swing around zero, so they are
// written centred on the ADC's mid-scale, 2^(adc_bits − 1), and clamped to its range: records stay
// unsigned counts of the same scale as the raw ones. Exact formulas and rounding:
// docs/capture-processing.md.
//
// Cost: one switch per stage per buffer, then a tight loop per stage; divisions by the window or
// decimation factor are multiplications by a precomputed reciprocal (exact for these ranges).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/expected.hpp"

namespace ss {
class Text;
}

namespace ss::capture {

/// Largest moving-average window, in samples (its history is a fixed member).
inline constexpr std::uint32_t max_moving_average_window = 256;
/// Largest decimation factor.
inline constexpr std::uint32_t max_decimation_factor = 4096;
/// Most stages in one channel's chain.
inline constexpr std::uint32_t max_filter_stages = 4;

/// What one stage does.
enum class FilterKind : std::uint8_t {
    none = 0,       ///< skipped
    moving_average, ///< mean of the last `window` samples (at most one such stage per chain)
    decimate,       ///< one output per `factor` inputs
    low_pass,       ///< first-order IIR: y += alpha · (x − y)
    high_pass,      ///< first-order: x − low_pass(x), centred on mid-scale (ProcessingConfig::adc_bits)
    band_pass,      ///< high-pass at low_hz, then low-pass at high_hz, centred like high_pass
};

/// How a decimation stage makes its one output per group of `factor` inputs.
enum class DecimationMode : std::uint8_t {
    pick_first, ///< the group's first sample; the others are dropped (no anti-aliasing)
    average,    ///< the group's rounded mean (a boxcar anti-alias filter); output when the group is complete
};

/// One stage's parameters; only those of its kind are read.
struct FilterStage {
    FilterKind kind = FilterKind::none;
    std::uint32_t window = 0;   ///< moving_average: 1 .. max_moving_average_window samples
    std::uint32_t factor = 0;   ///< decimate: 1 .. max_decimation_factor
    DecimationMode mode = DecimationMode::average; ///< decimate
    std::uint32_t alpha_q16 = 0; ///< low_pass: alpha · 65536, 1 .. 65536 (65536 passes through);
                                 ///< high_pass: that of the low-pass it subtracts (65536 passes
                                 ///< nothing); 0 = derive from cutoff_hz and the sample rate
    double cutoff_hz = 0.0;      ///< low_pass, high_pass with alpha_q16 == 0: 0 < cutoff_hz < the
                                 ///< stage's sample rate / 2
    double low_hz = 0.0;         ///< band_pass: the high-pass edge, 0 < low_hz < high_hz
    double high_hz = 0.0;        ///< band_pass: the low-pass edge, high_hz < the stage's sample rate / 2
};

/// A channel's processing: stages applied in order, then the summary.
struct ProcessingConfig {
    double sample_rate_hz = 0.0; ///< nominal rate of the input samples; 0 = unknown (then no
                                 ///< cutoff_hz and a summary duration of 0 unless a clock gives one)
    FilterStage stages[max_filter_stages] = {};
    bool summarize = true;       ///< compute the per-buffer summary (costs a pass over the input)
    std::uint8_t adc_bits = 12;  ///< resolution of the input counts, 1 .. 16: high_pass and band_pass
                                 ///< output 2^(adc_bits − 1) + y, clamped to 0 .. 2^adc_bits − 1
};

/// Per-buffer summary of the *input* samples (seed 000's ProcessedData).
struct BufferSummary {
    std::uint16_t min = 0;          ///< smallest sample (0 for an empty buffer)
    std::uint16_t max = 0;          ///< largest sample
    std::uint16_t mean = 0;         ///< mean, rounded half up
    std::uint32_t count = 0;        ///< samples in the buffer
    std::uint64_t duration_us = 0;  ///< count / sample rate (nominal unless a SampleClock measured it)
};

/// What one process() call produced.
struct Processed {
    std::size_t produced = 0;  ///< values written to the output
    BufferSummary summary{};   ///< all zero when summaries are off
};

namespace detail {

/// Division by a constant n (1 .. 4096) of a numerator below 65536·n + n, as a multiply and a
/// shift: floor(x · ceil(2^40 / n) / 2^40) equals floor(x / n) there (x · n < 2^40).
struct Reciprocal {
    std::uint64_t multiplier = 0;
    std::uint32_t divisor = 1;

    static Reciprocal of(std::uint32_t n) noexcept {
        return Reciprocal{((std::uint64_t{1} << 40) + n - 1) / n, n};
    }
    /// round(sum / divisor), halves rounded up.
    std::uint32_t rounded(std::uint32_t sum) const noexcept {
        return static_cast<std::uint32_t>((std::uint64_t{sum + divisor / 2} * multiplier) >> 40);
    }
};

struct StageState {
    FilterKind kind = FilterKind::none;
    DecimationMode mode = DecimationMode::average;
    std::uint16_t midscale = 0;   // high/band pass: the output of a zero signal, 2^(adc_bits − 1)
    std::uint32_t parameter = 0;  // window, factor or the alpha_q16 of smooth_q16
    Reciprocal reciprocal{};      // by window or factor
    std::uint32_t position = 0;   // moving average: next history slot; decimate: place in group
    std::uint32_t filled = 0;     // moving average: samples in the history (≤ window)
    std::uint32_t sum = 0;        // moving average: sum of the history; decimate: of the group
    std::uint32_t band_alpha_q16 = 0; // band pass: alpha of the low-pass at high_hz
    std::int64_t smooth_q16 = 0;  // low/high/band pass: the low-pass state · 65536 (low pass: its
                                  // output; high and band pass: what they subtract from the input)
    std::int64_t band_q16 = 0;    // band pass: output before centring · 65536 (signed)
    bool primed = false;          // low/high/band pass: has seen its first sample
};

} // namespace detail

/// One channel's processing chain with its state.
class ChannelProcessor {
public:
    ChannelProcessor() noexcept = default;

    /// Checks `cfg` (why names the stage and field on error; nothing changes then) and starts with
    /// fresh state. Without a successful configure the processor passes samples through.
    Expected<void> configure(const ProcessingConfig& cfg, Text& why) noexcept;

    /// Forgets the signal's history (moving-average window, decimation phase, filter states)
    /// and keeps the configuration: the next sample starts a new signal.
    void reset() noexcept;

    /// Output values one process() of `input_count` samples may need room for (the chain works
    /// in place in the output, so it is the largest count any stage produces).
    std::size_t required_output(std::size_t input_count) const noexcept;

    /// Runs the chain over `samples` (every `stride`-th one starting at the first, for
    /// interleaved multi-channel buffers; stride ≥ 1) into `out`. invalid_argument, and no state
    /// changes, if stride is 0 or out is smaller than required_output(sample count).
    Expected<Processed> process(std::span<const std::uint16_t> samples, std::span<std::uint32_t> out,
                                std::size_t stride = 1) noexcept;

    /// The configuration in force.
    const ProcessingConfig& config() const noexcept { return cfg_; }

private:
    ProcessingConfig cfg_{};
    /// µs per input sample in 32.32 fixed point, from sample_rate_hz at configure (0 = unknown):
    /// the per-buffer summary's duration in integers, so that process() does no double
    /// arithmetic, which the Cortex-M4F does in software.
    std::uint64_t sample_period_whole_us_ = 0;
    std::uint32_t sample_period_frac_q32_ = 0;
    detail::StageState stages_[max_filter_stages] = {};
    std::uint32_t stage_count_ = 0;
    std::uint16_t history_[max_moving_average_window] = {};
};

} // namespace ss::capture
