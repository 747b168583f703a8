// Time arithmetic and deadline sleeps shared by the simulated devices (private to hal/posix/capture).
#pragma once

#include <atomic>
#include <cstdint>

namespace ss::capture::detail {

/// CLOCK_MONOTONIC in nanoseconds.
std::uint64_t monotonic_ns() noexcept;

/// Sleeps until the absolute CLOCK_MONOTONIC time deadline_ns (clock_nanosleep, TIMER_ABSTIME),
/// waking at least every few milliseconds to watch `stop`, so a stop is noticed quickly even when
/// events are seconds apart. Returns at once for a deadline in the past. false if stop was set.
bool sleep_until_ns(std::uint64_t deadline_ns, const std::atomic<bool>& stop) noexcept;

/// The exact time, in ns, that `units` ticks of a clock of `per_second` ticks per second take
/// (truncated), without overflow for any realistic count: samples → time, bits → time.
constexpr std::uint64_t units_to_ns(std::uint64_t units, std::uint64_t per_second) noexcept {
    constexpr std::uint64_t ns_per_s = 1'000'000'000;
    return units / per_second * ns_per_s + units % per_second * ns_per_s / per_second;
}

/// SplitMix64: a counter-based generator, so a value depends only on (seed, index), not on
/// how many values were drawn before (reproducible across runs with different timing).
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x += 0x9E37'79B9'7F4A'7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D0'49BB'1331'11EBull;
    return x ^ (x >> 31);
}

} // namespace ss::capture::detail
