#include "ss/config/spec_writer.hpp"

#include <caf/config_value.hpp>
#include <caf/expected.hpp>
#include <caf/uri.hpp>

#include <algorithm>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <span>

#include "ss/config/spec_check.hpp"
#include "words.hpp"

namespace ss::config {

namespace {

bool reads_back(const std::string& text, double value) {
    auto parsed = caf::config_value::parse(text);
    if (!parsed) return false;
    const auto* real = caf::get_if<caf::config_value::real>(&*parsed);
    return real != nullptr && std::memcmp(real, &value, sizeof value) == 0;
}

// A word of a table: an atom when CAF's atoms can hold it (10 characters at most), else a
// string (CAF reads both where a word belongs).
template <class E>
std::string word(std::span<const words::Word<E>> table, E value) {
    const char* w = words::name_of(table, value);
    if (w == nullptr) return "\"?\"";
    return std::strlen(w) <= 10 ? "'" + std::string(w) + "'" : quoted(w);
}

// ms in its largest exact unit.
std::string millis_text(std::chrono::milliseconds ms) {
    const long long n = ms.count();
    if (n != 0 && n % 3'600'000 == 0) return std::to_string(n / 3'600'000) + "h";
    if (n != 0 && n % 60'000 == 0) return std::to_string(n / 60'000) + "min";
    if (n != 0 && n % 1000 == 0) return std::to_string(n / 1000) + "s";
    return std::to_string(n) + "ms";
}

std::string timespan_text(caf::timespan t) {
    const long long ns = t.count();
    struct Unit {
        long long ns;
        const char* name;
    };
    constexpr Unit units[] = {{3'600'000'000'000, "h"}, {60'000'000'000, "min"}, {1'000'000'000, "s"},
                              {1'000'000, "ms"},        {1'000, "us"}};
    for (const auto& u : units)
        if (ns != 0 && ns % u.ns == 0) return std::to_string(ns / u.ns) + u.name;
    return std::to_string(ns) + "ns";
}

// A real the spec holds; a value no decimal reads back to (only a spec filled in code can hold
// one) is written as its shortest decimal.
std::string real(double value) {
    if (auto text = real_text(value)) return *text;
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, r.ptr);
}

std::string range(double low, double high) { return "[" + real(low) + ", " + real(high) + "]"; }

// The calibration date: a whole UTC day as "YYYY-MM-DD", anything else in milliseconds.
std::string date_text(std::uint64_t ms) {
    constexpr std::uint64_t day_ms = 86'400'000;
    if (ms % day_ms != 0) return std::to_string(ms);
    const std::chrono::sys_days day{std::chrono::days{static_cast<long>(ms / day_ms)}};
    const std::chrono::year_month_day ymd{day};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return quoted(buf);
}

// Collects "k = v" pairs of one map entry.
class Fields {
public:
    void add(const char* key, std::string text) {
        out_ += out_.empty() ? "{ " : ", ";
        out_ += key;
        out_ += " = ";
        out_ += text;
    }
    std::string map() const { return out_.empty() ? "{}" : out_ + " }"; }

private:
    std::string out_;
};

void write_system(std::string& out, const actors::PipelineSpec& spec) {
    const SsInitCfg& c = spec.storage;
    out += "[system]\n";
    out += "disk_root = " + quoted(spec.data_dir) + "\n";
    out += "tick = " + millis_text(spec.tick) + "\n";
    out += "ram_sector_bytes = " + std::to_string(c.ram_sector_bytes) + "\n";
    out += "disk_sector_bytes = " + std::to_string(c.disk_sector_bytes) + "\n";
    out += "ram_pool_bytes = " + std::to_string(c.ram_pool_bytes) + "\n";
    out += "max_sensors = " + std::to_string(c.max_sensors) + "\n";
    out += "max_sectors_per_sensor = " + std::to_string(c.max_sectors_per_sensor) + "\n";
    out += "disk_quota_bytes = " + std::to_string(c.disk_quota_bytes) + "\n";
    out += "disk_quota_per_sensor_bytes = " + std::to_string(c.disk_quota_per_sensor_bytes) + "\n";
    out += "ram_high_watermark_pct = " + std::to_string(c.ram_high_watermark_pct) + "\n";
    out += "ram_low_watermark_pct = " + std::to_string(c.ram_low_watermark_pct) + "\n";
    out += std::string("crc_enabled = ") + (c.crc_enabled != 0 ? "true" : "false") + "\n";
    out += "verify_level = " + std::to_string(c.verify_level) + "\n";
    out += "flush_batch_sectors = " + std::to_string(c.flush_batch_sectors) + "\n";
    out += "force_seal_interval_ms = " + std::to_string(c.force_seal_interval_ms) + "\n";
    out += "shutdown_budget_ms = " + std::to_string(c.shutdown_budget_ms) + "\n";
    out += "disk_sync_all_min_files = " + std::to_string(c.disk_sync_all_min_files) + "\n";
}

std::string source_text(const actors::SourceSpec& s) {
    using actors::SourceKind;
    Fields f;
    f.add("kind", word<SourceKind>(words::source_kinds, s.kind));
    f.add("bus", word<SsSource>(words::buses, s.bus));
    const bool bus = s.kind == SourceKind::sim_uart || s.kind == SourceKind::sim_spi || s.kind == SourceKind::sim_can ||
                     s.kind == SourceKind::socketcan;
    if (s.kind == SourceKind::sim_adc) {
        f.add("rate", std::to_string(s.rate_hz));
        f.add("channels", std::to_string(s.channels));
        f.add("samples_per_half", std::to_string(s.samples_per_half));
    }
    if (s.kind == SourceKind::sim_adc || bus) f.add("buffers", std::to_string(s.buffers));
    if (s.kind == SourceKind::sim_poll || s.kind == SourceKind::sim_spi) f.add("period", millis_text(s.period));
    if (s.kind == SourceKind::sim_uart) {
        f.add("baud", std::to_string(s.baud));
        f.add("corrupt_every", std::to_string(s.corrupt_every));
    }
    if (s.kind == SourceKind::sim_uart || s.kind == SourceKind::sim_can) f.add("frame_rate", std::to_string(s.frame_rate));
    if (s.kind == SourceKind::sim_spi) f.add("clock", std::to_string(s.spi_clock_hz));
    if (s.kind == SourceKind::socketcan) f.add("interface", quoted(s.interface));
    if (s.kind == SourceKind::sim_adc || s.kind == SourceKind::sim_poll || (bus && s.kind != SourceKind::socketcan)) {
        f.add("signal", word<actors::SignalShape>(words::signals, s.signal));
        f.add("amplitude", real(s.amplitude));
        f.add("offset", real(s.offset));
        f.add("frequency", real(s.frequency_hz));
        f.add("ramp_step", std::to_string(s.ramp_step));
    }
    if (s.kind == SourceKind::sim_events) f.add("events_per_second", real(s.events_per_second));
    f.add("seed", std::to_string(s.seed));
    return f.map();
}

std::string sensor_text(const actors::SensorSpec& s, bool on_adc, bool on_can) {
    Fields f;
    f.add("source", quoted(s.source));
    f.add("id", std::to_string(s.id));
    f.add("count", std::to_string(s.count));
    f.add("type", word<RecordType>(words::record_types, s.type));
    if (on_adc || s.channel != 0) f.add("channel", std::to_string(s.channel));
    if (!s.chain.empty()) f.add("chain", quoted(s.chain));
    if (!s.unit.empty()) f.add("unit", quoted(s.unit));
    f.add("valid", range(s.valid_low, s.valid_high));
    f.add("plausible", range(s.plausible_low, s.plausible_high));
    f.add("slope", real(s.slope));
    f.add("offset", real(s.offset));
    if (s.calibrated_ms != 0) f.add("calibrated", date_text(s.calibrated_ms));
    if (s.verify_level) f.add("verify_level", std::to_string(*s.verify_level));
    if (on_can) {
        f.add("can_id", std::to_string(s.can_id));
        f.add("extended", s.can_extended ? "true" : "false");
        f.add("start_bit", std::to_string(s.start_bit));
        f.add("length", std::to_string(s.length));
        f.add("byte_order", word<bool>(words::byte_orders, s.big_endian));
        f.add("signed", s.is_signed ? "true" : "false");
    }
    return f.map();
}

std::string stage_text(const actors::StageSpec& st) {
    using actors::StageKind;
    Fields f;
    f.add("kind", word<StageKind>(words::stage_kinds, st.kind));
    switch (st.kind) {
    case StageKind::moving_average: f.add("window", std::to_string(st.window)); break;
    case StageKind::decimate:
        f.add("factor", std::to_string(st.factor));
        f.add("mode", word<bool>(words::decimation_modes, st.average));
        break;
    case StageKind::low_pass:
    case StageKind::high_pass: f.add("cutoff", real(st.cutoff_hz)); break;
    case StageKind::band_pass:
        f.add("low", real(st.low_hz));
        f.add("high", real(st.high_hz));
        break;
    }
    return f.map();
}

std::string chain_text(const actors::ChainSpec& c) {
    std::string stages = "[";
    for (std::size_t i = 0; i < c.stages.size(); ++i) stages += (i == 0 ? "" : ", ") + stage_text(c.stages[i]);
    stages += "]";
    Fields f;
    f.add("stages", stages);
    f.add("summarize", c.summarize ? "true" : "false");
    f.add("processor", quoted(c.processor));
    return f.map();
}

std::string dataset_text(const actors::DatasetSpec& d) {
    std::string sensors = "[";
    for (std::size_t i = 0; i < d.sensors.size(); ++i) sensors += (i == 0 ? "" : ", ") + quoted(d.sensors[i]);
    sensors += "]";
    Fields meta;
    for (const auto& [k, v] : d.metadata) meta.add(k.c_str(), quoted(v));
    Fields f;
    f.add("id", quoted(d.id));
    f.add("description", quoted(d.description));
    f.add("sensors", sensors);
    f.add("metadata", meta.map());
    return f.map();
}

std::string destination_text(const actors::DestinationSpec& d) {
    Fields f;
    f.add("kind", word<actors::DestinationKind>(words::destination_kinds, d.kind));
    f.add("codec", word<actors::CodecKind>(words::codecs, d.codec));
    f.add("compression", word<actors::CompressionKind>(words::compressions, d.compression));
    f.add("compression_level", std::to_string(d.compression_level));
    if (d.kind == actors::DestinationKind::http) {
        f.add("url", quoted(d.url));
        f.add("method", word<bool>(words::http_methods, d.put));
        f.add("max_in_flight", std::to_string(d.max_in_flight));
        f.add("batches_per_request", std::to_string(d.batches_per_request));
        f.add("connect_timeout", millis_text(d.connect_timeout));
        f.add("request_timeout", millis_text(d.request_timeout));
        f.add("token_file", quoted(d.token_file));
        f.add("token_env", quoted(d.token_env));
    } else {
        f.add("host", quoted(d.host));
        f.add("port", std::to_string(d.port));
        f.add("protocol", word<bool>(words::mqtt_versions, d.mqtt_v5));
        f.add("client_id", quoted(d.client_id));
        f.add("topic", quoted(d.topic));
        f.add("window", std::to_string(d.window));
        f.add("connect_timeout", millis_text(d.connect_timeout));
        f.add("ack_timeout", millis_text(d.ack_timeout));
        f.add("username", quoted(d.username));
        f.add("password_file", quoted(d.password_file));
        f.add("tls", d.tls ? "true" : "false");
    }
    f.add("verify_tls", d.verify_tls ? "true" : "false");
    f.add("ca_file", quoted(d.ca_file));
    f.add("client_cert", quoted(d.client_cert));
    f.add("client_key", quoted(d.client_key));
    return f.map();
}

std::string uplink_text(const actors::UplinkSpec& u) {
    Fields f;
    f.add("device", quoted(u.device));
    f.add("baud", std::to_string(u.baud));
    f.add("rtscts", u.rtscts ? "true" : "false");
    f.add("bus", word<SsSource>(words::buses, u.bus));
    f.add("id_base", std::to_string(u.id_base));
    f.add("ids", std::to_string(u.ids));
    return f.map();
}

} // namespace

std::string write_spec(const actors::PipelineSpec& spec) {
    std::string out;
    write_system(out, spec);
    out += "\n[daemon]\n";
    out += "gateway = " + quoted(spec.gateway) + "\n";
    out += "status_interval = " + millis_text(spec.status_interval) + "\n";

    out += "\n[sources]\n";
    for (const auto& s : spec.sources) out += s.name + " = " + source_text(s) + "\n";
    out += "\n[sensors]\n";
    for (const auto& s : spec.sensors) {
        bool on_adc = false, on_can = false;
        for (const auto& src : spec.sources)
            if (src.name == s.source) {
                on_adc = src.kind == actors::SourceKind::sim_adc;
                on_can = src.kind == actors::SourceKind::sim_can || src.kind == actors::SourceKind::socketcan;
            }
        out += s.name + " = " + sensor_text(s, on_adc, on_can) + "\n";
    }
    out += "\n[chains]\n";
    for (const auto& c : spec.chains) out += c.name + " = " + chain_text(c) + "\n";
    out += "\n[datasets]\n";
    for (const auto& d : spec.datasets) out += d.name + " = " + dataset_text(d) + "\n";

    out += "\n[destinations]\n";
    for (const auto& d : spec.destinations) out += d.name + " = " + destination_text(d) + "\n";
    out += "\n[uplinks]\n";
    for (const auto& u : spec.uplinks) out += u.name + " = " + uplink_text(u) + "\n";

    const actors::UploaderSpec& u = spec.uploader;
    out += "\n[uploader]\n";
    // With destinations, each names its kind: the file must not also name a transport.
    if (spec.destinations.empty())
        out += "transport = " + word<actors::TransportKind>(words::transports, u.transport) + "\n";
    out += "archive_dir = " + quoted(u.archive_dir) + "\n";
    out += "archive_file_bytes = " + std::to_string(u.archive_file_bytes) + "\n";
    out += "period = " + millis_text(u.period) + "\n";
    out += "batch_records = " + std::to_string(u.batch_records) + "\n";
    out += "batches_per_tick = " + std::to_string(u.batches_per_tick) + "\n";
    out += "batches_per_send = " + std::to_string(u.batches_per_send) + "\n";
    out += "backoff_base = " + millis_text(u.backoff_base) + "\n";
    out += "backoff_cap = " + millis_text(u.backoff_cap) + "\n";
    out += "quarantine_dir = " + quoted(u.quarantine_dir) + "\n";

    const actors::HttpSpec& h = spec.http;
    out += "\n[http]\n";
    out += std::string("enabled = ") + (h.enabled ? "true" : "false") + "\n";
    out += "address = " + quoted(h.address) + "\n";
    out += "port = " + std::to_string(h.port) + "\n";
    out += "max_sensor_series = " + std::to_string(h.max_sensor_series) + "\n";
    return out;
}

std::optional<std::string> real_text(double value) {
    if (!std::isfinite(value)) return std::nullopt;
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    std::string shortest(buf, r.ptr);
    // "2000" would read back as an integer.
    if (shortest.find_first_of(".e") == std::string::npos) shortest += ".0";
    if (reads_back(shortest, value)) return shortest;

    // The search: 1 to 17 significant digits (17 is the most a double needs; fewer find what a
    // person wrote, e.g. "3.0e-5"), the mantissa's last digit moved by up to 2, and up to 3
    // trailing zeros, each of which changes the scaling steps CAF takes.
    const std::string sign = value < 0 ? "-" : "";
    for (int digits = 1; digits <= 17; ++digits) {
        r = std::to_chars(buf, buf + sizeof buf, std::fabs(value), std::chars_format::scientific, digits - 1);
        const char* e = std::find(buf, r.ptr, 'e');
        std::uint64_t mantissa = 0;
        for (const char* p = buf; p != e; ++p)
            if (*p >= '0' && *p <= '9') mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
        int exponent = 0;
        const char* exp_begin = e + 1;
        if (exp_begin != r.ptr && *exp_begin == '+') ++exp_begin;
        std::from_chars(exp_begin, r.ptr, exponent);
        exponent -= digits - 1;
        for (const int step : {0, 1, -1, 2, -2}) {
            if (step < 0 && mantissa < static_cast<std::uint64_t>(-step)) continue;
            const std::uint64_t m = step < 0 ? mantissa - static_cast<std::uint64_t>(-step) : mantissa + static_cast<std::uint64_t>(step);
            for (int zeros = 0; zeros <= 3; ++zeros) {
                std::string text = sign + std::to_string(m) + std::string(static_cast<std::size_t>(zeros), '0') + "e" +
                                   std::to_string(exponent - zeros);
                if (reads_back(text, value)) return text;
            }
        }
    }
    return std::nullopt;
}

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: out += c;
        }
    }
    return out + "\"";
}

