// Runs ss-store as a subprocess, as an operator's shell would, and keeps its exit status,
// standard output and standard error apart; and a digest of a directory tree, to show that a
// command left a store exactly as it was.
#pragma once

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "ss/crc32c.hpp"

namespace ss::test {

struct ToolRun {
    int status = -1;
    std::string out;
    std::string err;
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// ss-store with `args` (each quoted for the shell); stdin from /dev/null.
inline ToolRun run_tool(const std::vector<std::string>& args) {
    static int n = 0;
    const std::string base = std::filesystem::temp_directory_path() / ("ss-store-run-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    std::string cmd = "'" SS_STORE_TOOL "'";
    for (const std::string& a : args) cmd += " '" + a + "'";
    cmd += " </dev/null >'" + base + ".out' 2>'" + base + ".err'";
    ToolRun r;
    const int raw = std::system(cmd.c_str());
    REQUIRE(WIFEXITED(raw));
    r.status = WEXITSTATUS(raw);
    r.out = slurp(base + ".out");
    r.err = slurp(base + ".err");
    std::filesystem::remove(base + ".out");
    std::filesystem::remove(base + ".err");
    return r;
}

/// Every path below `dir` with its type, size and a CRC32C of its content: equal digests mean
/// nothing was added, removed or changed.
inline std::string tree_digest(const std::filesystem::path& dir) {
    std::vector<std::string> lines;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        std::ostringstream l;
        l << e.path().lexically_relative(dir).string() << " " << static_cast<int>(e.symlink_status().type());
        if (e.is_regular_file()) {
            const std::string c = slurp(e.path());
            l << " " << c.size() << " " << crc32c(reinterpret_cast<const std::byte*>(c.data()), c.size());
        }
        lines.push_back(l.str());
    }
    std::sort(lines.begin(), lines.end());
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    return all;
}

/// Lines of text.
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

} // namespace ss::test
