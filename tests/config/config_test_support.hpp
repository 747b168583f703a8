// Helpers of the config tests: a config file in a temporary directory, loading it with arguments,
// and the expectation that a text is refused at a given key and line for a given reason.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ss/config/gateway_config.hpp"
#include "ss/config/spec_check.hpp"

namespace ss::config::test {

struct ConfigFile {
    explicit ConfigFile(const std::string& text) {
        char tmpl[] = "/tmp/ss-config-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        dir = tmpl;
        path = dir + "/gateway.ini";
        std::ofstream(path) << text;
    }
    ~ConfigFile() { std::filesystem::remove_all(dir); }
    ConfigFile(const ConfigFile&) = delete;
    ConfigFile& operator=(const ConfigFile&) = delete;
    std::string dir;
    std::string path;
};

struct Loaded {
    bool ok = false;
    ConfigError error;
};

inline Loaded load(GatewayConfig& cfg, const std::string& file, std::vector<std::string> args = {}) {
    std::vector<std::string> all{"gateway"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    Loaded r;
    r.ok = cfg.load(static_cast<int>(argv.size()), argv.data(), file, r.error);
    return r;
}

/// Loads `text` from a file (arguments `args`) and expects a refusal naming `key` at `line`
/// (0: no line) with `words` in its message, printed as "FILE:LINE: KEY: ...".
inline void refused(const std::string& text, const std::string& key, std::uint32_t line, const std::string& words,
                    std::vector<std::string> args = {}) {
    ConfigFile f(text);
    GatewayConfig cfg;
    const Loaded r = load(cfg, f.path, std::move(args));
    INFO(text);
    INFO(r.error.to_string());
    REQUIRE_FALSE(r.ok);
    CHECK(r.error.file == f.path);
    CHECK(r.error.key == key);
    CHECK(r.error.line == line);
    CHECK(r.error.message.find(words) != std::string::npos);
    const std::string where = line == 0 ? f.path : f.path + ":" + std::to_string(line);
    CHECK(r.error.to_string() == where + ": " + key + ": " + r.error.message);
}

/// Loads `text` and expects it to pass; the spec is left in `cfg`.
inline void accepted(GatewayConfig& cfg, const std::string& text, std::vector<std::string> args = {}) {
    ConfigFile f(text);
    const Loaded r = load(cfg, f.path, std::move(args));
    INFO(text);
    REQUIRE_MESSAGE(r.ok, r.error.to_string());
}

/// A RAM-only gateway must say where its archive goes (or upload nothing).
inline constexpr const char* no_upload = "[uploader]\ntransport = 'none'\n";

/// `text` with its line `n` (1-based) replaced by `lines` (which may be several lines).
inline std::string with_line(const std::string& text, int n, const std::string& lines) {
    std::istringstream in(text);
    std::string out, line;
    for (int i = 1; std::getline(in, line); ++i) out += (i == n ? lines : line) + "\n";
    return out;
}

/// Loads `cfg`'s dump (as a file) and checks it gives the same spec again, and the same dump.
inline void reloads_as(const GatewayConfig& cfg) {
    const std::string dump = cfg.dump();
    GatewayConfig again;
    ConfigFile f(dump);
    const Loaded r = load(again, f.path);
    INFO(dump);
    REQUIRE_MESSAGE(r.ok, r.error.to_string());
    CHECK(spec_difference(cfg.spec(), again.spec()) == "");
    // A second round writes the same text but for the file name in the first line.
    const std::string dump2 = again.dump();
    CHECK(dump.substr(dump.find('\n')) == dump2.substr(dump2.find('\n')));
}

} // namespace ss::config::test
