#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "ss/config.hpp"
#include "ss/engine.hpp"

using namespace ss;

TEST_CASE("the defaults are the specification's values and validate for both targets") {
    const SsInitCfg linux_cfg = default_config(SS_TARGET_LINUX);
    CHECK(linux_cfg.ram_sector_bytes == 4096);
    CHECK(linux_cfg.disk_sector_bytes == 65536);
    CHECK(linux_cfg.ram_pool_bytes == 64 * 1024);
    CHECK(linux_cfg.disk_quota_bytes == 256ull * 1024 * 1024);
    CHECK(linux_cfg.ram_high_watermark_pct == 80);
    CHECK(linux_cfg.shutdown_budget_ms >= 60000);
    CHECK(linux_cfg.crc_enabled == 1);
    CHECK(linux_cfg.disk_root == nullptr);
    const SsInitCfg stm32 = default_config(SS_TARGET_STM32);
    CHECK(stm32.ram_sector_bytes == 256);
    CHECK(stm32.max_sensors == 100);
    Text why;
    CHECK(validate_config(linux_cfg, why));
    CHECK(validate_config(stm32, why));
}

TEST_CASE("the STM32 defaults give 100 sensors their sector within 32 KB on a 32-bit MCU") {
    const SsInitCfg c = default_config(SS_TARGET_STM32);
    const std::uint32_t sectors = static_cast<std::uint32_t>(c.ram_pool_bytes / c.ram_sector_bytes);
    CHECK(sectors >= c.max_sensors);
    // The host's SensorStore is larger (64-bit counters and pointers); the Cortex-M4 build
    // static_asserts the real figure. Here: the sector data alone leaves room for metadata.
    CHECK(std::size_t{sectors} * (c.ram_sector_bytes + sizeof(SectorIndex)) + 100 * 64 <= 32 * 1024);
}

namespace {
std::string reason_for(void (*mutate)(SsInitCfg&)) {
    SsInitCfg c = default_config(SS_TARGET_LINUX);
    mutate(c);
    Text why;
    auto r = validate_config(c, why);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::invalid_argument);
    return why.c_str();
}
} // namespace

TEST_CASE("each invalid knob is rejected with a message that names it") {
    struct Case {
        const char* knob;
        void (*mutate)(SsInitCfg&);
    };
    const Case cases[] = {
        {"ram_sector_bytes", [](SsInitCfg& c) { c.ram_sector_bytes = 30; }},
        {"ram_sector_bytes", [](SsInitCfg& c) { c.ram_sector_bytes = 4094; }},
        {"ram_sector_bytes", [](SsInitCfg& c) { c.ram_sector_bytes = 131072; }},
        {"disk_sector_bytes", [](SsInitCfg& c) { c.disk_sector_bytes = 1000; }},
        {"disk_sector_bytes", [](SsInitCfg& c) { c.disk_sector_bytes = 1u << 20; }},
        {"max_sensors", [](SsInitCfg& c) { c.max_sensors = 0; }},
        {"max_sensors", [](SsInitCfg& c) { c.max_sensors = 70000; }},
        {"ram_pool_bytes", [](SsInitCfg& c) { c.max_sensors = 17; }},
        {"ram_pool_bytes", [](SsInitCfg& c) { c.ram_pool_bytes = std::size_t{70000} * 4096; }},
        {"ram_high_watermark_pct", [](SsInitCfg& c) { c.ram_high_watermark_pct = 0; }},
        {"ram_high_watermark_pct", [](SsInitCfg& c) { c.ram_high_watermark_pct = 101; }},
        {"ram_low_watermark_pct", [](SsInitCfg& c) { c.ram_low_watermark_pct = 80; }},
        {"crc_enabled", [](SsInitCfg& c) { c.crc_enabled = 2; }},
        {"verify_level", [](SsInitCfg& c) { c.verify_level = 4; }},
        {"verify_level", [](SsInitCfg& c) { c.crc_enabled = 0; }},
        {"flush_batch_sectors", [](SsInitCfg& c) { c.flush_batch_sectors = 0; }},
        {"disk_quota_bytes", [](SsInitCfg& c) { c.disk_quota_bytes = 4096; }},
        {"disk_quota_per_sensor_bytes", [](SsInitCfg& c) { c.disk_quota_per_sensor_bytes = 1; }},
        {"disk_root", [](SsInitCfg& c) { c.disk_root = ""; }},
        {"crc_enabled", [](SsInitCfg& c) { c.disk_root = "/tmp"; c.crc_enabled = 0; c.verify_level = 0; }},
        {"arena_bytes", [](SsInitCfg& c) { c.arena_bytes = 100; }},
    };
    for (const Case& k : cases) {
        const std::string why = reason_for(k.mutate);
        INFO("knob " << k.knob << ": " << why);
        CHECK(why.find(k.knob) != std::string::npos);
    }
}

TEST_CASE("a rejection reads as a sentence") {
    SsInitCfg c = default_config(SS_TARGET_LINUX);
    c.flush_batch_sectors = 0;
    Text why;
    REQUIRE_FALSE(validate_config(c, why));
    CHECK(std::string(why.c_str()) == "invalid configuration: flush_batch_sectors must be at least 1");
}

TEST_CASE("a pool too small for every sensor's first sector says how much is needed") {
    SsInitCfg c = default_config(SS_TARGET_LINUX);
    c.max_sensors = 2048;
    Text why;
    REQUIRE_FALSE(validate_config(c, why));
    CHECK(std::string(why.c_str()).find("2048 sensors need at least 8388608 bytes") != std::string::npos);
}

TEST_CASE("with a disk tier the pool must hold a spare sector beyond one per sensor") {
    // One sector per sensor is enough in RAM only (a full sector recycles, as 003 §12 says), but
    // with a disk a full sector can only move there once its sensor has another to write into.
    SsInitCfg c = default_config(SS_TARGET_LINUX); // 16 sensors, 16 sectors of 4 KB
    Text why;
    CHECK(validate_config(c, why));
    c.disk_root = "/var/lib/ss";
    REQUIRE_FALSE(validate_config(c, why));
    CHECK(std::string(why.c_str()) ==
          "invalid configuration: ram_pool_bytes too small for a disk tier: 16 sensors need at least 69632 bytes "
          "(one 4096-byte sector each and one spare, so a full sector can move to disk), got 65536");
    c.ram_pool_bytes = 17 * 4096;
    CHECK(validate_config(c, why));
}

TEST_CASE("the arena layout places every part aligned and in order") {
    const ArenaLayout l = arena_layout(10, 20, 256, 40, 8);
    CHECK(l.stores == 0);
    CHECK(l.locks >= 10 * sizeof(ss::SensorStore));
    CHECK(l.locks % 8 == 0);
    CHECK(l.links >= l.locks + 12 * 40);
    CHECK(l.sectors % 8 == 0);
    CHECK(l.sectors >= l.links + 20 * sizeof(SectorIndex));
    CHECK(l.total == l.sectors + 20 * 256 + (alignof(ss::SensorStore) - 8));
    const ArenaLayout nolock = arena_layout(10, 20, 256, 0, 1);
    CHECK(nolock.lock_stride == 0);
    CHECK(nolock.total < l.total);
}
