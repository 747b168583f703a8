// Replays fuzz_config's seed corpus, its regressions and the example configurations through the
// fuzz target's check (config_fuzz_check.hpp), in the normal build with any compiler. A crash or
// broken invariant found by scripts/fuzz.sh becomes a regression test by copying its input into
// tests/fuzz/regressions/config/.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "config_fuzz_check.hpp"

#ifndef SS_FUZZ_DIR
#error "SS_FUZZ_DIR must name tests/fuzz"
#endif
#ifndef SS_CONFIG_EXAMPLES
#error "SS_CONFIG_EXAMPLES must name config/examples"
#endif

namespace fs = std::filesystem;

namespace {

// The input files of dir, sorted; README files are not inputs.
std::vector<fs::path> inputs(const fs::path& root) {
    std::vector<fs::path> out;
    if (!fs::is_directory(root)) return out;
    for (const auto& e : fs::directory_iterator(root)) {
        const std::string name = e.path().filename().string();
        if (!e.is_regular_file() || name.starts_with("README") || name.starts_with(".")) continue;
        out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

void replay(const fs::path& root) {
    const auto files = inputs(root);
    INFO("directory " << root.string());
    REQUIRE_FALSE(files.empty());
    for (const auto& p : files) {
        std::ifstream f(p, std::ios::binary);
        const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
        INFO("input " << p.filename().string() << " (" << bytes.size() << " bytes)");
        const std::string broken = ss::fuzz::check_config(bytes.data(), bytes.size());
        CHECK_MESSAGE(broken.empty(), broken);
    }
}

} // namespace

TEST_CASE("every config in the fuzz seed corpus passes the config fuzz check") {
    replay(fs::path(SS_FUZZ_DIR) / "corpus/config");
}

TEST_CASE("the seed corpus reaches the checks it is meant for: refused-* files are refused, the rest load") {
    // A seed that fails early would leave the deeper checks to chance.
    for (const auto& p : inputs(fs::path(SS_FUZZ_DIR) / "corpus/config")) {
        std::ifstream f(p);
        const std::string text{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
        ss::config::GatewayConfig cfg;
        ss::config::ConfigError error;
        const std::string name = p.filename().string();
        INFO(name << ": " << error.to_string());
        CHECK(cfg.load_text({}, name, text, error) != name.starts_with("refused-"));
    }
}

TEST_CASE("every config regression input passes the config fuzz check") {
    replay(fs::path(SS_FUZZ_DIR) / "regressions/config");
}

TEST_CASE("the example configurations pass the config fuzz check") {
    replay(SS_CONFIG_EXAMPLES);
}
