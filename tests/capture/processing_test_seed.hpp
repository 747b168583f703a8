// The seed of the capture-processing suites' random inputs: fixed so runs repeat, printed so a
// failure can be replayed, overridable with SS_TEST_SEED to explore other inputs.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>

namespace ss::test {

inline std::uint32_t capture_test_seed(std::uint32_t fixed) {
    std::uint32_t seed = fixed;
    if (const char* text = std::getenv("SS_TEST_SEED")) seed = static_cast<std::uint32_t>(std::strtoul(text, nullptr, 0));
    MESSAGE("random seed " << seed << " (SS_TEST_SEED overrides)");
    return seed;
}

} // namespace ss::test
