#include "ss/upload/influx_line.hpp"

#include <limits>

#include "output.hpp"
#include "ss/source_name.hpp"

namespace ss::upload {
namespace {

constexpr std::uint64_t int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
// Sub-precision digits that carry the sequence number: 3 below a µs, 6 below a ms.
constexpr std::uint64_t ts_seq_mod = 1'000;
constexpr std::uint64_t evt_seq_mod = 1'000'000;

// Line protocol escaping: a measurement escapes commas and spaces, a tag value also equals signs.
// Backslashes are refused before (see influx_line_size), so no escape can be misread.
void escaped(detail::Output& o, std::string_view s, bool is_tag) noexcept {
    for (char c : s) {
        if (c == ',' || c == ' ' || (is_tag && c == '=')) o.chr('\\');
        o.chr(c);
    }
}

Expected<void> check_influx(const Batch& b) noexcept {
    if (auto ok = check(b); !ok) return ok;
    if (b.channel.front() == '#') return std::unexpected(Errc::invalid_argument);
    if (b.channel.find('\\') != std::string_view::npos || b.unit.find('\\') != std::string_view::npos)
        return std::unexpected(Errc::invalid_argument);
    // Times are monotonic within a batch (a TS time base, or each event checked on its own):
    // the first and last TS record bound the rest.
    if (b.type == RecordType::ts) {
        if (!influx_timestamp_ns(b, 0) || !influx_timestamp_ns(b, b.count - 1)) return std::unexpected(Errc::invalid_argument);
    } else {
        for (std::uint32_t i = 0; i < b.count; ++i)
            if (!influx_timestamp_ns(b, i)) return std::unexpected(Errc::invalid_argument);
    }
    return {};
}

/// The series every line of the batch names: measurement and tags, in key order as InfluxDB
/// sorts them.
void write_series(const Batch& b, detail::Output& o) noexcept {
    escaped(o, b.channel, false);
    o.text(",boot=");
    o.decimal(b.boot);
    o.text(",gateway=");
    escaped(o, b.gateway, true);
    o.text(",sensor=");
    o.decimal(b.sensor_id);
    o.text(",source=");
    o.text(source_name(b.source));
    if (!b.unit.empty()) {
        o.text(",unit=");
        escaped(o, b.unit, true);
    }
}

void write_lines(const Batch& b, detail::Output& o) noexcept {
    // Written once, then copied for every further line.
    const std::size_t series = o.size();
    std::size_t series_bytes = 0;
    for (std::uint32_t i = 0; i < b.count; ++i) {
        if (i == 0) {
            write_series(b, o);
            series_bytes = o.size() - series;
        } else {
            o.repeat(series, series_bytes);
        }
        o.text(" value=");
        o.decimal(b.value(i));
        o.text("i,seq=");
        o.decimal(b.seq(i));
        o.text("i ");
        o.decimal(static_cast<std::uint64_t>(*influx_timestamp_ns(b, i)));
        o.chr('\n');
    }
}

} // namespace

Expected<std::int64_t> influx_timestamp_ns(const Batch& b, std::uint32_t i) noexcept {
    std::uint64_t t = 0, scale = 0, mod = 0;
    if (b.type == RecordType::ts) {
        const std::uint64_t us = b.time_us(i);
        if (us == sector::time_unknown) return std::unexpected(Errc::invalid_argument);
        t = us & ~sector::utc_flag;
        scale = 1'000;
        mod = ts_seq_mod;
    } else {
        t = b.event_ms(i);
        scale = 1'000'000;
        mod = evt_seq_mod;
    }
    if (t > (int64_max - (mod - 1)) / scale) return std::unexpected(Errc::invalid_argument);
    return static_cast<std::int64_t>(t * scale + b.seq(i) % mod);
}

Expected<std::size_t> influx_line_size(const Batch& b) noexcept {
    if (auto ok = check_influx(b); !ok) return std::unexpected(ok.error());
    detail::Output o;
    write_lines(b, o);
    return o.size();
}

Expected<std::size_t> influx_line_encode(const Batch& b, std::span<std::byte> out) noexcept {
    if (auto ok = check_influx(b); !ok) return std::unexpected(ok.error());
    detail::Output o(out.data(), out.size());
    write_lines(b, o);
    if (!o.fits()) return std::unexpected(Errc::no_space);
    return o.size();
}

} // namespace ss::upload
