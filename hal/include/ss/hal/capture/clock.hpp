// The monotonic microsecond clock every capture source stamps its events with. One clock for all
// sources puts them on one timeline (the time base in core/ turns these readings into record
// timestamps). On STM32 a free-running timer implements it; on POSIX, CLOCK_MONOTONIC.
#pragma once

#include <cstdint>

namespace ss::capture {

/// A clock that never goes backwards, in microseconds since an arbitrary origin (boot on POSIX).
/// Safe to read from any thread (and, on an MCU, from an interrupt).
class MonotonicClock {
public:
    virtual ~MonotonicClock() = default;
    /// The current time in µs. Successive readings never decrease.
    virtual std::uint64_t now_us() const noexcept = 0;
};

/// CLOCK_MONOTONIC in µs: the clock the POSIX simulations and the SocketCAN source stamp with.
class PosixMonotonicClock final : public MonotonicClock {
public:
    std::uint64_t now_us() const noexcept override;
};

/// The process-wide POSIX monotonic clock.
const MonotonicClock& posix_monotonic_clock() noexcept;

/// CLOCK_MONOTONIC in µs without going through the interface (same readings as the clock above).
std::uint64_t posix_monotonic_now_us() noexcept;

/// CLOCK_REALTIME in ms since the Unix epoch: what simulated sources stamp event records with
/// (and what teaches a time base UTC), read in one place rather than by each source.
std::uint64_t posix_utc_now_ms() noexcept;

} // namespace ss::capture
