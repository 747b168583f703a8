// The actor config file: one INI file in CAF 0.17's own format (`; comments`, `[section]`,
// double-quoted strings, 'atoms', timespans with units) that fills a whole ss::actors::PipelineSpec
// (docs/configuration.md is the reference):
//   [system]   every knob of the core's SsInitCfg (003 §18) under the same names, plus the tick
//   [daemon]   the gateway's name and its status line
//   [sources] [sensors] [chains] [datasets]   named entries, each a map { key = value, ... }
//   [uploader] [http]   the upload stage and the HTTP endpoint
//   CAF's own sections ([scheduler], [middleman], ...) go to CAF.
// Loading is strict where CAF alone is not: an unknown section or key (also inside a map), a
// value of the wrong type or out of range, a key or section written twice, a reference to a
// source, chain or sensor that does not exist, a sensor id used twice: each refuses the whole
// configuration with a message that names the file, the line, the key and the reason (CAF would
// ignore several of these or keep a default).
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/timestamp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ss/actors/pipeline_spec.hpp"
#include "ss/config/line_index.hpp"
#include "ss/config/spec_check.hpp"
#include "ss/sensor_storage.h"

namespace ss::config {

/// The exit status of a start-up refused for its configuration.
inline constexpr int config_error_exit_status = 2;

/// Why a configuration was refused.
struct ConfigError {
    std::string file;       ///< the config file, or "" for the command line
    std::uint32_t line = 0; ///< the line in the file; 0 = unknown (or the command line)
    std::string key;        ///< "section.key" (deeper for maps: "sensors.vib.channel"), or ""
    std::string message;    ///< the reason, for a person
    /// "FILE:LINE: KEY: MESSAGE" (without ":LINE" when it is unknown, "command line" for FILE when
    /// an argument is at fault, without "KEY: " when the file as a whole failed): what start-up
    /// prints before it exits with config_error_exit_status.
    std::string to_string() const;
};

class GatewayConfig : public caf::actor_system_config {
public:
    GatewayConfig();

    /// Reads the command line (`--config-file=PATH`, `--SECTION.KEY=VALUE` for the keys of
    /// [system], [daemon], [uploader], [http] and CAF's sections) and the file it names (default
    /// `file`; "" = none), checks everything, and builds the spec. true if the configuration may
    /// run; else `error` says why. Call once per object.
    bool load(int argc, char** argv, const std::string& file, ConfigError& error);
    /// load() with the file's text given: `file` only names it in messages; `args` are the
    /// arguments without the program name.
    bool load_text(const std::vector<std::string>& args, const std::string& file, const std::string& text,
                   ConfigError& error);

    /// What the pipeline runs (valid after a successful load).
    const actors::PipelineSpec& spec() const noexcept { return spec_; }
    /// The effective configuration as a config file of the same format: every key of ours with its
    /// value (defaults included) and the keys of CAF's sections that were set. Loading it gives an
    /// equal spec.
    std::string dump() const;
    /// Whether the arguments held `--dump-config`: the caller prints dump() and exits. The flag is
    /// kept from CAF, whose own dump (printed while it parses) is not in the file's format.
    bool dump_requested() const noexcept { return dump_requested_; }

    /// The core's configuration for these knobs (disk_root points into this object).
    SsInitCfg storage() const;
    /// The manager tick (system.tick, default 100 ms).
    caf::timespan tick() const noexcept { return tick_; }
    /// The file that was read ("" if none).
    const std::string& file() const noexcept { return file_; }

private:
    bool check_raw(const caf::settings& raw, ConfigError& error) const;
    bool build_spec(const caf::settings& raw, ConfigError& error);
    /// The error for a problem at `key`: in the file at the key's line, or on the command line if
    /// an argument set that key.
    ConfigError error_at(const Problem& problem) const;

    std::string file_;
    std::vector<std::string> args_;
    bool dump_requested_ = false;
    LineIndex index_;
    actors::PipelineSpec spec_;

    // [system], bound to CAF options; defaults are the core's Linux defaults.
    caf::timespan tick_;
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
    // [daemon]
    std::string gateway_;
    caf::timespan status_interval_;
    // [uploader]
    caf::atom_value transport_;
    std::string archive_dir_;
    std::string quarantine_dir_;
    std::uint64_t archive_file_bytes_;
    caf::timespan upload_period_;
    std::uint32_t batch_records_;
    std::uint32_t batches_per_tick_;
    std::uint32_t batches_per_send_;
    caf::timespan backoff_base_;
    caf::timespan backoff_cap_;
    // [http]
    bool http_enabled_;
    std::string http_address_;
    std::uint16_t http_port_;
    std::uint32_t max_sensor_series_;
};

} // namespace ss::config
