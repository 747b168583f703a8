// Replays the fuzz targets' seed corpus and their regressions through the same checks the fuzz
// targets run (fuzz_checks.hpp), in the normal build with any compiler. A crash or broken
// invariant found by scripts/fuzz.sh becomes a regression test by copying its input into
// tests/fuzz/regressions/meta/ or tests/fuzz/regressions/scanner/.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "compact_fuzz_check.hpp"
#include "fuzz_checks.hpp"
#include "uplink_fuzz_check.hpp"

#ifndef SS_FUZZ_DIR
#error "SS_FUZZ_DIR must name tests/fuzz"
#endif

namespace fs = std::filesystem;

namespace {

/// The input files of dir (sub-path of tests/fuzz), sorted; README files are not inputs.
std::vector<fs::path> inputs(const char* dir) {
    std::vector<fs::path> out;
    const fs::path root = fs::path(SS_FUZZ_DIR) / dir;
    if (!fs::is_directory(root)) return out;
    for (const auto& e : fs::directory_iterator(root)) {
        const std::string name = e.path().filename().string();
        if (!e.is_regular_file() || name.starts_with("README") || name.starts_with(".")) continue;
        out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::uint8_t> read_all(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

template <class Check>
void replay(const char* dir, Check check) {
    const auto files = inputs(dir);
    const std::string where = (fs::path(SS_FUZZ_DIR) / dir).string();
    INFO("directory " << where);
    REQUIRE_FALSE(files.empty());
    for (const auto& p : files) {
        const auto bytes = read_all(p);
        const std::string name = p.filename().string();
        INFO("input " << name << " (" << bytes.size() << " bytes)");
        const std::string broken = check(bytes.data(), bytes.size());
        CHECK_MESSAGE(broken.empty(), broken);
    }
}

} // namespace

TEST_CASE("every meta record in the fuzz seed corpus passes the fuzz checks") {
    replay("corpus/meta", ss::fuzz::check_meta_and_ledger);
}

TEST_CASE("every meta record regression input passes the fuzz checks") {
    replay("regressions/meta", ss::fuzz::check_meta_and_ledger);
}

TEST_CASE("every data file image in the fuzz seed corpus passes the unit scanner checks") {
    replay("corpus/scanner", ss::fuzz::check_scanner);
}

TEST_CASE("every data file image regression input passes the unit scanner checks") {
    replay("regressions/scanner", ss::fuzz::check_scanner);
}

TEST_CASE("every compact upload batch in the fuzz seed corpus passes the compact decoder checks") {
    replay("corpus/compact", ss::fuzz::check_compact);
}

TEST_CASE("every compact upload batch regression input passes the compact decoder checks") {
    replay("regressions/compact", ss::fuzz::check_compact);
}

TEST_CASE("every uplink byte stream in the fuzz seed corpus passes the uplink checks") {
    replay("corpus/uplink", ss::fuzz::check_uplink);
}

TEST_CASE("every uplink regression input passes the uplink checks") {
    replay("regressions/uplink", ss::fuzz::check_uplink);
}
