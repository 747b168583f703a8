#include "output.hpp"
#include "ss/crc32c.hpp"
#include "ss/upload/compact_codec.hpp"
#include "zigzag.hpp"

namespace ss::upload {
namespace {

void write_batch(const Batch& b, detail::Output& o) noexcept {
    o.byte(compact::magic0);
    o.byte(compact::magic1);
    o.byte(compact::version);
    const bool utc = (b.first_time_us & sector::utc_flag) != 0;
    o.byte(static_cast<std::uint8_t>(static_cast<unsigned>(b.type) | static_cast<unsigned>(b.source) << 2 |
                                     (utc ? 0x80u : 0u)));
    o.varint(b.boot);
    o.varint(b.sensor_id);
    o.varint(b.first_seq);
    o.varint(b.count);
    o.varint(b.first_time_us & ~sector::utc_flag);
    o.varint(b.period_us);
    for (std::string_view s : {b.gateway, b.channel, b.unit}) {
        o.varint(s.size());
        o.text(s);
    }
    std::uint32_t prev_value = 0;
    for (std::uint32_t i = 0; i < b.count; ++i) {
        const std::uint32_t v = b.value(i);
        o.varint(detail::zigzag32(v - prev_value));
        prev_value = v;
    }
    if (b.type == RecordType::evt) {
        std::uint64_t prev_ms = 0;
        for (std::uint32_t i = 0; i < b.count; ++i) {
            const std::uint64_t ms = b.event_ms(i);
            o.varint(detail::zigzag64(ms - prev_ms));
            prev_ms = ms;
        }
    }
}

} // namespace

Expected<std::size_t> compact_size(const Batch& b) noexcept {
    if (auto ok = check(b); !ok) return std::unexpected(ok.error());
    detail::Output o;
    write_batch(b, o);
    return o.size() + compact::crc_bytes;
}

Expected<std::size_t> compact_encode(const Batch& b, std::span<std::byte> out) noexcept {
    if (auto ok = check(b); !ok) return std::unexpected(ok.error());
    detail::Output o(out.data(), out.size());
    write_batch(b, o);
    const std::size_t body = o.size();
    if (!o.fits() || out.size() - body < compact::crc_bytes) return std::unexpected(Errc::no_space);
    sector::store<std::uint32_t>(out.data() + body, crc32c(out.data(), body));
    return body + compact::crc_bytes;
}

} // namespace ss::upload
