// The timestamp an event record gets, and which clock it came from. 003 §1 stores UTC ms when the
// writer has UTC, else monotonic ms, with no flag in the record; the capture side still tells its
// caller which one it produced so that a gateway can log or count it.
#pragma once

#include <cstdint>

namespace ss::capture {

/// Which clock a timestamp is on.
enum class TimeDomain : std::uint8_t {
    monotonic = 0, ///< milliseconds of the platform's monotonic clock (since its boot)
    utc = 1,       ///< milliseconds since 1970-01-01T00:00:00Z
};

/// A timestamp for an event record: milliseconds on `domain`'s clock.
struct Timestamp {
    std::uint64_t ms = 0;
    TimeDomain domain = TimeDomain::monotonic;

    friend constexpr bool operator==(const Timestamp&, const Timestamp&) = default;
};

} // namespace ss::capture
