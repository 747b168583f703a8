#include "ss/config.hpp"

#include <limits>

#include "ss/sector_format.hpp"
#include "ss/sector_pool.hpp"
#include "ss/sensor_store.hpp"

namespace ss {

SsInitCfg default_config(SsTarget target) noexcept {
    SsInitCfg c{};
    c.disk_sector_bytes = 65536;
    c.disk_quota_bytes = 256ull * 1024 * 1024;
    c.disk_quota_per_sensor_bytes = 0;
    c.ram_high_watermark_pct = 80;
    c.ram_low_watermark_pct = 60;
    c.crc_enabled = 1;
    c.verify_level = SS_VERIFY_FIRST_READ;
    c.flush_batch_sectors = 16;
    c.force_seal_interval_ms = 60000;
    c.shutdown_budget_ms = 60000;
    c.disk_sync_all_min_files = 8;
    c.max_sectors_per_sensor = 0;
    if (target == SS_TARGET_STM32) {
        // 100 sensors in a 32 KB region: 102 sectors of 256 B, 56 B of metadata per sensor and
        // the engine itself (the Cortex-M4 build asserts the total fits; see c_api.cpp).
        c.ram_sector_bytes = 256;
        c.max_sensors = 100;
        c.ram_pool_bytes = 102 * 256;
        c.force_seal_interval_ms = 0; // RAM only: sealing early would only waste sectors
    } else {
        // 003 §6: a 64 KB RAM pool of 4 KB sectors, so 16 sensors; a gateway with more sensors
        // gives the pool 4 KB per sensor at least (init says how much when it is too small).
        c.ram_sector_bytes = 4096;
        c.max_sensors = 16;
        c.ram_pool_bytes = 64 * 1024;
    }
    return c;
}

namespace {

Expected<void> reject(Text& why, const char* knob, const char* rule) noexcept {
    why.clear();
    why << "invalid configuration: " << knob << ' ' << rule;
    return std::unexpected(Errc::invalid_argument);
}

} // namespace

Expected<void> validate_config(const SsInitCfg& c, Text& why) noexcept {
    if (c.ram_sector_bytes % 4 != 0 || c.ram_sector_bytes < sector::min_bytes || c.ram_sector_bytes > sector::max_bytes)
        return reject(why, "ram_sector_bytes", "must be a multiple of 4 in 48..65536");
    if (c.disk_sector_bytes % 4096 != 0 || c.disk_sector_bytes < 4096 || c.disk_sector_bytes > sector::max_bytes)
        return reject(why, "disk_sector_bytes", "must be a multiple of 4096 in 4096..65536");
    if (c.max_sensors == 0 || c.max_sensors > max_pool_sectors) return reject(why, "max_sensors", "must be in 1..65534");
    const std::size_t sectors = c.ram_pool_bytes / c.ram_sector_bytes;
    if (sectors < c.max_sensors) {
        why.clear();
        why << "invalid configuration: ram_pool_bytes too small: " << c.max_sensors << " sensors need at least "
            << static_cast<std::uint64_t>(c.max_sensors) * c.ram_sector_bytes << " bytes (one "
            << c.ram_sector_bytes << "-byte sector each), got " << static_cast<std::uint64_t>(c.ram_pool_bytes);
        return std::unexpected(Errc::invalid_argument);
    }
    if (sectors > max_pool_sectors) return reject(why, "ram_pool_bytes", "must hold at most 65534 sectors");
    // On bare metal a store counts its records in 16 bits (SensorStore::RecordCount); one
    // sensor may come to hold the whole pool.
    if (sectors * sector::capacity(c.ram_sector_bytes, RecordType::ts) >
        std::numeric_limits<SensorStore::RecordCount>::max())
        return reject(why, "ram_pool_bytes", "must hold at most 65535 time-series records on a bare-metal build");
    if (c.ram_high_watermark_pct == 0 || c.ram_high_watermark_pct > 100)
        return reject(why, "ram_high_watermark_pct", "must be in 1..100");
    if (c.ram_low_watermark_pct >= c.ram_high_watermark_pct)
        return reject(why, "ram_low_watermark_pct", "must be below ram_high_watermark_pct");
    if (c.crc_enabled > 1) return reject(why, "crc_enabled", "must be 0 or 1");
    if (c.verify_level > SS_VERIFY_AFTER_WRITE) return reject(why, "verify_level", "must be an SsVerifyLevel (0..3)");
    if (c.verify_level != SS_VERIFY_OFF && c.crc_enabled == 0)
        return reject(why, "verify_level", "needs crc_enabled = 1 (there is no CRC to verify)");
    if (c.flush_batch_sectors == 0) return reject(why, "flush_batch_sectors", "must be at least 1");
    if (c.disk_quota_bytes < c.disk_sector_bytes)
        return reject(why, "disk_quota_bytes", "must hold at least one disk sector");
    if (c.disk_quota_per_sensor_bytes != 0 && c.disk_quota_per_sensor_bytes < c.disk_sector_bytes)
        return reject(why, "disk_quota_per_sensor_bytes", "must be 0 (no cap) or hold at least one disk sector");
    if (c.disk_root != nullptr && c.disk_root[0] == '\0')
        return reject(why, "disk_root", "must be NULL (RAM only) or a directory path");
    if (c.disk_root != nullptr && c.crc_enabled == 0)
        return reject(why, "crc_enabled", "must be 1 when disk_root is set (disk units are validated by CRC)");
    if (c.disk_root != nullptr && sectors <= c.max_sensors) {
        // Every sensor keeps one sector open; a full one can only move to disk once the sensor
        // has another to write into. Without a spare, full sectors recycle (data lost while the
        // disk has room) and a shutdown flush cannot make progress.
        why.clear();
        why << "invalid configuration: ram_pool_bytes too small for a disk tier: " << c.max_sensors
            << " sensors need at least " << (static_cast<std::uint64_t>(c.max_sensors) + 1) * c.ram_sector_bytes
            << " bytes (one " << c.ram_sector_bytes
            << "-byte sector each and one spare, so a full sector can move to disk), got "
            << static_cast<std::uint64_t>(c.ram_pool_bytes);
        return std::unexpected(Errc::invalid_argument);
    }
    if (c.disk_root != nullptr && c.disk_sector_bytes % c.ram_sector_bytes != 0)
        return reject(why, "disk_sector_bytes", "must be a multiple of ram_sector_bytes when disk_root is set");
    if ((c.arena == nullptr) != (c.arena_bytes == 0))
        return reject(why, "arena_bytes", "must be 0 exactly when arena is NULL");
    return {};
}

} // namespace ss
