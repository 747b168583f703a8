// libFuzzer target: arbitrary bytes as a disk tier meta record (ss::disk::decode_meta), as a
// shutdown ledger (ss::disk::check_ledger) and as an acknowledgement log entry
// (ss::disk::decode_ack_entry).
// The checks are in fuzz_checks.hpp (check_meta_and_ledger); regression_test.cpp replays the corpus and
// tests/fuzz/regressions/meta/ through them. Built only with clang and SS_FUZZ (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string broken = ss::fuzz::check_meta_and_ledger(data, size);
    if (!broken.empty()) {
        std::fprintf(stderr, "fuzz_meta: invariant broken: %s\n", broken.c_str());
        std::abort();
    }
    return 0;
}
