// libFuzzer target: arbitrary bytes as what the serial line brings the MCU-to-gateway uplink's
// receiver and sender (ss/uplink/). The checks are in uplink_fuzz_check.hpp; regression_test.cpp
// replays corpus/uplink and regressions/uplink through them. Built only with clang and SS_FUZZ
// (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "uplink_fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string broken = ss::fuzz::check_uplink(data, size);
    if (!broken.empty()) {
        std::fprintf(stderr, "fuzz_uplink_frame: invariant broken: %s\n", broken.c_str());
        std::abort();
    }
    return 0;
}
