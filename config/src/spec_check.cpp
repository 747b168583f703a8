#include "ss/config/spec_check.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <span>
#include <unordered_map>

#include "ss/actors/bus_config.hpp"
#include "ss/actors/chain_filters.hpp"
#include "ss/actors/sim_adc_config.hpp"
#include "ss/capture/channel.hpp"
#include "ss/capture/filters.hpp"
#include "ss/config.hpp"
#include "ss/hal/capture/sim_adc.hpp"
#include "ss/text.hpp"
#include "bus_check.hpp"
#include "destination_check.hpp"
#include "uplink_check.hpp"
#include "spec_rules.hpp"
#include "words.hpp"

namespace ss::config {

namespace detail {

bool check_signal(Checker& c, const actors::SourceSpec& s, const std::string& key) {
    if (!in_table<actors::SignalShape>(words::signals, s.signal)) return c.fail(key + ".signal", "is not a known signal");
    if (!std::isfinite(s.amplitude) || s.amplitude < 0) return c.fail(key + ".amplitude", "must be a finite number >= 0");
    if (!std::isfinite(s.offset)) return c.fail(key + ".offset", "must be a finite number");
    if (s.signal == actors::SignalShape::sine && !(std::isfinite(s.frequency_hz) && s.frequency_hz > 0))
        return c.fail(key + ".frequency", "must be above 0 for a sine");
    return true;
}

} // namespace detail

namespace {

using namespace detail;
using actors::SourceKind;
using actors::StageKind;
using std::chrono::milliseconds;

// The hal's SimAdc limits (hal/posix/capture/sim_adc.cpp); SimAdc::validate has the last word.
constexpr std::uint32_t max_adc_rate_hz = 1'000'000;
constexpr std::uint16_t max_adc_channels = 16;
constexpr std::uint64_t max_adc_values_per_half = 1u << 24;
constexpr double max_events_per_second = 10'000.0;
// Uploader: a batch holds at most 64 Ki records (the batch buffer is sized once), the backoff's
// delays are 32-bit milliseconds (RetryBackoff).
constexpr std::uint32_t max_batch_records = 65'536;
constexpr std::uint32_t max_batches_per_tick = 65'536;
// The uploader holds a group's records in one buffer: 1024 batches of 65536 events is 768 MiB,
// so the bound keeps a typo from asking for far more.
constexpr std::uint32_t max_batches_per_send = 1'024;
constexpr std::uint64_t min_archive_file_bytes = 4096, max_archive_file_bytes = 1ull << 40;
constexpr milliseconds max_upload_period{std::chrono::hours(1)};
constexpr milliseconds max_backoff{0xFFFF'FFFFll};
constexpr std::size_t max_gateway_name = 63;
constexpr std::size_t max_dataset_id = 63;
constexpr std::uint64_t max_calibrated_ms = 253'402'300'799'999; // 9999-12-31T23:59:59.999Z
constexpr std::uint64_t max_config_integer = 0x7FFF'FFFF'FFFF'FFFFull; // CAF's integers are int64

bool has_control_char(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

bool is_gateway_name(std::string_view s) {
    if (s.empty() || s.size() > max_gateway_name) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    });
}

bool check_system(Checker& c, const actors::PipelineSpec& spec) {
    // The core's rules, with the core's words; its knob names are our keys.
    SsInitCfg cfg = spec.storage;
    cfg.disk_root = spec.data_dir.empty() ? nullptr : spec.data_dir.c_str();
    cfg.arena = nullptr;
    cfg.arena_bytes = 0;
    Text why;
    if (!ss::validate_config(cfg, why)) {
        // "invalid configuration: KNOB RULE" -> key system.KNOB, reason RULE.
        std::string m = why.c_str();
        const std::string prefix = "invalid configuration: ";
        if (m.rfind(prefix, 0) == 0) m = m.substr(prefix.size());
        const auto space = m.find(' ');
        return c.fail("system." + m.substr(0, space), space == std::string::npos ? m : m.substr(space + 1));
    }
    if (spec.tick <= milliseconds{0}) return c.fail("system.tick", "must be positive");
    if (!is_gateway_name(spec.gateway))
        return c.fail("daemon.gateway", "must be 1..63 letters, digits, '_', '-' or '.' (it names uploads and metrics)");
    if (spec.status_interval < milliseconds{0}) return c.fail("daemon.status_interval", "must be 0 (none) or positive");
    return true;
}

bool check_source(Checker& c, const actors::SourceSpec& s) {
    const std::string key = "sources." + s.name;
    if (!is_entry_name(s.name)) return c.fail(key, "is not a name (1..31 letters, digits, '_', '-')");
    if (!in_table<SourceKind>(words::source_kinds, s.kind)) return c.fail(key + ".kind", "is not a known kind");
    if (!in_table<SsSource>(words::buses, s.bus)) return c.fail(key + ".bus", "is not a known bus");
    if (s.seed > max_config_integer) return c.fail(key + ".seed", "must be at most 2^63 - 1");
    switch (s.kind) {
    case SourceKind::sim_adc: {
        if (s.rate_hz < 1 || s.rate_hz > max_adc_rate_hz) return c.fail(key + ".rate", "must be in 1..1000000 (Hz)");
        if (s.channels < 1 || s.channels > max_adc_channels) return c.fail(key + ".channels", "must be in 1..16");
        if (s.samples_per_half < 1) return c.fail(key + ".samples_per_half", "must be at least 1");
        if (std::uint64_t{s.samples_per_half} * s.channels > max_adc_values_per_half)
            return c.fail(key + ".samples_per_half", "times channels must be at most 16777216 values per half");
        if (s.buffers < min_buffers || s.buffers > max_buffers) return c.fail(key + ".buffers", "must be in 2..1024");
        if (!check_signal(c, s, key)) return false;
        if (s.signal == actors::SignalShape::sine && s.frequency_hz > s.rate_hz / 2.0)
            return c.fail(key + ".frequency", "must be at most half the rate (" + number(s.rate_hz / 2.0) + " Hz)");
        // The hal decides what it runs.
        const capture::SimAdcConfig adc = actors::sim_adc_config(s);
        if (capture::SimAdc::validate(adc) != 0) return c.fail(key, "is refused by the hal's SimAdc");
        return true;
    }
    case SourceKind::sim_poll:
        if (s.period < milliseconds{1} || s.period > max_poll_period) return c.fail(key + ".period", "must be in 1ms..24h");
        return check_signal(c, s, key);
    case SourceKind::sim_events:
        if (!(std::isfinite(s.events_per_second) && s.events_per_second > 0 && s.events_per_second <= max_events_per_second))
            return c.fail(key + ".events_per_second", "must be above 0 and at most 10000");
        return true;
    case SourceKind::external: // the application writes its sensors: nothing to check
        return true;
    case SourceKind::sim_uart:
    case SourceKind::sim_spi:
    case SourceKind::sim_can:
    case SourceKind::socketcan: return check_bus_source(c, s, key);
    }
    return true;
}

// A chain's own values, whatever the rate.
bool check_chain(Checker& c, const actors::ChainSpec& ch) {
    const std::string key = "chains." + ch.name;
    if (!is_entry_name(ch.name)) return c.fail(key, "is not a name (1..31 letters, digits, '_', '-')");
    if (ch.stages.size() > capture::max_filter_stages) return c.fail(key + ".stages", "must have at most 4 stages");
    if (!ch.processor.empty() && !is_entry_name(ch.processor))
        return c.fail(key + ".processor", "is not a name (1..31 letters, digits, '_', '-')");
    std::uint32_t averages = 0;
    for (std::size_t i = 0; i < ch.stages.size(); ++i) {
        const actors::StageSpec& st = ch.stages[i];
        const std::string sk = key + ".stages[" + std::to_string(i) + "]";
        switch (st.kind) {
        case StageKind::moving_average:
            if (st.window < 1 || st.window > capture::max_moving_average_window)
                return c.fail(sk + ".window", "must be in 1..256 (samples)");
            if (++averages > 1) return c.fail(sk + ".kind", "moving_average may appear once per chain");
            break;
        case StageKind::decimate:
            if (st.factor < 1 || st.factor > capture::max_decimation_factor)
                return c.fail(sk + ".factor", "must be in 1..4096");
            break;
        case StageKind::low_pass:
        case StageKind::high_pass:
            if (!(std::isfinite(st.cutoff_hz) && st.cutoff_hz > 0)) return c.fail(sk + ".cutoff", "must be above 0 (Hz)");
            break;
        case StageKind::band_pass:
            if (!(std::isfinite(st.low_hz) && st.low_hz > 0)) return c.fail(sk + ".low", "must be above 0 (Hz)");
            if (!(std::isfinite(st.high_hz) && st.high_hz > st.low_hz)) return c.fail(sk + ".high", "must be above low");
            break;
        default: return c.fail(sk + ".kind", "is not a known stage kind");
        }
    }
    return true;
}

// A chain at the rate of one sensor's source: every cutoff below half the rate its stage sees
// (each decimation before it divides the rate), and the core's filter chain takes it.
bool check_chain_at(Checker& c, const actors::ChainSpec& ch, double rate_hz, const std::string& via) {
    const std::string key = "chains." + ch.name;
    // Each decimation before a stage divides the rate that stage sees.
    double rate = rate_hz;
    for (std::size_t i = 0; i < ch.stages.size(); ++i) {
        const actors::StageSpec& st = ch.stages[i];
        const std::string sk = key + ".stages[" + std::to_string(i) + "]";
        const std::string limit = " (half of " + number(rate) + " Hz, the rate at this stage for " + via + ")";
        if ((st.kind == StageKind::low_pass || st.kind == StageKind::high_pass) && st.cutoff_hz >= rate / 2)
            return c.fail(sk + ".cutoff", "must be below " + number(rate / 2) + " Hz" + limit);
        if (st.kind == StageKind::band_pass && st.high_hz >= rate / 2)
            return c.fail(sk + ".high", "must be below " + number(rate / 2) + " Hz" + limit);
        if (st.kind == StageKind::decimate) rate /= st.factor;
    }
    const capture::ProcessingConfig pc = actors::chain_filters(ch, rate_hz);
    // The core runs the chain: it has the last word.
    capture::ChannelProcessor processor;
    Text why;
    if (!processor.configure(pc, why))
        return c.fail(key, std::string("is refused by the core's filter chain for ") + via + ": " + why.c_str());
    return true;
}

bool check_sensor(Checker& c, const actors::PipelineSpec& spec, const actors::SensorSpec& s, const SensorsSeen& seen) {
    const std::string key = "sensors." + s.name;
    if (!is_entry_name(s.name)) return c.fail(key, "is not a name (1..31 letters, digits, '_', '-')");
    const auto src = seen.sources.find(s.source);
    if (src == seen.sources.end()) {
        std::string known;
        for (const auto& so : spec.sources) known += (known.empty() ? "" : ", ") + so.name;
        return c.fail(key + ".source", "names no source in [sources] (" + (known.empty() ? "none" : known) + "): \"" +
                                           s.source + "\"");
    }
    const actors::SourceSpec& source = spec.sources[src->second];
    if (s.count < 1) return c.fail(key + ".count", "must be at least 1");
    if (std::uint64_t{s.id} + s.count - 1 > 0xFFFF'FFFFull) return c.fail(key + ".count", "runs past id 4294967295");
    if (member_name(s, s.count - 1).size() > capture::channel_name_capacity)
        return c.fail(key, "makes names longer than 31 bytes (\"" + member_name(s, s.count - 1) + "\")");
    if (!in_table<RecordType>(words::record_types, s.type)) return c.fail(key + ".type", "is not a known type");
    if (source.kind == SourceKind::sim_adc) {
        if (s.type != RecordType::ts) return c.fail(key + ".type", "must be 'ts' on a sim_adc source (samples are a time series)");
        if (std::uint32_t{s.channel} + s.count > source.channels)
            return c.fail(key + ".channel", s.count == 1 ? "must be below the source's channels (" + std::to_string(source.channels) + ")"
                                                         : "plus count must be at most the source's channels (" +
                                                               std::to_string(source.channels) + ")");
        if (!s.chain.empty() && !seen.chains.contains(s.chain))
            return c.fail(key + ".chain", "names no chain in [chains]: \"" + s.chain + "\"");
    } else {
        if (s.channel != 0 && !has_channels(source.kind))
            return c.fail(key + ".channel", "is only for sensors on a sim_adc, sim_uart or sim_spi source");
        if (!s.chain.empty()) return c.fail(key + ".chain", "is only for sensors on a sim_adc source");
    }
    if (!check_bus_sensor(c, source, s, key)) return false;
    if (s.unit.size() > capture::channel_unit_capacity || has_control_char(s.unit))
        return c.fail(key + ".unit", "must be at most 15 bytes without control characters");
    if (!(std::isfinite(s.valid_low) && std::isfinite(s.valid_high) && s.valid_low <= s.valid_high))
        return c.fail(key + ".valid", "must be [low, high] with low <= high");
    if (!(std::isfinite(s.plausible_low) && std::isfinite(s.plausible_high) && s.plausible_low <= s.valid_low &&
          s.valid_high <= s.plausible_high))
        return c.fail(key + ".plausible", "must contain the valid range [" + number(s.valid_low) + ", " + number(s.valid_high) + "]");
    if (!(std::isfinite(s.slope) && s.slope != 0)) return c.fail(key + ".slope", "must be finite and not 0");
    if (!std::isfinite(s.offset)) return c.fail(key + ".offset", "must be finite");
    if (s.calibrated_ms > max_calibrated_ms) return c.fail(key + ".calibrated", "must be a date up to 9999-12-31");
    if (s.verify_level && *s.verify_level > SS_VERIFY_AFTER_WRITE)
        return c.fail(key + ".verify_level",
                      "must be 0..3 (0 off, 1 first read, 2 every read, 3 also read back after each disk write)");
    if (s.verify_level && *s.verify_level != SS_VERIFY_OFF && spec.storage.crc_enabled == 0)
        return c.fail(key + ".verify_level", "needs system.crc_enabled = true (there is no CRC to verify)");
    // The core's channel metadata rules have the last word.
    Text why;
    const capture::Calibration cal{s.slope, s.offset, s.calibrated_ms};
    if (!capture::make_channel(member_name(s, s.count - 1), s.unit, {s.valid_low, s.valid_high},
                               {s.plausible_low, s.plausible_high}, cal, why))
        return c.fail(key, std::string("is refused by the core's channel rules: ") + why.c_str());
    return true;
}

bool check_sensors(Checker& c, const actors::PipelineSpec& spec, SensorsSeen& seen) {
    for (std::size_t i = 0; i < spec.sources.size(); ++i) {
        if (!seen.sources.emplace(spec.sources[i].name, i).second)
            return c.fail("sources." + spec.sources[i].name, "is given twice");
    }
    for (std::size_t i = 0; i < spec.chains.size(); ++i) {
        if (!seen.chains.emplace(spec.chains[i].name, i).second) return c.fail("chains." + spec.chains[i].name, "is given twice");
    }
    for (const auto& s : spec.sensors)
        if (!check_sensor(c, spec, s, seen)) return false;
    // Before the groups are expanded below: a count of billions is refused here, not spelled out.
    if (const std::uint64_t total = sensor_total(spec); total > spec.storage.max_sensors)
        return c.fail("sensors", std::to_string(total) + " sensors, more than system.max_sensors (" +
                                     std::to_string(spec.storage.max_sensors) + ")");
    for (std::size_t i = 0; i < spec.sensors.size(); ++i) {
        const auto& s = spec.sensors[i];
        for (std::uint32_t k = 0; k < s.count; ++k) {
            const auto [at, fresh] = seen.names.emplace(member_name(s, k), i);
            if (!fresh) {
                const auto& other = spec.sensors[at->second];
                return c.fail("sensors." + s.name, "duplicate sensor name \"" + at->first + "\" (also a name of sensor '" +
                                                       other.name + "')");
            }
        }
    }
    return check_bus_ids(c, spec, seen);
}

// Every chain at the rate of each sensor that uses it (several sensors on one source check once).
bool check_chain_rates(Checker& c, const actors::PipelineSpec& spec, const SensorsSeen& seen) {
    std::set<std::pair<std::string, std::size_t>> checked; // chain, source
    for (const auto& s : spec.sensors) {
        if (s.chain.empty()) continue;
        const std::size_t src = seen.sources.at(s.source);
        if (!checked.emplace(s.chain, src).second) continue;
        const auto& source = spec.sources[src];
        const std::string via = "sensor '" + s.name + "' on source '" + source.name + "'";
        if (!check_chain_at(c, spec.chains[seen.chains.at(s.chain)], source.rate_hz, via)) return false;
    }
    return true;
}

bool check_datasets(Checker& c, const actors::PipelineSpec& spec, const SensorsSeen& seen) {
    std::set<std::string> entry_names;
    for (const auto& s : spec.sensors) entry_names.insert(s.name);
    std::map<std::string, std::string> ids; // id -> dataset
    std::set<std::string> names;
    for (const auto& d : spec.datasets) {
        const std::string key = "datasets." + d.name;
        if (!is_entry_name(d.name)) return c.fail(key, "is not a name (1..31 letters, digits, '_', '-')");
        if (!names.insert(d.name).second) return c.fail(key, "is given twice");
        if (d.id.empty() || d.id.size() > max_dataset_id || has_control_char(d.id))
            return c.fail(key + ".id", "must be 1..63 bytes without control characters");
        if (const auto [at, fresh] = ids.emplace(d.id, d.name); !fresh)
            return c.fail(key + ".id", "\"" + d.id + "\" is also the id of dataset '" + at->second + "'");
        std::set<std::string> listed;
        for (std::size_t i = 0; i < d.sensors.size(); ++i) {
            const std::string& n = d.sensors[i];
            const std::string sk = key + ".sensors[" + std::to_string(i) + "]";
            // A group's entry name stands for all of it; one member may be named too.
            if (!entry_names.contains(n) && !seen.names.contains(n))
                return c.fail(sk, "names no sensor in [sensors]: \"" + n + "\"");
            if (!listed.insert(n).second) return c.fail(sk, "lists \"" + n + "\" twice");
        }
        for (const auto& [k, v] : d.metadata)
            if (!is_entry_name(k)) return c.fail(key + ".metadata", "has a key that is not a name: \"" + k + "\"");
    }
    return true;
}

bool check_uploader(Checker& c, const actors::PipelineSpec& spec) {
    const actors::UploaderSpec& u = spec.uploader;
    if (!in_table<actors::TransportKind>(words::transports, u.transport))
        return c.fail("uploader.transport", "must be " + words::choices<actors::TransportKind>(words::transports));
    if (u.transport == actors::TransportKind::archive && u.archive_dir.empty() && spec.data_dir.empty())
        return c.fail("uploader.archive_dir",
                      "is required with transport 'archive' when system.disk_root is empty (RAM only: there is no "
                      "<disk_root>/archive)");
    if (u.archive_file_bytes < min_archive_file_bytes || u.archive_file_bytes > max_archive_file_bytes)
        return c.fail("uploader.archive_file_bytes", "must be in 4096..1099511627776 (1 TiB)");
    if (u.period < milliseconds{1} || u.period > max_upload_period) return c.fail("uploader.period", "must be in 1ms..1h");
    if (u.batch_records < 1 || u.batch_records > max_batch_records)
        return c.fail("uploader.batch_records", "must be in 1..65536");
    if (u.batches_per_tick < 1 || u.batches_per_tick > max_batches_per_tick)
        return c.fail("uploader.batches_per_tick", "must be in 1..65536");
    if (u.batches_per_send < 1 || u.batches_per_send > max_batches_per_send)
        return c.fail("uploader.batches_per_send", "must be in 1..1024");
    if (u.backoff_base < milliseconds{1} || u.backoff_base > max_backoff)
        return c.fail("uploader.backoff_base", "must be in 1ms..4294967295ms");
    if (u.backoff_cap < u.backoff_base || u.backoff_cap > max_backoff)
        return c.fail("uploader.backoff_cap", "must be in backoff_base..4294967295ms");
    return true;
}

bool check_http(Checker& c, const actors::HttpSpec& h) {
    unsigned char buf[sizeof(in6_addr)];
    if (inet_pton(AF_INET, h.address.c_str(), buf) != 1 && inet_pton(AF_INET6, h.address.c_str(), buf) != 1)
        return c.fail("http.address", "must be an IPv4 or IPv6 address (\"127.0.0.1\", \"::1\", \"0.0.0.0\"), not \"" +
                                          h.address + "\"");
    return true;
}

} // namespace

bool is_entry_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > capture::channel_name_capacity) return false;
    const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    if (!alnum(name[0])) return false;
    return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '_' || c == '-'; });
}

