// The actor config file: one INI file in CAF 0.17's own format (`; comments`, `[section]`,
// double-quoted strings, timespans with units). This part holds the [system] section, which
// mirrors every knob of the core's SsInitCfg (003 §18) plus the manager tick, under the same
// names. Loading is strict where CAF alone is not: an unknown key in our sections, a value of
// the wrong type or out of range stops start-up with a message that names the file, the key and
// the reason (CAF would ignore the first two and keep the default).
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/timestamp.hpp>

#include <cstdint>
#include <string>

#include "ss/sensor_storage.h"

namespace ss::config {

/// Why a configuration was refused.
struct ConfigError {
    std::string file;    ///< the config file, or "" for the command line
    std::string key;     ///< "section.key", or "" when the file as a whole failed
    std::string message; ///< the reason, for a person
    /// "FILE: KEY: MESSAGE", the line start-up prints before exiting with status 2.
    std::string to_string() const;
};

class GatewayConfig : public caf::actor_system_config {
public:
    GatewayConfig();

    /// Reads the command line (`--config-file=PATH`, `--system.KEY=VALUE`) and the file it names
    /// (default `file`), then checks every key of our sections strictly and the storage knobs with
    /// the core's own rules. true if the configuration may run; else `error` says why.
    bool load(int argc, char** argv, const std::string& file, ConfigError& error);

    /// The core's configuration for these knobs (disk_root points into this object).
    SsInitCfg storage() const;
    /// The manager tick (system.tick, default 100 ms).
    caf::timespan tick() const noexcept { return tick_; }
    /// The file that was read ("" if none).
    const std::string& file() const noexcept { return file_; }

private:
    bool check_file_strictly(ConfigError& error);

    std::string file_;
    caf::timespan tick_;
    // [system], bound to CAF options; defaults are the core's Linux defaults.
    std::string data_dir_;
    std::uint32_t ram_sector_bytes_;
    std::uint32_t disk_sector_bytes_;
    std::uint64_t ram_pool_bytes_;
    std::uint32_t max_sensors_;
    std::uint32_t max_sectors_per_sensor_;
    std::uint64_t disk_quota_bytes_;
    std::uint64_t disk_quota_per_sensor_bytes_;
    std::uint32_t ram_high_watermark_pct_;
    std::uint32_t ram_low_watermark_pct_;
    bool crc_enabled_;
    std::uint32_t verify_level_;
    std::uint32_t flush_batch_sectors_;
    std::uint32_t force_seal_interval_ms_;
    std::uint32_t shutdown_budget_ms_;
    std::uint32_t disk_sync_all_min_files_;
};

} // namespace ss::config
