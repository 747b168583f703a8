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
#include "destination_check.hpp"
#include "words.hpp"

namespace ss::config {

namespace {

using actors::SourceKind;
using actors::StageKind;
using std::chrono::milliseconds;

// The hal's SimAdc limits (hal/posix/capture/sim_adc.cpp); SimAdc::validate has the last word.
constexpr std::uint32_t max_adc_rate_hz = 1'000'000;
constexpr std::uint16_t max_adc_channels = 16;
constexpr std::uint64_t max_adc_values_per_half = 1u << 24;
// A source's capture buffer pool.
constexpr std::uint32_t min_buffers = 2, max_buffers = 1024;
constexpr milliseconds max_poll_period{std::chrono::hours(24)};
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

// Collects the first problem; every rule is one `if (bad) return fail(key, reason)`.
struct Checker {
    std::optional<Problem> problem;
    bool fail(std::string key, std::string reason) {
        if (!problem) problem = Problem{std::move(key), std::move(reason)};
        return false;
    }
};

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

bool has_control_char(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

bool is_gateway_name(std::string_view s) {
    if (s.empty() || s.size() > max_gateway_name) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    });
}

template <class E>
bool in_table(std::span<const words::Word<E>> table, E value) {
    return words::name_of(table, value) != nullptr;
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

bool check_signal(Checker& c, const actors::SourceSpec& s, const std::string& key) {
    if (!in_table<actors::SignalShape>(words::signals, s.signal)) return c.fail(key + ".signal", "is not a known signal");
    if (!std::isfinite(s.amplitude) || s.amplitude < 0) return c.fail(key + ".amplitude", "must be a finite number >= 0");
    if (!std::isfinite(s.offset)) return c.fail(key + ".offset", "must be a finite number");
    if (s.signal == actors::SignalShape::sine && !(std::isfinite(s.frequency_hz) && s.frequency_hz > 0))
        return c.fail(key + ".frequency", "must be above 0 for a sine");
    return true;
}

bool is_can(SourceKind k) { return k == SourceKind::sim_can || k == SourceKind::socketcan; }
bool has_channels(SourceKind k) { return k == SourceKind::sim_adc || k == SourceKind::sim_uart || k == SourceKind::sim_spi; }

// A bus source's own values (bus_config.hpp has the hal's limits).
bool check_bus_source(Checker& c, const actors::SourceSpec& s, const std::string& key) {
    if (s.buffers < min_buffers || s.buffers > max_buffers) return c.fail(key + ".buffers", "must be in 2..1024");
    switch (s.kind) {
    case SourceKind::sim_uart:
        if (s.baud < actors::bus::min_baud || s.baud > actors::bus::max_baud)
            return c.fail(key + ".baud", "must be in 300..10000000 (bits per second)");
        if (s.frame_rate < 1 || std::uint64_t{s.frame_rate} * actors::bus::uart_frame_bits > s.baud)
            return c.fail(key + ".frame_rate", "must be at least 1 and at most baud / 110 (" +
                                                   std::to_string(s.baud / actors::bus::uart_frame_bits) +
                                                   ": a frame is 11 bytes of 10 bits)");
        return check_signal(c, s, key);
    case SourceKind::sim_spi:
        if (s.spi_clock_hz < actors::bus::min_spi_clock_hz || s.spi_clock_hz > actors::bus::max_spi_clock_hz)
            return c.fail(key + ".clock", "must be in 1000..100000000 (Hz)");
        if (s.period < milliseconds{1} || s.period > max_poll_period) return c.fail(key + ".period", "must be in 1ms..24h");
        return check_signal(c, s, key);
    case SourceKind::sim_can:
        if (s.frame_rate < 1 || s.frame_rate > actors::bus::max_can_frame_rate)
            return c.fail(key + ".frame_rate", "must be in 1..100000 (frames per second)");
        return check_signal(c, s, key);
    case SourceKind::socketcan: {
        // IFNAMSIZ is 16 with the terminating NUL; a name is one path component in /sys/class/net.
        const bool name_ok = !s.interface.empty() && s.interface.size() < 16 &&
                             std::none_of(s.interface.begin(), s.interface.end(), [](char ch) {
                                 return ch == '/' || ch == ':' || static_cast<unsigned char>(ch) <= ' ' || ch == 0x7F;
                             });
        if (!name_ok) return c.fail(key + ".interface", "must be a network interface name of 1..15 characters (\"can0\")");
        return true;
    }
    default: return true;
    }
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

// A sensor's address on its bus: channels in range, a CAN signal the core takes, and no CAN keys
// where there is no CAN.
bool check_bus_sensor(Checker& c, const actors::SourceSpec& source, const actors::SensorSpec& s, const std::string& key) {
    const std::uint32_t last_channel = std::uint32_t{s.channel} + s.count - 1;
    if (source.kind == SourceKind::sim_uart && last_channel > actors::bus::max_uart_channel)
        return c.fail(key + ".channel", "plus count - 1 must be at most 255 (a frame's channel byte)");
    if (source.kind == SourceKind::sim_spi && last_channel > actors::bus::max_spi_channel)
        return c.fail(key + ".channel", "plus count - 1 must be at most 127 (the converter's channel field)");
    if (!is_can(source.kind)) {
        const actors::SensorSpec d;
        const struct {
            bool set;
            const char* name;
        } can_keys[] = {{s.can_id != d.can_id, "can_id"},       {s.can_extended != d.can_extended, "extended"},
                        {s.start_bit != d.start_bit, "start_bit"}, {s.length != d.length, "length"},
                        {s.big_endian != d.big_endian, "byte_order"}, {s.is_signed != d.is_signed, "signed"}};
        for (const auto& k : can_keys)
            if (k.set) return c.fail(key + "." + k.name, "is only for sensors on a sim_can or socketcan source");
        return true;
    }
    const std::uint32_t top = s.can_extended ? capture::can_max_extended_id : capture::can_max_standard_id;
    if (s.can_id > top || std::uint64_t{s.can_id} + s.count - 1 > top)
        return c.fail(key + ".can_id", std::string("plus count - 1 must be at most ") +
                                           (s.can_extended ? "0x1FFFFFFF (29-bit, extended)" : "0x7FF (11-bit; extended = true for 29-bit)"));
    if (s.length < 1 || s.length > 32) return c.fail(key + ".length", "must be in 1..32 (bits)");
    if (s.start_bit > 63) return c.fail(key + ".start_bit", "must be in 0..63");
    // The core's decoder has the last word.
    Text why;
    if (!capture::validate(actors::bus::can_signal(s, 0, 0), why))
        return c.fail(key + ".start_bit", std::string("is refused by the core's CAN decoder: ") + why.c_str());
    return true;
}

struct SensorsSeen {
    std::unordered_map<std::string, std::size_t> sources; // name -> index in spec.sources
    std::unordered_map<std::string, std::size_t> chains;
    std::unordered_map<std::string, std::size_t> names; // every expanded name -> sensor entry
};

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

// Bus ids: (bus, id .. id + count - 1) of all sensors must not overlap.
bool check_bus_ids(Checker& c, const actors::PipelineSpec& spec, const SensorsSeen& seen) {
    struct Span {
        SsSource bus;
        std::uint64_t first, last;
        std::size_t sensor;
    };
    std::vector<Span> spans;
    for (std::size_t i = 0; i < spec.sensors.size(); ++i) {
        const auto& s = spec.sensors[i];
        const SsSource bus = spec.sources[seen.sources.at(s.source)].bus;
        spans.push_back({bus, s.id, std::uint64_t{s.id} + s.count - 1, i});
    }
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
        return a.bus != b.bus ? a.bus < b.bus : a.first != b.first ? a.first < b.first : a.sensor < b.sensor;
    });
    for (std::size_t i = 1; i < spans.size(); ++i) {
        const Span& a = spans[i - 1];
        const Span& b = spans[i];
        if (a.bus != b.bus || b.first > a.last) continue;
        // Name the entry that comes later in the file; the other is the one it clashes with.
        const auto& later = spec.sensors[std::max(a.sensor, b.sensor)];
        const auto& earlier = spec.sensors[std::min(a.sensor, b.sensor)];
        const auto ids = [](const actors::SensorSpec& s) {
            return s.count == 1 ? "id " + std::to_string(s.id)
                                : "ids " + std::to_string(s.id) + ".." + std::to_string(std::uint64_t{s.id} + s.count - 1);
        };
        return c.fail("sensors." + later.name + ".id",
                      "duplicate sensor: bus '" + std::string(source_name(a.bus)) + "' " + ids(later) + " overlaps sensor '" +
                          earlier.name + "' (" + ids(earlier) + ")");
    }
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

// What the sensors of one bus source must not share: a UART or SPI channel, CAN payload bits; and
// what the simulated CAN bus can send (one identifier format, at most 64 identifiers).
bool check_bus_sources(Checker& c, const actors::PipelineSpec& spec, const SensorsSeen& seen) {
    struct Taken {
        std::size_t sensor;
        std::uint64_t bits;
    };
    for (std::size_t src = 0; src < spec.sources.size(); ++src) {
        const actors::SourceSpec& source = spec.sources[src];
        if (!has_channels(source.kind) && !is_can(source.kind)) continue;
        if (source.kind == SourceKind::sim_adc) continue; // interleaved channels: its own rules above
        std::map<std::uint32_t, std::size_t> channels;                    // channel -> sensor entry
        std::map<std::pair<bool, std::uint32_t>, std::vector<Taken>> frames; // (extended, id) -> signals
        std::optional<bool> extended;
        std::size_t members = 0;
        for (std::size_t i = 0; i < spec.sensors.size(); ++i) {
            const actors::SensorSpec& s = spec.sensors[i];
            if (seen.sources.at(s.source) != src) continue;
            const std::string key = "sensors." + s.name;
            members += s.count;
            if (source.kind == SourceKind::sim_uart || source.kind == SourceKind::sim_spi) {
                for (std::uint32_t k = 0; k < s.count; ++k) {
                    const auto [at, fresh] = channels.emplace(std::uint32_t{s.channel} + k, i);
                    if (!fresh)
                        return c.fail(key + ".channel", "channel " + std::to_string(at->first) + " of source '" +
                                                            source.name + "' is also read by sensor '" +
                                                            spec.sensors[at->second].name + "'");
                }
                continue;
            }
            if (source.kind == SourceKind::sim_can) {
                if (extended && *extended != s.can_extended)
                    return c.fail(key + ".extended", "must be the same for every sensor of a sim_can source (its frames "
                                                     "all have one identifier format)");
                extended = s.can_extended;
            }
            for (std::uint32_t k = 0; k < s.count; ++k) {
                const std::uint64_t bits = actors::bus::can_bits(actors::bus::can_signal(s, k, 0));
                auto& taken = frames[{s.can_extended, s.can_id + k}];
                for (const Taken& t : taken)
                    if ((t.bits & bits) != 0)
                        return c.fail(key + ".start_bit", "the signal shares bits of frame " + std::to_string(s.can_id + k) +
                                                              " with sensor '" + spec.sensors[t.sensor].name + "'");
                taken.push_back({i, bits});
            }
        }
        if (source.kind == SourceKind::sim_can && frames.size() > actors::bus::max_sim_can_ids)
            return c.fail("sources." + source.name, "its sensors use " + std::to_string(frames.size()) +
                                                        " CAN identifiers; a sim_can source sends at most 64");
        // A scan is one 32-bit transfer per sensor; it must end before the next one is due.
        if (source.kind == SourceKind::sim_spi &&
            static_cast<double>(members) * 32.0 / source.spi_clock_hz >= std::chrono::duration<double>(source.period).count())
            return c.fail("sources." + source.name + ".period",
                          "is shorter than one scan of its " + std::to_string(members) + " sensors at the SPI clock");
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
