// Helpers shared by the capture-source suites: the seed (printed, overridable by SS_TEST_SEED),
// bounded waits that sleep, and process CPU time.
#pragma once

#include <doctest/doctest.h>

#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>

namespace ss_test {

/// SS_TEST_SEED if set, else `fallback`; printed so a failing run can be repeated.
inline std::uint64_t test_seed(std::uint64_t fallback) {
    std::uint64_t seed = fallback;
    if (const char* text = std::getenv("SS_TEST_SEED"); text != nullptr && *text != '\0')
        seed = std::strtoull(text, nullptr, 0);
    MESSAGE("seed " << seed << " (set SS_TEST_SEED to repeat)");
    return seed;
}

/// Sleeps in 1 ms steps until pred() holds or `timeout` passes; returns pred().
template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= end) return pred();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

/// CPU time used by the whole process so far, in µs.
inline std::uint64_t process_cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

/// A tiny deterministic generator for test data (SplitMix64).
struct TestRng {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E37'79B9'7F4A'7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
        return z ^ (z >> 31);
    }
    /// Uniform in [lo, hi].
    std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + next() % (hi - lo + 1); }
};

} // namespace ss_test
