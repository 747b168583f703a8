// How late a source's events were delivered compared with when the hardware would have raised
// them. Hardware is on time; a simulation thread or an interrupt handler may not be (preemption,
// masked interrupts), and the time base must know how much jitter its inputs carry.
#pragma once

#include <cstdint>

namespace ss::capture {

/// Lateness of delivered events: callback time minus the ideal (hardware) time.
struct LatenessStats {
    std::uint64_t events = 0;   ///< events measured
    std::uint64_t max_us = 0;   ///< worst lateness, µs
    std::uint64_t total_us = 0; ///< sum of lateness, µs (for the mean)

    /// Mean lateness in µs; 0 before the first event.
    double mean_us() const noexcept {
        return events == 0 ? 0.0 : static_cast<double>(total_us) / static_cast<double>(events);
    }
};

} // namespace ss::capture