std::string value_text(const caf::config_value& value) {
    if (const auto* i = caf::get_if<caf::config_value::integer>(&value)) return std::to_string(*i);
    if (const auto* b = caf::get_if<caf::config_value::boolean>(&value)) return *b ? "true" : "false";
    if (const auto* d = caf::get_if<caf::config_value::real>(&value)) return real(*d);
    if (const auto* a = caf::get_if<caf::config_value::atom>(&value)) return "'" + caf::to_string(*a) + "'";
    if (const auto* t = caf::get_if<caf::config_value::timespan>(&value)) return timespan_text(*t);
    if (const auto* u = caf::get_if<caf::uri>(&value)) return "<" + caf::to_string(*u) + ">";
    if (const auto* s = caf::get_if<caf::config_value::string>(&value)) return quoted(*s);
    if (const auto* l = caf::get_if<caf::config_value::list>(&value)) {
        std::string out = "[";
        for (std::size_t i = 0; i < l->size(); ++i) out += (i == 0 ? "" : ", ") + value_text((*l)[i]);
        return out + "]";
    }
    if (const auto* m = caf::get_if<caf::config_value::dictionary>(&value)) {
        Fields f;
        for (const auto& [k, v] : *m) f.add(k.c_str(), value_text(v));
        return f.map();
    }
    return "?";
}

} // namespace ss::config
