// The check fuzz_config runs on one input, shared with the replay of its seed corpus and
// regressions in the normal build (config_replay_test.cpp): the input is a config file's text.
//  - loading never crashes (ASan, UBSan) and a refusal has a reason, names the file (there are no
//    arguments to blame) and a line inside it (or none);
//  - an accepted configuration gives a spec that passes check_spec again;
//  - its dump loads again, to an equal spec and to the same dump.
// Returns "" if all of that holds, else what broke.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ss/config/gateway_config.hpp"
#include "ss/config/spec_check.hpp"

namespace ss::fuzz {

inline std::string check_config(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    config::GatewayConfig cfg;
    config::ConfigError error;
    if (!cfg.load_text({}, "fuzz.ini", text, error)) {
        if (error.message.empty()) return "a refusal without a reason: " + error.to_string();
        if (error.file != "fuzz.ini") return "a refusal without arguments blames the command line: " + error.to_string();
        const auto lines = static_cast<std::uint32_t>(std::count(text.begin(), text.end(), '\n')) + 1;
        if (error.line > lines) return "a refusal names a line past the end: " + error.to_string();
        return {};
    }
    if (auto problem = config::check_spec(cfg.spec()))
        return "an accepted spec fails check_spec: " + problem->key + ": " + problem->reason;
    const std::string dump = cfg.dump();
    config::GatewayConfig again;
    if (!again.load_text({}, "dump.ini", dump, error)) return "the dump of an accepted config is refused: " + error.to_string();
    if (const std::string diff = config::spec_difference(cfg.spec(), again.spec()); !diff.empty())
        return "the dump reads back as another spec: " + diff;
    // The first line names the file the dump came from.
    const std::string dump2 = again.dump();
    if (dump.substr(dump.find('\n')) != dump2.substr(dump2.find('\n'))) return "the dump of the dump differs";
    return {};
}

} // namespace ss::fuzz
