// Puts the samples of one DMA-driven source on the platform's monotonic clock.
//
// A source converts samples at a nominal rate from its own crystal; each DMA half-transfer
// interrupt reports "sample N was the last one of this half" together with the monotonic time the
// interrupt ran. The interrupt runs late by a variable latency (tens of µs, sometimes much more),
// and the crystal is off by some ppm, so neither the nominal rate nor one observation alone gives
// good sample times. SampleClock fits a line (sample index → µs): the slope is a median of slopes
// between the least delayed observations of several intervals, the offset the lower envelope of
// the latest observations, so late callbacks do not pull it. It keeps its output from going back
// in time when the fit changes, and starts over when the observations jump (sample counter reset,
// lost samples). docs/capture-processing.md has the model and its limits.
//
// Not thread-safe: one owner (the processing stage) calls observe() and the conversions. Plain
// numbers in, plain numbers out; it never reads a clock.
#pragma once

#include <cstdint>

#include "ss/expected.hpp"

namespace ss {
class Text;
}

namespace ss::capture {

/// One source's sample index → monotonic time mapping, estimated from DMA completion times.
class SampleClock {
public:
    /// Most observations one fit uses.
    static constexpr std::uint32_t max_window = 32;

    /// How to estimate. Every field says its unit; zero is invalid unless a field says otherwise.
    struct Config {
        double nominal_rate_hz = 0.0;             ///< samples per second the source was set up for; > 0
        std::uint32_t window = 16;                ///< rate points in the fit, 4..max_window
        std::uint32_t fit_span_us = 1'000'000;    ///< time the rate points should cover: one point per
                                                  ///< fit_span_us / window (the least delayed observation
                                                  ///< of that interval). 0 = every observation a point
        std::uint32_t max_rate_error_ppm = 20'000; ///< bound on |real rate / nominal - 1|, 1..500'000;
                                                   ///< estimates are clamped to it
        std::uint32_t tolerance_us = 1'000;       ///< how far (beyond the rate bound's share) an observation
                                                  ///< may sit from the prediction and still agree with it
        std::uint32_t resync_after = 3;           ///< this many disagreeing observations in a row, all
                                                  ///< off by about the same amount and spanning at least
                                                  ///< resync_after_us, mean the timeline jumped: start
                                                  ///< over from the newest; >= 1
        std::uint32_t resync_after_us = 10'000;   ///< see resync_after: longer than a burst of late
                                                  ///< callbacks can last; 0 = count only
    };

    /// What one observation did.
    enum class Observation : std::uint8_t {
        first,        ///< the first one: the clock is now synchronised (nominal rate so far)
        accepted,     ///< agreed with the prediction and went into the fit
        outlier,      ///< disagreed (a late callback, or the start of a jump); not used
        resynced,     ///< started over from this observation (jump confirmed, observation earlier
                      ///< than the fit allows, or counter went back)
        duplicate,    ///< same sample index as the previous one; ignored
        unconfigured, ///< configure() has not succeeded; ignored
    };

    /// Counts since configure().
    struct Counters {
        std::uint32_t observations = 0;   ///< every observe() call on a configured clock
        std::uint32_t accepted = 0;       ///< went into the fit (incl. the first after a (re)start)
        std::uint32_t outliers = 0;       ///< disagreed with the prediction
        std::uint32_t resyncs = 0;        ///< start-overs after a confirmed jump (observations later
                                          ///< than the fit by about the same amount for a while)
        std::uint32_t early_restarts = 0; ///< start-overs at an observation earlier than the fit allows
        std::uint32_t counter_resets = 0; ///< start-overs because the sample index went back
        std::uint32_t duplicates = 0;     ///< repeated sample index
        std::uint32_t clamped_outputs = 0; ///< conversions held back to keep time from going backwards
    };

    SampleClock() noexcept = default;

    /// Checks `cfg` and starts unsynchronised. On error (why says which field) nothing changes.
    Expected<void> configure(const Config& cfg, Text& why) noexcept;

