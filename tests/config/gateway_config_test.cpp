// The actor config file's [system] and [daemon] sections, CAF's sections and the file as a whole:
// values reach the core's configuration, the command line overrides the file, and every kind of
// bad input is refused with the file, the line, the key and the reason (where CAF alone would
// keep a default or accept an unknown key).
#include <doctest/doctest.h>

#include <string>

#include "config_test_support.hpp"
#include "ss/config/gateway_config.hpp"

using namespace ss::config::test;
using ss::config::ConfigError;
using ss::config::GatewayConfig;

TEST_CASE("the [system] section reaches the core's configuration") {
    ConfigFile f("[system]\ndisk_root = \"/srv/ss\"\nmax_sensors = 300\nram_sector_bytes = 256\n"
                 "ram_pool_bytes = 307200\nram_high_watermark_pct = 90\nram_low_watermark_pct = 70\n"
                 "verify_level = 2\ntick = 50ms\nforce_seal_interval_ms = 5000\ncrc_enabled = true\n");
    GatewayConfig cfg;
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
    // The same values in the spec; its directory is data_dir, not storage.disk_root.
    const auto& spec = cfg.spec();
    CHECK(spec.data_dir == "/srv/ss");
    CHECK(spec.storage.disk_root == nullptr);
    CHECK(spec.storage.max_sensors == 300);
    CHECK(spec.storage.ram_pool_bytes == 307200);
    CHECK(spec.tick == std::chrono::milliseconds(50));
}

TEST_CASE("the [daemon] section: the gateway's name and its status line") {
    GatewayConfig cfg;
    accepted(cfg, std::string("[daemon]\ngateway = \"plant-3.gw\"\nstatus_interval = 0s\n") + no_upload);
    CHECK(cfg.spec().gateway == "plant-3.gw");
    CHECK(cfg.spec().status_interval == std::chrono::milliseconds(0));
    GatewayConfig defaults;
    accepted(defaults, no_upload);
    CHECK(defaults.spec().gateway == "gateway");
    CHECK(defaults.spec().status_interval == std::chrono::seconds(1));

    refused("[daemon]\ngateway = \"two words\"\n", "daemon.gateway", 2, "letters, digits");
    refused("[daemon]\ngateway = \"\"\n", "daemon.gateway", 2, "1..63");
    refused("[daemon]\nstatus_interval = 1\n", "daemon.status_interval", 2, "expects timespan");
    refused("[daemon]\nstatus_interval = -1s\n", "daemon.status_interval", 2, "0 (none) or positive");
    refused("[daemon]\nname = \"gw\"\n", "daemon.name", 2, "unknown key");
}

TEST_CASE("the command line overrides the file") {
    ConfigFile f(std::string("[system]\nmax_sensors = 300\nram_pool_bytes = 1228800\ndisk_root = \"/var/lib/ss\"\n"));
    GatewayConfig cfg;
    const Loaded r = load(cfg, f.path,
                          {"--system.max_sensors=200", "--system.tick=20ms", "--system.disk_root=/tmp/x",
                           "--daemon.gateway=gw7", "--uploader.batch_records=32", "--http.port=8080"});
    REQUIRE_MESSAGE(r.ok, r.error.to_string());
    CHECK(cfg.storage().max_sensors == 200);
    CHECK(cfg.tick() == std::chrono::milliseconds(20));
    CHECK(cfg.spec().data_dir == "/tmp/x");
    CHECK(cfg.spec().gateway == "gw7");
    CHECK(cfg.spec().uploader.batch_records == 32);
    CHECK(cfg.spec().http.port == 8080);
}

TEST_CASE("a bad value from the command line is the command line's fault") {
    ConfigFile f(std::string("[system]\nmax_sensors = 300\nram_pool_bytes = 1228800\n") + no_upload);
    GatewayConfig cfg;
    const Loaded r = load(cfg, f.path, {"--system.max_sensors=0"});
    REQUIRE_FALSE(r.ok);
    CHECK(r.error.file.empty());
    CHECK(r.error.line == 0);
    CHECK(r.error.key == "system.max_sensors");
    CHECK(r.error.to_string() == "command line: system.max_sensors: must be in 1..65534");
    // An option CAF does not know, and one of our entry sections, are refused by CAF itself.
    GatewayConfig other;
    const Loaded unknown = load(other, f.path, {"--sensors.vib={id=1}"});
    CHECK_FALSE(unknown.ok);
    CHECK(unknown.error.file.empty());
    CHECK(unknown.error.message.find("not_an_option") != std::string::npos);
}

TEST_CASE("the example configurations load") {
    for (const char* name : {"minimal.ini", "gateway.ini", "sensors-2048.ini", "buses.ini"}) {
        INFO(name);
        GatewayConfig cfg;
        const Loaded r = load(cfg, std::string(SS_CONFIG_EXAMPLES) + "/" + name);
        CHECK_MESSAGE(r.ok, r.error.to_string());
    }
}

TEST_CASE("an unknown key, a misspelled section, a wrong type are refused, not ignored") {
    refused("[system]\nmax_sensor = 10\n", "system.max_sensor", 2, "unknown key");
    refused("[sytem]\nmax_sensors = 10\n", "sytem", 1, "unknown section");
    refused("; top\n\n[system]\nmax_sensors = 16\n\n[sensor]\n", "sensor", 6, "unknown section");
    refused("max_sensors = 10\n", "max_sensors", 1, "outside any [section]");
    refused("[system]\nmax_sensors = \"many\"\n", "system.max_sensors", 2, "expects uint32, got \"many\"");
    refused("[system]\ntick = 100\n", "system.tick", 2, "expects timespan");
    refused("[system]\nmax_sensors = -1\n", "system.max_sensors", 2, "expects");
    refused("[system]\nmax_sensors = 5000000000\n", "system.max_sensors", 2, "expects");
    refused("[system]\ndisk_root = 42\n", "system.disk_root", 2, "expects string");
    refused("[system]\ntick = 1500us\n", "system.tick", 2, "whole number of milliseconds");
}

