// libFuzzer target: arbitrary bytes as the actor config file (ss::config::GatewayConfig).
// The checks are in config_fuzz_check.hpp; config_replay_test.cpp replays corpus/config/ and
// regressions/config/ through them. Built only with clang and SS_FUZZ (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "config_fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string broken = ss::fuzz::check_config(data, size);
    if (!broken.empty()) {
        std::fprintf(stderr, "fuzz_config: invariant broken: %s\n", broken.c_str());
        std::abort();
    }
    return 0;
}
