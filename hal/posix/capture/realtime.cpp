#include "realtime.hpp"

#include <time.h>

#include <cerrno>

namespace ss::capture::detail {

namespace {
// Longest single sleep: bounds how long stop() waits for a device whose next event is far away.
constexpr std::uint64_t stop_check_ns = 20'000'000;

timespec to_timespec(std::uint64_t ns) noexcept {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    return ts;
}
} // namespace

std::uint64_t monotonic_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

bool sleep_until_ns(std::uint64_t deadline_ns, const std::atomic<bool>& stop) noexcept {
    for (;;) {
        if (stop.load(std::memory_order_acquire)) return false;
        const std::uint64_t now = monotonic_ns();
        if (now >= deadline_ns) return true;
        // Absolute deadlines: a wake-up that comes late does not push the following ones back.
        const std::uint64_t until = deadline_ns - now > stop_check_ns ? now + stop_check_ns : deadline_ns;
        const timespec ts = to_timespec(until);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
        }
    }
}

} // namespace ss::capture::detail
