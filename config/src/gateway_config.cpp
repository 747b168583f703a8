#include "ss/config/gateway_config.hpp"

#include <caf/all.hpp>

#include <fstream>
#include <sstream>

#include "sections.hpp"
#include "ss/config.hpp"
#include "ss/config/spec_writer.hpp"
#include "words.hpp"

namespace ss::config {

namespace {
// Sections whose keys are CAF options bound to members: each key is held against its option, and
// the command line may override it.
constexpr const char* option_sections[] = {"system", "daemon", "uploader", "http"};

bool is_one_of(std::string_view name, const auto& names) {
    for (const char* n : names)
        if (name == n) return true;
    return false;
}

std::string as_string(caf::string_view s) { return std::string(s.data(), s.size()); }

// The line CAF's parser names in its error context ({"column" = C, "line" = L}), else 0.
std::uint32_t parser_error_line(const caf::error& err) {
    const caf::message& context = err.context();
    if (context.size() != 1 || !context.match_element<caf::settings>(0)) return 0;
    const auto& where = context.get_as<caf::settings>(0);
    const auto at = where.find("line");
    if (at == where.end()) return 0;
    const auto* line = caf::get_if<caf::config_value::integer>(&at->second);
    return line != nullptr && *line > 0 && *line <= 0xFFFF'FFFF ? static_cast<std::uint32_t>(*line) : 0;
}

// Milliseconds from a bound timespan; the spec keeps whole milliseconds.
std::optional<Problem> to_millis(caf::timespan t, const char* key, std::chrono::milliseconds& out) {
    if (t.count() % 1'000'000 != 0) return Problem{key, "must be a whole number of milliseconds"};
    out = std::chrono::duration_cast<std::chrono::milliseconds>(t);
    return std::nullopt;
}
} // namespace

std::string ConfigError::to_string() const {
    std::string out = file.empty() ? std::string("command line") : file;
    if (!file.empty() && line != 0) out += ":" + std::to_string(line);
    if (!key.empty()) out += ": " + key;
    return out + ": " + message;
}

GatewayConfig::GatewayConfig() : tick_(std::chrono::milliseconds(100)) {
    const SsInitCfg d = ss::default_config(SS_TARGET_LINUX);
    ram_sector_bytes_ = d.ram_sector_bytes;
    disk_sector_bytes_ = d.disk_sector_bytes;
    // Twice the library's RAM-only default: a gateway usually has a disk tier, which needs a
    // spare sector beyond one per sensor, and each of the 16 default sensors gets one open
    // sector and one on its way to disk.
    ram_pool_bytes_ = 2 * d.ram_pool_bytes;
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
        .add(verify_level_, "verify_level", "0 off, 1 first read, 2 every read, 3 also read back after each disk write")
        .add(flush_batch_sectors_, "flush_batch_sectors", "sectors per write of the manager")
        .add(force_seal_interval_ms_, "force_seal_interval_ms", "seal and write everything this often; 0 = never")
        .add(shutdown_budget_ms_, "shutdown_budget_ms", "time the shutdown flush may take")
        .add(disk_sync_all_min_files_, "disk_sync_all_min_files", "files per tick from which one syncfs is used");

    const actors::PipelineSpec defaults;
    gateway_ = defaults.gateway;
    status_interval_ = defaults.status_interval;
    opt_group{custom_options_, "daemon"}
        .add(gateway_, "gateway", "this gateway's name (upload keys, metrics)")
        .add(status_interval_, "status_interval", "period of the status line; 0 = none");

    const actors::UploaderSpec& u = defaults.uploader;
    const std::string transport = words::name_of<actors::TransportKind>(words::transports, u.transport);
    transport_ = caf::atom_from_string(caf::string_view(transport.data(), transport.size()));
    archive_dir_ = u.archive_dir;
    archive_file_bytes_ = u.archive_file_bytes;
    upload_period_ = u.period;
    batch_records_ = u.batch_records;
    batches_per_tick_ = u.batches_per_tick;
    batches_per_send_ = u.batches_per_send;
    backoff_base_ = u.backoff_base;
    backoff_cap_ = u.backoff_cap;
    quarantine_dir_ = u.quarantine_dir;
    opt_group{custom_options_, "uploader"}
        .add(transport_, "transport", "'archive' (local files) or 'none'")
        .add(archive_dir_, "archive_dir", "archive: directory; empty = <disk_root>/archive")
        .add(archive_file_bytes_, "archive_file_bytes", "archive: a file rotates past this size")
        .add(upload_period_, "period", "how often the uploader looks for unsent records")
        .add(batch_records_, "batch_records", "most records per batch")
        .add(batches_per_tick_, "batches_per_tick", "most batches sent per period")
        .add(batches_per_send_, "batches_per_send", "most batches (of different sensors) per transport call")
        .add(backoff_base_, "backoff_base", "first retry delay after a failed batch")
        .add(backoff_cap_, "backoff_cap", "longest retry delay")
        .add(quarantine_dir_, "quarantine_dir", "refused batches; empty = <disk_root>/quarantine");

    const actors::HttpSpec& h = defaults.http;
    http_enabled_ = h.enabled;
    http_address_ = h.address;
    http_port_ = h.port;
    max_sensor_series_ = h.max_sensor_series;
    opt_group{custom_options_, "http"}
        .add(http_enabled_, "enabled", "serve /health and /metrics")
        .add(http_address_, "address", "IPv4 or IPv6 address to listen on")
        .add(http_port_, "port", "TCP port; 0 = any free port")
        .add(max_sensor_series_, "max_sensor_series", "per-sensor metrics only up to this many sensors");
}

ConfigError GatewayConfig::error_at(const Problem& problem) const {
    // A key the command line set ("--section.key=...") is the command line's fault.
    const auto second_dot = problem.key.find('.', problem.key.find('.') + 1);
    const std::string option = problem.key.substr(0, second_dot);
    for (const auto& a : args_)
        if (a.rfind("--" + option + "=", 0) == 0) return ConfigError{"", 0, problem.key, problem.reason};
    return ConfigError{file_, index_.line_of(problem.key), problem.key, problem.reason};
}

bool GatewayConfig::check_raw(const caf::settings& raw, ConfigError& error) const {
    const auto fail = [&](const std::string& key, std::string message) {
        error = ConfigError{file_, index_.line_of(key), key, std::move(message)};
        return false;
    };
    const auto is_caf_section = [&](const std::string& name) {
        if (name == "global") return false; // CAF's global options belong on the command line
        for (const auto& opt : custom_options_)
            if (as_string(opt.category()) == name) return true;
        return false;
    };
    for (const auto& [section, value] : raw) {
        const auto* dict = caf::get_if<caf::settings>(&value);
        const bool entries = is_one_of(section, entry_sections);
        const bool options = is_one_of(section, option_sections) || is_caf_section(section);
        if (dict == nullptr)
            return fail(section, "is outside any [section] (keys before the first section and in [global] are CAF's "
                                 "command-line options)");
        if (!entries && !options) return fail(section, "unknown section");
        if (entries) continue; // read entry by entry in build_spec
        // CAF keeps a default when a file's value has the wrong type or range, and accepts unknown
        // keys: each key is held against its option here.
        for (const auto& [key, val] : *dict) {
            const std::string name = section + "." + key;
            const caf::config_option* opt = custom_options_.qualified_name_lookup(section, key);
            if (opt == nullptr) return fail(name, "unknown key");
            if (auto err = opt->check(val)) return fail(name, "expects " + as_string(opt->type_name()) + ", got " + value_text(val));
        }
    }
    return true;
}

bool GatewayConfig::build_spec(const caf::settings& raw, ConfigError& error) {
    const auto fail = [&](const Problem& p) {
        error = error_at(p);
        return false;
    };
    // Knobs the core keeps in a byte: a wider value is refused here, not silently cut.
    const struct {
        std::uint32_t value;
        const char* key;
    } bytes[] = {{ram_high_watermark_pct_, "system.ram_high_watermark_pct"},
                 {ram_low_watermark_pct_, "system.ram_low_watermark_pct"},
                 {verify_level_, "system.verify_level"}};
    for (const auto& b : bytes)
        if (b.value > 0xFF) return fail(Problem{b.key, "out of range"});

    actors::PipelineSpec s;
    s.storage = storage();
    s.storage.disk_root = nullptr; // the spec's directory is data_dir
    s.data_dir = data_dir_;
    s.gateway = gateway_;
    actors::UploaderSpec& u = s.uploader;
    const struct {
        caf::timespan value;
        const char* key;
        std::chrono::milliseconds& out;
    } spans[] = {{tick_, "system.tick", s.tick},
                 {status_interval_, "daemon.status_interval", s.status_interval},
                 {upload_period_, "uploader.period", u.period},
                 {backoff_base_, "uploader.backoff_base", u.backoff_base},
                 {backoff_cap_, "uploader.backoff_cap", u.backoff_cap}};
    for (const auto& t : spans)
        if (auto p = to_millis(t.value, t.key, t.out)) return fail(*p);
    const auto transport = words::find<actors::TransportKind>(words::transports, caf::to_string(transport_));
    if (!transport) {
        return fail(Problem{"uploader.transport", "must be " + words::choices<actors::TransportKind>(words::transports) +
                                                      ", not '" + caf::to_string(transport_) + "'"});
    }
    u.transport = *transport;
    u.archive_dir = archive_dir_;
    u.archive_file_bytes = archive_file_bytes_;
    u.batch_records = batch_records_;
    u.batches_per_tick = batches_per_tick_;
    u.batches_per_send = batches_per_send_;
    u.quarantine_dir = quarantine_dir_;
    s.http.enabled = http_enabled_;
    s.http.address = http_address_;
    s.http.port = http_port_;
    s.http.max_sensor_series = max_sensor_series_;

    if (auto p = read_entry_sections(raw, index_, s)) return fail(*p);
    if (!s.destinations.empty()) {
        // The destinations replace the single transport of [uploader].
        const auto up = raw.find("uploader");
        const auto* keys = up == raw.end() ? nullptr : caf::get_if<caf::settings>(&up->second);
        if (keys != nullptr && keys->find("transport") != keys->end())
            return fail(Problem{"uploader.transport", "is not for a config with [destinations] (each destination names "
                                                      "its kind): remove one of them"});
        u.transport = actors::TransportKind::none;
    }
    if (auto p = check_spec(s)) return fail(*p);
    spec_ = std::move(s);
    return true;
}

bool GatewayConfig::load_text(const std::vector<std::string>& args, const std::string& file, const std::string& text,
                              ConfigError& error) {
    file_ = file;
    args_.clear();
    for (const auto& a : args) {
        if (a == "--dump-config") dump_requested_ = true;
        else args_.push_back(a);
    }
    // Our sections nest three levels deep (a chain's stages); CAF's parser would overflow its
    // stack on some ten thousand.
    constexpr std::uint32_t max_nesting = 32;
    if (const Nesting n = deepest_nesting(text); n.depth > max_nesting) {
        error = ConfigError{file_, n.line, "", "lists and maps nest deeper than 32 levels"};
        return false;
    }
    // The file on its own, without type checks: what it really says.
    std::istringstream raw_in(text);
    auto raw = parse_config(raw_in);
    if (!raw) {
        error = ConfigError{file_, parser_error_line(raw.error()), "", render(raw.error())};
        return false;
    }
    // CAF lets a second key or section replace the first without a word.
    index_ = LineIndex(text);
    if (const auto& r = index_.repeat()) {
        const std::string what = r->section ? "duplicate section" : "duplicate key";
        error = ConfigError{file_, r->line, r->path, what + " (first at line " + std::to_string(r->first_line) + ")"};
        return false;
    }
    if (!check_raw(*raw, error)) return false;
    // The file again with the command line over it, into the bound members.
    std::istringstream in(text);
    if (auto err = parse(args_, in)) {
        error = ConfigError{"", 0, "", render(err)};
        return false;
    }
    return build_spec(*raw, error);
}

bool GatewayConfig::load(int argc, char** argv, const std::string& file, ConfigError& error) {
    // --config-file on the command line names another file than the default.
    std::string path = file;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        args.emplace_back(argv[i]);
        if (args.back().rfind("--config-file=", 0) == 0) path = args.back().substr(14);
    }
    std::string text;
    if (!path.empty()) {
        std::ifstream in(path);
        if (!in.good()) {
            error = ConfigError{path, 0, "", "cannot be read"};
            return false;
        }
        std::ostringstream all;
        all << in.rdbuf();
        if (in.bad()) {
            error = ConfigError{path, 0, "", "cannot be read"};
            return false;
        }
        text = all.str();
    }
    return load_text(args, path, text, error);
}

std::string GatewayConfig::dump() const {
    std::string out = "; The effective configuration";
    out += file_.empty() ? std::string(" (no file)") : " (from " + file_ + " and the command line)";
    out += "; every key, defaults included.\n";
    out += write_spec(spec_);
    // CAF's sections as far as the file or the command line set them; CAF keeps its defaults for
    // the rest.
    for (const auto& [section, value] : content) {
        const auto* dict = caf::get_if<caf::settings>(&value);
        if (dict == nullptr || is_one_of(section, option_sections) || is_one_of(section, entry_sections)) continue;
        out += "\n[" + section + "]\n";
        for (const auto& [key, val] : *dict) out += key + " = " + value_text(val) + "\n";
    }
    return out;
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