std::string member_name(const actors::SensorSpec& sensor, std::uint32_t k) {
    if (sensor.count <= 1) return sensor.name;
    return sensor.name + "-" + std::to_string(std::uint64_t{sensor.id} + k);
}

std::uint64_t sensor_total(const actors::PipelineSpec& spec) noexcept {
    std::uint64_t n = 0;
    for (const auto& s : spec.sensors) n += s.count;
    return n;
}

std::optional<Problem> sizing_advice(const actors::PipelineSpec& spec) {
    const SsInitCfg& s = spec.storage;
    if (spec.data_dir.empty() || s.ram_sector_bytes == 0) return std::nullopt;
    const std::uint64_t sectors = s.ram_pool_bytes / s.ram_sector_bytes;
    const std::uint64_t sensors = sensor_total(spec);
    // One open sector for each possible sensor (the pool reserves them), and one more for each
    // configured sensor: the sector that filled and waits for the tick to move it to disk.
    const std::uint64_t wanted = std::uint64_t{s.max_sensors} + sensors;
    if (sectors >= wanted) return std::nullopt;
    return Problem{"system.ram_pool_bytes",
                   std::to_string(s.ram_pool_bytes) + " bytes are " + std::to_string(sectors) + " sectors: " +
                       std::to_string(sectors > s.max_sensors ? sectors - s.max_sensors : 0) + " spare for " +
                       std::to_string(sensors) +
                       " sensors; a sensor whose sector fills while no spare is free recycles unsent records "
                       "although the disk has room. Give at least " +
                       std::to_string(wanted * s.ram_sector_bytes) + " bytes (max_sensors plus one sector per sensor)"};
}

