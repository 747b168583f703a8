// libFuzzer target: a record type byte, a unit size byte (32/64/256/4096) and a data file image,
// whose unit-sized slots go through one ss::disk::UnitScanner as recovery feeds them.
// The checks are in fuzz_checks.hpp (check_scanner); regression_test.cpp replays the corpus and
// tests/fuzz/regressions/scanner/ through them. Built only with clang and SS_FUZZ (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string broken = ss::fuzz::check_scanner(data, size);
    if (!broken.empty()) {
        std::fprintf(stderr, "fuzz_unit_scanner: invariant broken: %s\n", broken.c_str());
        std::abort();
    }
    return 0;
}
