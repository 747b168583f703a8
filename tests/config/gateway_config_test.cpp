// The actor config file's [system] section: values reach the core's configuration, the command
// line overrides the file, and every kind of bad input is refused with the file, the key and
// the reason (where CAF alone would keep a default or accept an unknown key).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ss/config/gateway_config.hpp"

#ifndef SS_CONFIG_EXAMPLES
#error "SS_CONFIG_EXAMPLES must name config/examples"
#endif

namespace {

struct ConfigFile {
    explicit ConfigFile(const std::string& text) {
        char tmpl[] = "/tmp/ss-config-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        dir = tmpl;
        path = dir + "/gateway.ini";
        std::ofstream(path) << text;
    }
    ~ConfigFile() { std::filesystem::remove_all(dir); }
    std::string dir;
    std::string path;
};

struct Loaded {
    bool ok = false;
    ss::config::ConfigError error;
};

Loaded load(ss::config::GatewayConfig& cfg, const std::string& file, std::vector<std::string> args = {}) {
    std::vector<std::string> all{"gateway"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    Loaded r;
    r.ok = cfg.load(static_cast<int>(argv.size()), argv.data(), file, r.error);
    return r;
}

/// Loads `text` and expects a refusal naming `key` with `words` in its message.
void refused(const std::string& text, const std::string& key, const std::string& words) {
    ConfigFile f(text);
    ss::config::GatewayConfig cfg;
    const Loaded r = load(cfg, f.path);
    INFO(text);
    INFO(r.error.to_string());
    CHECK_FALSE(r.ok);
    CHECK(r.error.file == f.path);
    CHECK(r.error.key == key);
    CHECK(r.error.message.find(words) != std::string::npos);
    CHECK(r.error.to_string().find(f.path + ": " + key) == 0);
}

} // namespace

TEST_CASE("the [system] section reaches the core's configuration") {
    ConfigFile f("[system]\ndisk_root = \"/srv/ss\"\nmax_sensors = 300\nram_sector_bytes = 256\n"
                 "ram_pool_bytes = 307200\nram_high_watermark_pct = 90\nram_low_watermark_pct = 70\n"
                 "verify_level = 2\ntick = 50ms\nforce_seal_interval_ms = 5000\ncrc_enabled = true\n");
    ss::config::GatewayConfig cfg;
    const Loaded r = load(cfg, f.path);
    REQUIRE_MESSAGE(r.ok, r.error.to_string());
    const SsInitCfg c = cfg.storage();
    CHECK(std::string(c.disk_root) == "/srv/ss");
    CHECK(c.max_sensors == 300);
    CHECK(c.ram_sector_bytes == 256);
    CHECK(c.ram_pool_bytes == 307200);
    CHECK(c.ram_high_watermark_pct == 90);
    CHECK(c.ram_low_watermark_pct == 70);
    CHECK(c.verify_level == 2);
    CHECK(c.force_seal_interval_ms == 5000);
    CHECK(cfg.tick() == std::chrono::milliseconds(50));
    // Knobs the file does not name keep the core's Linux defaults.
    CHECK(c.disk_sector_bytes == 65536);
    CHECK(c.shutdown_budget_ms == 60000);
}

TEST_CASE("the command line overrides the file") {
    ConfigFile f("[system]\nmax_sensors = 300\nram_pool_bytes = 1228800\n");
    ss::config::GatewayConfig cfg;
    const Loaded r = load(cfg, f.path, {"--system.max_sensors=200", "--system.tick=20ms"});
    REQUIRE_MESSAGE(r.ok, r.error.to_string());
    CHECK(cfg.storage().max_sensors == 200);
    CHECK(cfg.tick() == std::chrono::milliseconds(20));
}

TEST_CASE("the example configurations load") {
    for (const char* name : {"minimal.ini", "gateway.ini"}) {
        INFO(name);
        ss::config::GatewayConfig cfg;
        const Loaded r = load(cfg, std::string(SS_CONFIG_EXAMPLES) + "/" + name);
        CHECK_MESSAGE(r.ok, r.error.to_string());
    }
}

TEST_CASE("an unknown key, a misspelled section, a wrong type are refused, not ignored") {
    refused("[system]\nmax_sensor = 10\n", "system.max_sensor", "unknown key");
    refused("[sytem]\nmax_sensors = 10\n", "sytem", "unknown section");
    refused("[system]\nmax_sensors = \"many\"\n", "system.max_sensors", "expects");
    refused("[system]\ntick = 100\n", "system.tick", "expects");
    refused("[system]\nmax_sensors = -1\n", "system.max_sensors", "expects");
    refused("[system]\nmax_sensors = 5000000000\n", "system.max_sensors", "expects");
    refused("[system]\ndisk_root = 42\n", "system.disk_root", "expects");
}

TEST_CASE("values the core refuses are refused with the core's reason") {
    refused("[system]\nram_high_watermark_pct = 120\n", "system.ram_high_watermark_pct", "1..100");
    refused("[system]\nram_high_watermark_pct = 300\n", "system.ram_high_watermark_pct", "out of range");
    refused("[system]\nram_low_watermark_pct = 80\n", "system.ram_low_watermark_pct", "below");
    refused("[system]\nram_sector_bytes = 1002\n", "system.ram_sector_bytes", "multiple of 4");
    refused("[system]\nmax_sensors = 0\n", "system.max_sensors", "1..65534");
    refused("[system]\nverify_level = 7\n", "system.verify_level", "SsVerifyLevel");
    refused("[system]\ndisk_quota_bytes = 1\n", "system.disk_quota_bytes", "one disk sector");
    refused("[system]\ntick = 0ms\n", "system.tick", "positive");
}

TEST_CASE("a file that cannot be read or parsed is refused, naming it") {
    {
        ss::config::GatewayConfig cfg;
        const Loaded r = load(cfg, "/nonexistent/gateway.ini");
        CHECK_FALSE(r.ok);
        CHECK(r.error.file == "/nonexistent/gateway.ini");
        CHECK(r.error.message.find("cannot be read") != std::string::npos);
    }
    ConfigFile f("# not a comment in this format\n[system]\n");
    ss::config::GatewayConfig cfg;
    const Loaded r = load(cfg, f.path);
    CHECK_FALSE(r.ok);
    CHECK(r.error.file == f.path);
    CHECK_FALSE(r.error.message.empty());
}

TEST_CASE("--config-file names another file than the default") {
    ConfigFile f("[system]\nmax_sensors = 12\n");
    ss::config::GatewayConfig cfg;
    const Loaded r = load(cfg, "/nonexistent/default.ini", {"--config-file=" + f.path});
    REQUIRE_MESSAGE(r.ok, r.error.to_string());
    CHECK(cfg.file() == f.path);
    CHECK(cfg.storage().max_sensors == 12);
}