std::optional<Problem> check_spec(const actors::PipelineSpec& spec) {
    Checker c;
    SensorsSeen seen;
    const auto all = [&] {
        if (!check_system(c, spec)) return;
        for (const auto& s : spec.sources)
            if (!check_source(c, s)) return;
        for (const auto& ch : spec.chains)
            if (!check_chain(c, ch)) return;
        if (!check_sensors(c, spec, seen)) return;
        if (!check_chain_rates(c, spec, seen)) return;
        if (!check_bus_sources(c, spec, seen)) return;
        if (!check_datasets(c, spec, seen)) return;
        if (!check_uploader(c, spec)) return;
        if (auto p = check_destinations(spec)) {
            c.fail(p->key, p->reason);
            return;
        }
        if (auto p = check_uplinks(spec)) {
            c.fail(p->key, p->reason);
            return;
        }
        check_http(c, spec.http);
    };
    all();
    return c.problem;
}

std::string spec_difference(const actors::PipelineSpec& a, const actors::PipelineSpec& b) {
    const SsInitCfg& x = a.storage;
    const SsInitCfg& y = b.storage;
    const struct {
        bool same;
        const char* what;
    } fields[] = {
        {x.ram_sector_bytes == y.ram_sector_bytes, "storage.ram_sector_bytes"},
        {x.disk_sector_bytes == y.disk_sector_bytes, "storage.disk_sector_bytes"},
        {x.ram_pool_bytes == y.ram_pool_bytes, "storage.ram_pool_bytes"},
        {x.max_sensors == y.max_sensors, "storage.max_sensors"},
        {x.max_sectors_per_sensor == y.max_sectors_per_sensor, "storage.max_sectors_per_sensor"},
        {x.disk_quota_bytes == y.disk_quota_bytes, "storage.disk_quota_bytes"},
        {x.disk_quota_per_sensor_bytes == y.disk_quota_per_sensor_bytes, "storage.disk_quota_per_sensor_bytes"},
        {x.ram_high_watermark_pct == y.ram_high_watermark_pct, "storage.ram_high_watermark_pct"},
        {x.ram_low_watermark_pct == y.ram_low_watermark_pct, "storage.ram_low_watermark_pct"},
        {x.crc_enabled == y.crc_enabled, "storage.crc_enabled"},
        {x.verify_level == y.verify_level, "storage.verify_level"},
        {x.flush_batch_sectors == y.flush_batch_sectors, "storage.flush_batch_sectors"},
        {x.force_seal_interval_ms == y.force_seal_interval_ms, "storage.force_seal_interval_ms"},
        {x.shutdown_budget_ms == y.shutdown_budget_ms, "storage.shutdown_budget_ms"},
        {x.disk_sync_all_min_files == y.disk_sync_all_min_files, "storage.disk_sync_all_min_files"},
        {a.gateway == b.gateway, "gateway"},
        {a.data_dir == b.data_dir, "data_dir"},
        {a.tick == b.tick, "tick"},
        {a.status_interval == b.status_interval, "status_interval"},
        {a.uploader == b.uploader, "uploader"},
        {a.destinations == b.destinations, "destinations"},
        {a.uplinks == b.uplinks, "uplinks"},
        {a.http == b.http, "http"},
    };
    for (const auto& f : fields)
        if (!f.same) return f.what;
    const auto list = [](const auto& xs, const auto& ys, const char* what) -> std::string {
        if (xs.size() != ys.size())
            return std::string(what) + ": " + std::to_string(xs.size()) + " entries vs " + std::to_string(ys.size());
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (!(xs[i] == ys[i])) return std::string(what) + "[" + std::to_string(i) + "] ('" + xs[i].name + "')";
        return {};
    };
    for (std::string d : {list(a.sources, b.sources, "sources"), list(a.sensors, b.sensors, "sensors"),
                          list(a.chains, b.chains, "chains"), list(a.datasets, b.datasets, "datasets")})
        if (!d.empty()) return d;
    return {};
}

} // namespace ss::config
