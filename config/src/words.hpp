// The words the config file uses for the spec's enumerations, in one table each, so reading,
// checking and writing a file cannot disagree on them.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ss/actors/pipeline_spec.hpp"
#include "ss/source_name.hpp"

namespace ss::config::words {

template <class E>
struct Word {
    const char* text;
    E value;
};

inline constexpr Word<actors::SourceKind> source_kinds[] = {
    {"sim_adc", actors::SourceKind::sim_adc},
    {"sim_poll", actors::SourceKind::sim_poll},
    {"sim_events", actors::SourceKind::sim_events},
    {"external", actors::SourceKind::external},
    {"sim_uart", actors::SourceKind::sim_uart},
    {"sim_spi", actors::SourceKind::sim_spi},
    {"sim_can", actors::SourceKind::sim_can},
    {"socketcan", actors::SourceKind::socketcan},
};
// The core's own names (ss/source_name.hpp), which are also the disk tier's directory names.
inline constexpr Word<SsSource> buses[] = {
    {source_name(SS_SOURCE_HOST), SS_SOURCE_HOST},
    {source_name(SS_SOURCE_APP), SS_SOURCE_APP},
    {source_name(SS_SOURCE_CAN), SS_SOURCE_CAN},
};
inline constexpr Word<actors::SignalShape> signals[] = {
    {"sine", actors::SignalShape::sine},
    {"ramp", actors::SignalShape::ramp},
    {"noise", actors::SignalShape::noise},
};
inline constexpr Word<RecordType> record_types[] = {
    {"ts", RecordType::ts},
    {"evt", RecordType::evt},
};
inline constexpr Word<actors::StageKind> stage_kinds[] = {
    {"moving_average", actors::StageKind::moving_average},
    {"decimate", actors::StageKind::decimate},
    {"low_pass", actors::StageKind::low_pass},
    {"high_pass", actors::StageKind::high_pass},
    {"band_pass", actors::StageKind::band_pass},
};
// A CAN signal's byte order (DBC: Intel, Motorola); the spec keeps it as `big_endian` or not.
inline constexpr Word<bool> byte_orders[] = {
    {"little_endian", false},
    {"big_endian", true},
};
// decimate's mode; the spec keeps it as `average` (true) or not.
inline constexpr Word<bool> decimation_modes[] = {
    {"average", true},
    {"first", false},
};
inline constexpr Word<actors::DestinationKind> destination_kinds[] = {
    {"http", actors::DestinationKind::http},
    {"mqtt", actors::DestinationKind::mqtt},
};
// "line_protocol" is longer than a CAF atom may be (10): written as a string.
inline constexpr Word<actors::CodecKind> codecs[] = {
    {"json_lines", actors::CodecKind::json_lines},
    {"line_protocol", actors::CodecKind::line_protocol},
    {"compact", actors::CodecKind::compact},
};
inline constexpr Word<actors::CompressionKind> compressions[] = {
    {"none", actors::CompressionKind::none},
    {"gzip", actors::CompressionKind::gzip},
    {"zstd", actors::CompressionKind::zstd},
};
// An HTTP destination's method; the spec keeps it as `put` or not.
inline constexpr Word<bool> http_methods[] = {
    {"POST", false},
    {"PUT", true},
};
// The MQTT protocol version; the spec keeps it as `mqtt_v5` or not.
inline constexpr Word<bool> mqtt_versions[] = {
    {"v5", true},
    {"v311", false},
};
inline constexpr Word<actors::TransportKind> transports[] = {
    {"archive", actors::TransportKind::archive},
    {"none", actors::TransportKind::none},
};

template <class E>
std::optional<E> find(std::span<const Word<E>> table, std::string_view text) {
    for (const auto& w : table)
        if (text == w.text) return w.value;
    return std::nullopt;
}

/// The word for `value`, or nullptr if the table has none (a value cast from outside the enum).
template <class E>
const char* name_of(std::span<const Word<E>> table, E value) {
    for (const auto& w : table)
        if (w.value == value) return w.text;
    return nullptr;
}

/// "'a', 'b' or 'c'", for messages.
template <class E>
std::string choices(std::span<const Word<E>> table) {
    std::string out;
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (i != 0) out += i + 1 == table.size() ? " or " : ", ";
        out += std::string("'") + table[i].text + "'";
    }
    return out;
}

} // namespace ss::config::words
