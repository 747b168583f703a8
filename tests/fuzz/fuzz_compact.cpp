// libFuzzer target: arbitrary bytes as a compact upload batch (ss::upload::compact_decode), the
// decoder a gateway runs on what an MCU sends and a receiver on what a gateway sends.
// The checks are in compact_fuzz_check.hpp; regression_test.cpp replays corpus/compact and
// regressions/compact through them. Built only with clang and SS_FUZZ (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "compact_fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string broken = ss::fuzz::check_compact(data, size);
    if (!broken.empty()) {
        std::fprintf(stderr, "fuzz_compact: invariant broken: %s\n", broken.c_str());
        std::abort();
    }
    return 0;
}
