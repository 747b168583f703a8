#include "ss/config/gateway_config.hpp"

#include <caf/all.hpp>

#include <fstream>

#include "ss/config.hpp"
#include "ss/text.hpp"

namespace ss::config {

namespace {
// The sections this file owns: every key in them must be one of ours.
constexpr const char* own_sections[] = {"system"};
// CAF's own sections: CAF checks them.
constexpr const char* caf_sections[] = {"scheduler", "middleman", "work-stealing", "logger", "stream", "global"};

bool is_one_of(const std::string& name, const auto& names) {
    for (const char* n : names)
        if (name == n) return true;
    return false;
}
} // namespace

std::string ConfigError::to_string() const {
    std::string out = file.empty() ? std::string("command line") : file;
    if (!key.empty()) out += ": " + key;
    return out + ": " + message;
}

GatewayConfig::GatewayConfig() : tick_(std::chrono::milliseconds(100)) {
    const SsInitCfg d = ss::default_config(SS_TARGET_LINUX);
    ram_sector_bytes_ = d.ram_sector_bytes;
    disk_sector_bytes_ = d.disk_sector_bytes;
    ram_pool_bytes_ = d.ram_pool_bytes;
    max_sensors_ = d.max_sensors;
    max_sectors_per_sensor_ = d.max_sectors_per_sensor;
    disk_quota_bytes_ = d.disk_quota_bytes;
    disk_quota_per_sensor_bytes_ = d.disk_quota_per_sensor_bytes;
    ram_high_watermark_pct_ = d.ram_high_watermark_pct;
    ram_low_watermark_pct_ = d.ram_low_watermark_pct;
    crc_enabled_ = d.crc_enabled != 0;
    verify_level_ = d.verify_level;
    flush_batch_sectors_ = d.flush_batch_sectors;
    force_seal_interval_ms_ = d.force_seal_interval_ms;
    shutdown_budget_ms_ = d.shutdown_budget_ms;
    disk_sync_all_min_files_ = d.disk_sync_all_min_files;
    // Names as in SsInitCfg (003 §18), so the C header documents each knob once.
    opt_group{custom_options_, "system"}
        .add(data_dir_, "disk_root", "data directory of the disk tier; empty = RAM only")
        .add(tick_, "tick", "manager tick period (seal, spill, sync)")
        .add(ram_sector_bytes_, "ram_sector_bytes", "bytes per RAM sector, header included")
        .add(disk_sector_bytes_, "disk_sector_bytes", "bytes per disk allocation chunk")
        .add(ram_pool_bytes_, "ram_pool_bytes", "bytes of RAM sector storage")
        .add(max_sensors_, "max_sensors", "most sensors that can be registered")
        .add(max_sectors_per_sensor_, "max_sectors_per_sensor", "cap on RAM sectors per sensor; 0 = none")
        .add(disk_quota_bytes_, "disk_quota_bytes", "disk quota over all sensors")
        .add(disk_quota_per_sensor_bytes_, "disk_quota_per_sensor_bytes", "per-sensor disk cap; 0 = none")
        .add(ram_high_watermark_pct_, "ram_high_watermark_pct", "RAM use at which spilling starts, %")
        .add(ram_low_watermark_pct_, "ram_low_watermark_pct", "RAM use at which spilling stops, %")
        .add(crc_enabled_, "crc_enabled", "CRC32C on sealed sectors")
        .add(verify_level_, "verify_level", "0 off, 1 first read, 2 every read")
        .add(flush_batch_sectors_, "flush_batch_sectors", "sectors per write of the manager")
        .add(force_seal_interval_ms_, "force_seal_interval_ms", "seal and write everything this often; 0 = never")
        .add(shutdown_budget_ms_, "shutdown_budget_ms", "time the shutdown flush may take")
        .add(disk_sync_all_min_files_, "disk_sync_all_min_files", "files per tick from which one syncfs is used");
}

bool GatewayConfig::check_file_strictly(ConfigError& error) {
    // CAF keeps a default when a file's value has the wrong type or range, and accepts unknown
    // keys: the file is read again without type checks and each key of our sections is held
    // against its option.
    auto raw = parse_config_file(file_.c_str());
    if (!raw) {
        error = ConfigError{file_, "", render(raw.error())};
        return false;
    }
    for (const auto& [section, value] : *raw) {
        const auto* dict = caf::get_if<caf::settings>(&value);
        // Anything but our sections and CAF's is a misspelled section of ours or a leftover.
        if (dict != nullptr && is_one_of(section, caf_sections)) continue;
        if (!is_one_of(section, own_sections)) {
            error = ConfigError{file_, section, "unknown section"};
            return false;
        }
        if (dict == nullptr) {
            error = ConfigError{file_, section, "must be a [section]"};
            return false;
        }
        for (const auto& [key, val] : *dict) {
            const std::string name = section + "." + key;
            auto opt = custom_options_.qualified_name_lookup(section, key);
            if (opt == nullptr) {
                error = ConfigError{file_, name, "unknown key"};
                return false;
            }
            if (auto err = opt->check(val)) {
                error = ConfigError{file_, name,
                                    std::string("expects ") + std::string(opt->type_name().data(), opt->type_name().size()) +
                                        ", got " + caf::to_string(val)};
                return false;
            }
        }
    }
    return true;
}

bool GatewayConfig::load(int argc, char** argv, const std::string& file, ConfigError& error) {
    // --config-file on the command line names another file than the default.
    file_ = file;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--config-file=", 0) == 0) file_ = a.substr(14);
    }
    if (!file_.empty() && !std::ifstream(file_).good()) {
        error = ConfigError{file_, "", "cannot be read"};
        return false;
    }
    if (!file_.empty() && !check_file_strictly(error)) return false;
    if (auto err = parse(argc, argv, file_.empty() ? nullptr : file_.c_str())) {
        error = ConfigError{"", "", render(err)};
        return false;
    }
    // Knobs the core keeps in a byte: a wider value is refused here, not silently cut.
    const struct {
        std::uint32_t value;
        const char* key;
    } bytes[] = {{ram_high_watermark_pct_, "system.ram_high_watermark_pct"},
                 {ram_low_watermark_pct_, "system.ram_low_watermark_pct"},
                 {verify_level_, "system.verify_level"}};
    for (const auto& b : bytes) {
        if (b.value > 0xFF) {
            error = ConfigError{file_, b.key, "out of range"};
            return false;
        }
    }
    // The core's own rules, with the core's own words; its knob names are our keys.
    const SsInitCfg c = storage();
    Text why;
    if (auto ok = ss::validate_config(c, why); !ok) {
        // "invalid configuration: KNOB RULE" -> key system.KNOB, message RULE.
        std::string m = why.c_str();
        const std::string prefix = "invalid configuration: ";
        if (m.rfind(prefix, 0) == 0) m = m.substr(prefix.size());
        const auto space = m.find(' ');
        error = ConfigError{file_, "system." + m.substr(0, space), space == std::string::npos ? m : m.substr(space + 1)};
        return false;
    }
    if (tick_ <= caf::timespan{0}) {
        error = ConfigError{file_, "system.tick", "must be positive"};
        return false;
    }
    return true;
}