    /// Feeds one DMA completion: `last_sample_index` is the index of the last sample of the
    /// finished half (counting from the source's start), `completion_us` the monotonic time the
    /// completion was seen. Indices must grow; a smaller one means the counter was reset.
    Observation observe(std::uint64_t last_sample_index, std::uint64_t completion_us) noexcept;

    /// Starts over at this observation at once (the caller knows of an overrun or a restart of
    /// the source). Keeps the rate estimate: the crystal did not change.
    void resynchronize(std::uint64_t last_sample_index, std::uint64_t completion_us) noexcept;

    /// Monotonic µs at which sample `index` was converted. try_again before the first observation.
    /// Never earlier than a time this function returned for a smaller or equal index, also across
    /// re-estimates and start-overs (it holds at the latest such time instead); indices converted
    /// in increasing order therefore get non-decreasing times.
    Expected<std::uint64_t> to_monotonic_us(std::uint64_t index) noexcept;

    /// The fit's own answer for `index`, without the no-going-back hold. try_again if unsynchronised.
    Expected<std::uint64_t> predict_us(std::uint64_t index) const noexcept;

    /// True after the first observation.
    bool synchronized() const noexcept { return synchronized_; }

    /// The rate the fit currently uses, in samples per second (the nominal one until it has two
    /// observations).
    double estimated_rate_hz() const noexcept;

    /// The current estimate's deviation from the nominal rate, in ppm (positive: faster).
    double rate_error_ppm() const noexcept;

    /// Counters since configure().
    const Counters& counters() const noexcept { return counters_; }

    /// The configuration in force.
    const Config& config() const noexcept { return cfg_; }

private:
    struct Point {
        std::uint64_t index;
        std::uint64_t time_us;
    };

    void start_over(std::uint64_t index, std::uint64_t time_us) noexcept;
    void add_point(std::uint64_t index, std::uint64_t time_us) noexcept;
    std::int64_t residual_us(const Point& p) const noexcept; // observed − fitted
    void refit() noexcept;
    std::int64_t model_us(std::uint64_t index) const noexcept;
    const Point& point(std::uint32_t age) const noexcept; // 0 = oldest

    Config cfg_{};
    bool configured_ = false;
    bool synchronized_ = false;
    std::uint64_t nominal_period_q32_ = 0; // µs per sample, 32 fractional bits
    std::uint64_t min_period_q32_ = 0;
    std::uint64_t max_period_q32_ = 0;
    std::uint32_t spacing_us_ = 0;

    // Rate points, one per fit_span_us / window; the newest is the current interval's candidate.
    Point window_[max_window] = {};
    std::uint32_t first_ = 0; // slot of the oldest point
    std::uint32_t count_ = 0;
    std::uint64_t interval_start_us_ = 0;
    // The latest accepted observations, for the offset.
    static constexpr std::uint32_t max_recent = 8;
    static constexpr std::uint32_t all_pairs_up_to = 8; // 28 pairs: fits the slope buffer
    Point recent_[max_recent] = {};
    std::uint32_t recent_first_ = 0;
    std::uint32_t recent_count_ = 0;

    // The fit: time(index) = anchor_us_ + (index - anchor_index_) * period_q32_ / 2^32.
    std::uint64_t anchor_index_ = 0;
    std::int64_t anchor_us_ = 0;
    std::uint64_t period_q32_ = 0;
    bool slope_estimated_ = false; // period_q32_ came from rate points, not from the nominal rate
    // How far an estimated slope is trusted when it extrapolates recent observations (settled
    // estimates are within a few tens of ppm; this leaves room).
    static constexpr std::uint32_t estimated_rate_uncertainty_ppm = 200;

    std::uint64_t last_index_ = 0; // of the newest observation, accepted or not
    std::uint32_t disagreeing_ = 0;       // consecutive disagreeing observations that agree with each other
    std::int64_t streak_residual_ = 0;   // the first one's distance from the prediction, µs
    std::uint64_t streak_start_us_ = 0;  // and its completion time

    // The no-going-back hold: the largest index converted so far and the time returned for it.
    bool hold_valid_ = false;
    std::uint64_t hold_index_ = 0;
    std::uint64_t hold_us_ = 0;

    Counters counters_{};
};

} // namespace ss::capture
