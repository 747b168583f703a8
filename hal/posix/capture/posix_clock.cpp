#include "ss/hal/capture/clock.hpp"

#include <time.h>

namespace ss::capture {

std::uint64_t posix_monotonic_now_us() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

std::uint64_t posix_utc_now_ms() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1'000'000u;
}

std::uint64_t PosixMonotonicClock::now_us() const noexcept { return posix_monotonic_now_us(); }

const MonotonicClock& posix_monotonic_clock() noexcept {
    static const PosixMonotonicClock clock;
    return clock;
}

} // namespace ss::capture
