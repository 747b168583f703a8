#include "ss/upload/json_lines.hpp"

#include "key_text.hpp"
#include "output.hpp"
#include "ss/source_name.hpp"

namespace ss::upload {
namespace {

// A JSON string (RFC 8259 §7): quote and backslash escaped, control characters as \u00XX (check
// refuses them in names, but the escaping does not depend on it); other bytes, UTF-8 included,
// go as they are.
void json_string(detail::Output& o, std::string_view s) noexcept {
    static constexpr char hex[] = "0123456789abcdef";
    o.chr('"');
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            o.chr('\\');
            o.chr(c);
        } else if (u < 0x20) {
            o.text("\\u00");
            o.chr(hex[u >> 4]);
            o.chr(hex[u & 0xF]);
        } else {
            o.chr(c);
        }
    }
    o.chr('"');
}

void key(detail::Output& o, std::string_view k) noexcept {
    o.chr(',');
    o.chr('"');
    o.text(k);
    o.text("\":");
}

/// The part every line of the batch repeats: its key (as format_idempotency_key writes it; the
/// gateway name needs no escaping) and the batch's own fields.
void write_batch_fields(const Batch& b, detail::Output& o) noexcept {
    o.text("{\"key\":\"");
    detail::write_idempotency_key(b, o);
    o.chr('"');
    key(o, "gateway");
    json_string(o, b.gateway);
    key(o, "boot");
    o.decimal(b.boot);
    key(o, "source");
    json_string(o, source_name(b.source));
    key(o, "sensor");
    o.decimal(b.sensor_id);
    key(o, "type");
    o.text(b.type == RecordType::ts ? "\"ts\"" : "\"evt\"");
    key(o, "channel");
    json_string(o, b.channel);
    key(o, "unit");
    json_string(o, b.unit);
}

void write_lines(const Batch& b, detail::Output& o) noexcept {
    // Every line starts with the same key and batch fields: written once, then copied.
    const std::size_t batch_part = o.size();
    std::size_t batch_part_bytes = 0;
    for (std::uint32_t i = 0; i < b.count; ++i) {
        if (i == 0) {
            write_batch_fields(b, o);
            batch_part_bytes = o.size() - batch_part;
        } else {
            o.repeat(batch_part, batch_part_bytes);
        }
        key(o, "seq");
        o.decimal(b.seq(i));
        key(o, "value");
        o.decimal(b.value(i));
        if (b.type == RecordType::ts) {
            const std::uint64_t t = b.time_us(i);
            key(o, "time_us");
            if (t == sector::time_unknown) {
                o.text("null");
                key(o, "clock");
                o.text("null");
            } else {
                o.decimal(t & ~sector::utc_flag);
                key(o, "clock");
                o.text((t & sector::utc_flag) != 0 ? "\"utc\"" : "\"mono\"");
            }
        } else {
            key(o, "ts_ms");
            o.decimal(b.event_ms(i));
        }
        o.text("}\n");
    }
}

} // namespace

Expected<std::size_t> json_lines_size(const Batch& b) noexcept {
    if (auto ok = check(b); !ok) return std::unexpected(ok.error());
    detail::Output o;
    write_lines(b, o);
    return o.size();
}

Expected<std::size_t> json_lines_encode(const Batch& b, std::span<std::byte> out) noexcept {
    if (auto ok = check(b); !ok) return std::unexpected(ok.error());
    detail::Output o(out.data(), out.size());
    write_lines(b, o);
    if (!o.fits()) return std::unexpected(Errc::no_space);
    return o.size();
}

} // namespace ss::upload
