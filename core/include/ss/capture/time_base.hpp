// One timeline for every capture source: turns a monotonic time, or a sample index through the
// source's SampleClock, into the millisecond timestamp an event record is stored with — UTC ms
// once UTC is known, monotonic ms before (003 §1), and says which. The store keeps that value raw
// and never rewrites it (003 §19), so the decision is made here, at capture time.
//
// Not thread-safe: one owner (the processing stage) stamps and forwards set_utc().
#pragma once

#include <cstdint>

#include "ss/capture/sample_clock.hpp"
#include "ss/capture/timestamp.hpp"
#include "ss/capture/utc_clock.hpp"
#include "ss/expected.hpp"

namespace ss::capture {

/// Event timestamps for every source of one device.
class TimeBase {
public:
    TimeBase() noexcept = default;

    /// Replaces the UTC policy and forgets UTC (see UtcClock::configure).
    Expected<void> configure_utc(const UtcClock::Config& cfg, Text& why) noexcept;

    /// UTC was `utc_ms` at `monotonic_us` (see UtcClock::set_utc).
    Expected<UtcClock::Change> set_utc(std::uint64_t monotonic_us, std::uint64_t utc_ms) noexcept;

    /// The timestamp for something that happened at `monotonic_us`: UTC ms when UTC is known,
    /// else monotonic ms. For non-decreasing inputs the result never decreases within one domain
    /// and UTC generation; it jumps when UTC becomes known and at a step (back, for a backward one).
    Timestamp stamp(std::uint64_t monotonic_us) noexcept;

    /// The timestamp for sample `index` of the source `clock` times; try_again while that clock
    /// has no observation.
    Expected<Timestamp> stamp_sample(SampleClock& clock, std::uint64_t index) noexcept;

    /// The UTC mapping (its counters, drift, whether UTC is known).
    const UtcClock& utc() const noexcept { return utc_; }

    /// Stamps that were held back so as not to go back in time (a correction moved the mapping).
    std::uint32_t held_stamps() const noexcept { return held_; }

private:
    UtcClock utc_{};
    // The no-going-back hold, per domain and UTC generation.
    bool hold_valid_ = false;
    TimeDomain hold_domain_ = TimeDomain::monotonic;
    std::uint32_t hold_generation_ = 0;
    std::uint64_t hold_mono_us_ = 0;
    std::uint64_t hold_ms_ = 0;
    std::uint32_t held_ = 0;
};

} // namespace ss::capture
