// Maps the platform's monotonic clock to UTC once UTC is known (NTP, GNSS or the cloud tells the
// gateway at run time). Small corrections are slewed (absorbed at a bounded rate, so the UTC it
// produces never goes backwards); large ones are stepped and counted. The rate difference between
// the monotonic clock and UTC (drift) is estimated from successive corrections.
// docs/capture-processing.md has the model, its formulas and what a backward step means.
//
// Not thread-safe: one owner calls set_utc() and the conversions (the time base's owner).
#pragma once

#include <cstdint>

#include "ss/expected.hpp"

namespace ss {
class Text;
}

namespace ss::capture {

/// Monotonic µs → UTC µs, with slew, step and drift handling.
class UtcClock {
public:
    /// Policy. The defaults are usable as they are.
    struct Config {
        std::uint32_t step_threshold_ms = 1'000;  ///< corrections larger than this (either sign) are
                                                  ///< stepped, smaller ones slewed; 1 .. 1'000'000
        std::uint32_t max_slew_ppm = 500;         ///< rate at which a slew is absorbed; 1 .. 100'000
        std::uint32_t drift_min_baseline_s = 60;  ///< monotonic time between the reference correction
                                                  ///< and a later one before drift is estimated; >= 1
        std::uint32_t max_drift_ppm = 500;        ///< estimates beyond ± this are clamped; 0 .. 100'000
    };

    /// What a set_utc() call did.
    enum class Change : std::uint8_t {
        initial,          ///< UTC became known
        slewed,           ///< the offset (possibly zero) is being absorbed gradually
        stepped_forward,  ///< UTC jumped ahead by more than the step threshold
        stepped_backward, ///< UTC jumped back by more than the step threshold
    };

    /// Counts since configure() (or construction).
    struct Counters {
        std::uint32_t corrections = 0;    ///< accepted set_utc() calls, the initial one included
        std::uint32_t slews = 0;          ///< corrections absorbed by slewing (non-zero offset)
        std::uint32_t steps_forward = 0;  ///< corrections applied as a forward step
        std::uint32_t steps_backward = 0; ///< corrections applied as a backward step
        std::uint32_t rejected = 0;       ///< set_utc() calls refused (monotonic time went back)
        std::int64_t last_offset_us = 0;  ///< UTC told minus UTC predicted at the last correction
    };

    UtcClock() noexcept = default;

    /// Replaces the policy and forgets UTC. On error (why says which field) nothing changes.
    Expected<void> configure(const Config& cfg, Text& why) noexcept;

    /// UTC was `utc_ms` at monotonic time `monotonic_us`. invalid_argument (and nothing changes)
    /// if monotonic_us is earlier than the previous accepted call's, or utc_ms is 0 or beyond
    /// year ~292'000 (2^63 µs).
    Expected<Change> set_utc(std::uint64_t monotonic_us, std::uint64_t utc_ms) noexcept;

    /// True once set_utc() has succeeded.
    bool known() const noexcept { return known_; }

    /// UTC µs at `monotonic_us`; try_again while UTC is unknown. Non-decreasing in monotonic_us
    /// between two corrections, and continuous across a slewed correction at its monotonic time.
    Expected<std::uint64_t> to_utc_us(std::uint64_t monotonic_us) const noexcept;

    /// to_utc_us() in whole milliseconds (rounded down).
    Expected<std::uint64_t> to_utc_ms(std::uint64_t monotonic_us) const noexcept;

    /// Estimated rate of UTC against the monotonic clock, in ppb (positive: the monotonic clock
    /// is slow). 0 until a baseline of drift_min_baseline_s exists.
    std::int64_t drift_ppb() const noexcept { return drift_ppb_; }

    /// Offset still to be absorbed at `monotonic_us` by the slew in progress, in µs.
    std::int64_t pending_slew_us(std::uint64_t monotonic_us) const noexcept;

    /// Bumped by every step (either direction): UTC values of different generations are on
    /// different timelines and must not be compared for ordering.
    std::uint32_t generation() const noexcept { return counters_.steps_forward + counters_.steps_backward; }

    /// Counters since configure().
    const Counters& counters() const noexcept { return counters_; }

    /// The policy in force.
    const Config& config() const noexcept { return cfg_; }

private:
    std::int64_t map_us(std::uint64_t monotonic_us) const noexcept;

    Config cfg_{};
    bool known_ = false;
    // UTC µs = utc_anchor_ + elapsed + elapsed·(drift + slew rate) while the slew runs, then at
    // drift alone; elapsed = monotonic µs - mono_anchor_.
    std::uint64_t mono_anchor_ = 0;
    std::int64_t utc_anchor_ = 0;
    std::int64_t drift_ppb_ = 0;
    std::int64_t slew_ppb_ = 0;     // signed rate of the slew in progress
    std::int64_t slew_us_ = 0;      // the offset the slew absorbs
    std::int64_t slew_end_us_ = 0;  // elapsed µs at which it is absorbed
    // The reference correction drift is measured from: the first after UTC became known or stepped.
    std::uint64_t ref_mono_us_ = 0;
    std::int64_t ref_utc_us_ = 0;
    std::uint64_t last_mono_us_ = 0;
    Counters counters_{};
};

} // namespace ss::capture