TEST_CASE("CAF's own sections are held against CAF's options too") {
    GatewayConfig cfg;
    accepted(cfg, std::string("[scheduler]\npolicy = 'sharing'\nmax-threads = 2\n") + no_upload);
    refused("[scheduler]\nmax-thread = 2\n", "scheduler.max-thread", 2, "unknown key");
    refused("[scheduler]\npolicy = 'sharing'\nmax-threads = \"two\"\n", "scheduler.max-threads", 3, "expects uint64");
    // CAF's global options are for the command line; CAF reads [global] as the top level.
    refused("[global]\nconfig-file = \"x.ini\"\n", "config-file", 2, "outside any [section]");
}

TEST_CASE("values the core refuses are refused with the core's reason") {
    refused("[system]\nram_high_watermark_pct = 120\n", "system.ram_high_watermark_pct", 2, "1..100");
    refused("[system]\nram_high_watermark_pct = 300\n", "system.ram_high_watermark_pct", 2, "out of range");
    refused("[system]\nram_low_watermark_pct = 80\n", "system.ram_low_watermark_pct", 2, "below");
    refused("[system]\nram_sector_bytes = 1002\n", "system.ram_sector_bytes", 2, "multiple of 4");
    refused("[system]\nmax_sensors = 0\n", "system.max_sensors", 2, "1..65534");
    refused("[system]\nverify_level = 7\n", "system.verify_level", 2, "SsVerifyLevel");
    refused("[system]\ndisk_quota_bytes = 1\n", "system.disk_quota_bytes", 2, "one disk sector");
    refused("[system]\ntick = 0ms\n", "system.tick", 2, "positive");
    // A knob the file leaves at its default is named at its section's line.
    refused("\n[system]\nmax_sensors = 100\n", "system.ram_pool_bytes", 2, "too small");
    // The default pool (32 sectors) holds 32 sensors in RAM, but with a disk it needs a spare.
    refused("[system]\ndisk_root = \"/var/lib/ss\"\nmax_sensors = 32\n", "system.ram_pool_bytes", 1,
            "too small for a disk tier: 32 sensors need at least 135168 bytes");
}

TEST_CASE("a file that cannot be read or parsed is refused, naming it and the line") {
    {
        GatewayConfig cfg;
        const Loaded r = load(cfg, "/nonexistent/gateway.ini");
        CHECK_FALSE(r.ok);
        CHECK(r.error.file == "/nonexistent/gateway.ini");
        CHECK(r.error.message.find("cannot be read") != std::string::npos);
        CHECK(r.error.to_string() == "/nonexistent/gateway.ini: cannot be read");
    }
    ConfigFile f("[system]\nmax_sensors = 16\n# not a comment in this format\n");
    GatewayConfig cfg;
    const Loaded r = load(cfg, f.path);
    CHECK_FALSE(r.ok);
    CHECK(r.error.file == f.path);
    CHECK(r.error.line == 3);
    CHECK(r.error.key.empty());
    CHECK(r.error.to_string().find(f.path + ":3: ") == 0);
}

TEST_CASE("lists and maps nested deeper than 32 levels are refused before CAF's parser recurses into them") {
    // 100 000 levels overflow the stack of CAF 0.17's recursive parser.
    const std::string deep = "[system]\nmax_sensors = 16\n\n[sources]\nx = " + std::string(100'000, '[') +
                             std::string(100'000, ']') + "\n";
    ConfigFile f(deep);
    GatewayConfig cfg;
    const Loaded r = load(cfg, f.path);
    REQUIRE_FALSE(r.ok);
    CHECK(r.error.line == 5);
    CHECK(r.error.to_string() == f.path + ":5: lists and maps nest deeper than 32 levels");
    // 32 levels pass the guard (and are then refused for what they are).
    refused("[sources]\nx = " + std::string(31, '[') + std::string(31, ']') + "\n", "sources.x", 2, "expects a map");
}

TEST_CASE("--config-file names another file than the default") {
    ConfigFile f(std::string("[system]\nmax_sensors = 12\n") + no_upload);
    GatewayConfig cfg;
    const Loaded r = load(cfg, "/nonexistent/default.ini", {"--config-file=" + f.path});
    REQUIRE_MESSAGE(r.ok, r.error.to_string());
    CHECK(cfg.file() == f.path);
    CHECK(cfg.storage().max_sensors == 12);
}

TEST_CASE("ConfigError prints FILE:LINE: KEY: REASON") {
    CHECK(ConfigError{"a.ini", 7, "sensors.vib.id", "duplicate sensor"}.to_string() == "a.ini:7: sensors.vib.id: duplicate sensor");
    CHECK(ConfigError{"a.ini", 0, "system.max_sensors", "must be in 1..65534"}.to_string() ==
          "a.ini: system.max_sensors: must be in 1..65534");
    CHECK(ConfigError{"a.ini", 3, "", "parser_error(...)"}.to_string() == "a.ini:3: parser_error(...)");
    CHECK(ConfigError{"", 0, "http.port", "expects uint16"}.to_string() == "command line: http.port: expects uint16");
    CHECK(ss::config::config_error_exit_status == 2);
}
