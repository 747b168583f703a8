#include "sections.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "map_reader.hpp"
#include "words.hpp"

namespace ss::config {

namespace {

using Need = MapReader::Need;

// Every key a source may have; which of them a kind takes is read_source's, and finish() tells a
// key of another kind from a typo.
constexpr const char* all_source_keys[] = {"kind",    "bus",       "seed",   "rate",      "channels",
                                           "samples_per_half", "buffers", "signal", "amplitude", "offset",
                                           "frequency", "ramp_step", "period", "events_per_second",
                                           "baud",    "frame_rate", "corrupt_every", "clock", "interface"};
constexpr const char* sensor_keys[] = {"source", "id",        "count",  "type",      "channel",   "chain",
                                       "unit",   "valid",     "plausible", "slope",  "offset",    "calibrated",
                                       "can_id", "extended",  "start_bit", "length", "byte_order", "signed",
                                       "verify_level"};
constexpr const char* chain_keys[] = {"stages", "summarize", "processor"};
constexpr const char* all_stage_keys[] = {"kind", "window", "factor", "mode", "cutoff", "low", "high"};
constexpr const char* dataset_keys[] = {"id", "description", "sensors", "metadata"};
constexpr const char* all_destination_keys[] = {
    "kind", "codec", "compression", "compression_level", "url", "method", "max_in_flight", "batches_per_request", "connect_timeout", "request_timeout",
    "token_file", "token_env", "host", "port", "protocol", "client_id", "topic", "window", "ack_timeout",
    "username", "password_file", "tls", "verify_tls", "ca_file", "client_cert", "client_key"};
constexpr const char* uplink_keys[] = {"device", "baud", "rtscts", "bus", "id_base", "ids"};

void read_source(MapReader& r, actors::SourceSpec& s) {
    using actors::SourceKind;
    r.word<SourceKind>("kind", words::source_kinds, s.kind);
    r.word<SsSource>("bus", words::buses, s.bus);
    r.integer("seed", s.seed);
    if (!r.ok()) return;
    const bool bus = s.kind == SourceKind::sim_uart || s.kind == SourceKind::sim_spi || s.kind == SourceKind::sim_can ||
                     s.kind == SourceKind::socketcan;
    if (s.kind == SourceKind::sim_adc) {
        r.integer("rate", s.rate_hz);
        r.integer("channels", s.channels);
        r.integer("samples_per_half", s.samples_per_half);
    }
    if (s.kind == SourceKind::sim_adc || bus) r.integer("buffers", s.buffers);
    if (s.kind == SourceKind::sim_poll || s.kind == SourceKind::sim_spi) r.millis("period", s.period);
    if (s.kind == SourceKind::sim_events) r.real("events_per_second", s.events_per_second);
    if (s.kind == SourceKind::sim_uart) {
        r.integer("baud", s.baud);
        r.integer("corrupt_every", s.corrupt_every);
    }
    if (s.kind == SourceKind::sim_uart || s.kind == SourceKind::sim_can) r.integer("frame_rate", s.frame_rate);
    if (s.kind == SourceKind::sim_spi) r.integer("clock", s.spi_clock_hz);
    if (s.kind == SourceKind::socketcan) r.text("interface", s.interface, Need::required);
    if (s.kind == SourceKind::sim_adc || s.kind == SourceKind::sim_poll || (bus && s.kind != SourceKind::socketcan)) {
        r.word<actors::SignalShape>("signal", words::signals, s.signal);
        r.real("amplitude", s.amplitude);
        r.real("offset", s.offset);
        r.real("frequency", s.frequency_hz);
        r.integer("ramp_step", s.ramp_step);
    }
    const std::string why = "not for a '" + std::string(words::name_of<SourceKind>(words::source_kinds, s.kind)) +
                            "' source (see docs/configuration.md)";
    r.finish(all_source_keys, all_source_keys, why);
}

void read_sensor(MapReader& r, actors::SensorSpec& s) {
    r.text("source", s.source, Need::required);
    r.integer("id", s.id, Need::required);
    r.integer("count", s.count);
    r.word<RecordType>("type", words::record_types, s.type);
    r.integer("channel", s.channel);
    r.text("chain", s.chain);
    r.text("unit", s.unit);
    r.range("valid", s.valid_low, s.valid_high);
    // The plausible range is the valid one unless it is given.
    s.plausible_low = s.valid_low;
    s.plausible_high = s.valid_high;
    r.range("plausible", s.plausible_low, s.plausible_high);
    r.real("slope", s.slope);
    r.real("offset", s.offset);
    r.date("calibrated", s.calibrated_ms);
    // CAN signal keys: whether the sensor's source is a CAN one is check_spec's to say.
    r.integer("can_id", s.can_id);
    r.flag("extended", s.can_extended);
    r.integer("start_bit", s.start_bit);
    r.integer("length", s.length);
    r.word<bool>("byte_order", words::byte_orders, s.big_endian);
    r.flag("signed", s.is_signed);
    // Absent means the storage's level; the check holds a given one to 0..3.
    constexpr std::uint64_t absent = ~std::uint64_t{0};
    std::uint64_t level = absent;
    r.integer("verify_level", level);
    if (level != absent) s.verify_level = static_cast<std::uint32_t>(std::min<std::uint64_t>(level, 0xFFFF'FFFFu));
    r.finish(sensor_keys);
}

void read_stage(MapReader& r, actors::StageSpec& st) {
    using actors::StageKind;
    if (!r.word<StageKind>("kind", words::stage_kinds, st.kind, Need::required)) return;
    switch (st.kind) {
    case StageKind::moving_average: r.integer("window", st.window, Need::required); break;
    case StageKind::decimate:
        r.integer("factor", st.factor, Need::required);
        r.word<bool>("mode", words::decimation_modes, st.average);
        break;
    case StageKind::low_pass:
    case StageKind::high_pass: r.real("cutoff", st.cutoff_hz, Need::required); break;
    case StageKind::band_pass:
        r.real("low", st.low_hz, Need::required);
        r.real("high", st.high_hz, Need::required);
        break;
    }
    const std::string why = "not for a '" + std::string(words::name_of<StageKind>(words::stage_kinds, st.kind)) + "' stage";
    r.finish(all_stage_keys, all_stage_keys, why);
}

void read_chain(MapReader& r, actors::ChainSpec& c, std::optional<Problem>& problem) {
    if (const auto* stages = r.list("stages")) {
        for (std::size_t i = 0; i < stages->size() && r.ok(); ++i) {
            const std::string path = r.key_path("stages") + "[" + std::to_string(i) + "]";
            const auto* map = caf::get_if<caf::settings>(&(*stages)[i]);
            if (map == nullptr) {
                r.refuse("stages[" + std::to_string(i) + "]",
                         "expects a stage { kind = ..., ... }, got " + describe((*stages)[i]));
                break;
            }
            actors::StageSpec st;
            MapReader stage(*map, path, problem);
            read_stage(stage, st);
            c.stages.push_back(st);
        }
    }
    r.flag("summarize", c.summarize);
    r.text("processor", c.processor);
    r.finish(chain_keys);
}

void read_dataset(MapReader& r, actors::DatasetSpec& d) {
    r.text("id", d.id, Need::required);
    r.text("description", d.description);
    r.texts("sensors", d.sensors);
    r.text_map("metadata", d.metadata);
    r.finish(dataset_keys);
}

void read_destination(MapReader& r, actors::DestinationSpec& d) {
    using actors::DestinationKind;
    if (!r.word<DestinationKind>("kind", words::destination_kinds, d.kind, Need::required)) return;
    r.word<actors::CodecKind>("codec", words::codecs, d.codec);
    r.word<actors::CompressionKind>("compression", words::compressions, d.compression);
    r.integer("compression_level", d.compression_level);
    if (d.kind == DestinationKind::http) {
        r.text("url", d.url, Need::required);
        r.word<bool>("method", words::http_methods, d.put);
        r.integer("max_in_flight", d.max_in_flight);
        r.integer("batches_per_request", d.batches_per_request);
        r.millis("connect_timeout", d.connect_timeout);
        r.millis("request_timeout", d.request_timeout);
        r.text("token_file", d.token_file);
        r.text("token_env", d.token_env);
    } else {
        r.text("host", d.host);
        r.integer("port", d.port);
        r.word<bool>("protocol", words::mqtt_versions, d.mqtt_v5);
        r.text("client_id", d.client_id);
        r.text("topic", d.topic);
        r.integer("window", d.window);
        r.millis("connect_timeout", d.connect_timeout);
        r.millis("ack_timeout", d.ack_timeout);
        r.text("username", d.username);
        r.text("password_file", d.password_file);
        r.flag("tls", d.tls);
    }
    r.flag("verify_tls", d.verify_tls);
    r.text("ca_file", d.ca_file);
    r.text("client_cert", d.client_cert);
    r.text("client_key", d.client_key);
    const std::string why =
        "not for a '" + std::string(words::name_of<DestinationKind>(words::destination_kinds, d.kind)) + "' destination";
    r.finish(all_destination_keys, all_destination_keys, why);
}

void read_uplink(MapReader& r, actors::UplinkSpec& u) {
    r.text("device", u.device, Need::required);
    r.integer("baud", u.baud);
    r.flag("rtscts", u.rtscts);
    r.word<SsSource>("bus", words::buses, u.bus);
    r.integer("id_base", u.id_base, Need::required);
    r.integer("ids", u.ids);
    r.finish(uplink_keys);
}

// Calls read(reader, entry) for every key of the section, each entry named after its key, and
// puts the entries in file order.
template <class Entry, class Read>
void read_entries(const caf::settings& section, const char* section_name, const LineIndex& index,
                  std::vector<Entry>& out, std::optional<Problem>& problem, Read read) {
    for (const auto& [name, value] : section) {
        const std::string path = std::string(section_name) + "." + name;
        const auto* map = caf::get_if<caf::settings>(&value);
        if (map == nullptr) {
            problem = Problem{path, "expects a map { key = value, ... }, got " + describe(value)};
            return;
        }
        Entry e;
        e.name = name;
        MapReader r(*map, path, problem);
        read(r, e);
        if (problem) return;
        out.push_back(std::move(e));
    }
    const auto line = [&](const Entry& e) { return index.line_of(std::string(section_name) + "." + e.name); };
    std::stable_sort(out.begin(), out.end(), [&](const Entry& a, const Entry& b) { return line(a) < line(b); });
}

} // namespace

std::optional<Problem> read_entry_sections(const caf::settings& raw, const LineIndex& index,
                                           actors::PipelineSpec& spec) {
    std::optional<Problem> problem;
    const auto section = [&](const char* name) -> const caf::settings* {
        const auto at = raw.find(caf::string_view(name, std::strlen(name)));
        return at == raw.end() ? nullptr : caf::get_if<caf::settings>(&at->second);
    };
    if (const auto* s = section("sources")) read_entries(*s, "sources", index, spec.sources, problem, read_source);
    if (problem) return problem;
    if (const auto* s = section("sensors")) read_entries(*s, "sensors", index, spec.sensors, problem, read_sensor);
    if (problem) return problem;
    if (const auto* s = section("chains"))
        read_entries(*s, "chains", index, spec.chains, problem,
                     [&](MapReader& r, actors::ChainSpec& c) { read_chain(r, c, problem); });
    if (problem) return problem;
    if (const auto* s = section("datasets")) read_entries(*s, "datasets", index, spec.datasets, problem, read_dataset);
    if (problem) return problem;
    if (const auto* s = section("destinations"))
        read_entries(*s, "destinations", index, spec.destinations, problem, read_destination);
    if (problem) return problem;
    if (const auto* s = section("uplinks")) read_entries(*s, "uplinks", index, spec.uplinks, problem, read_uplink);
    return problem;
}

} // namespace ss::config