SsInitCfg GatewayConfig::storage() const {
    SsInitCfg c = ss::default_config(SS_TARGET_LINUX);
    c.ram_sector_bytes = ram_sector_bytes_;
    c.disk_sector_bytes = disk_sector_bytes_;
    c.ram_pool_bytes = static_cast<std::size_t>(ram_pool_bytes_);
    c.max_sensors = max_sensors_;
    c.max_sectors_per_sensor = max_sectors_per_sensor_;
    c.disk_quota_bytes = disk_quota_bytes_;
    c.disk_quota_per_sensor_bytes = disk_quota_per_sensor_bytes_;
    c.ram_high_watermark_pct = static_cast<std::uint8_t>(ram_high_watermark_pct_);
    c.ram_low_watermark_pct = static_cast<std::uint8_t>(ram_low_watermark_pct_);
    c.crc_enabled = crc_enabled_ ? 1 : 0;
    c.verify_level = static_cast<std::uint8_t>(verify_level_);
    c.flush_batch_sectors = flush_batch_sectors_;
    c.force_seal_interval_ms = force_seal_interval_ms_;
    c.shutdown_budget_ms = shutdown_budget_ms_;
    c.disk_sync_all_min_files = disk_sync_all_min_files_;
    c.disk_root = data_dir_.empty() ? nullptr : data_dir_.c_str();
    return c;
}

} // namespace ss::config
