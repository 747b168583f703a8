// The compact decoder reads input that may come from anywhere (a network, a serial line, a
// fuzzer): every read is bounds-checked against the input, every field against its range, and
// the batch as a whole against ss::upload::check before a record is written.
#include "ss/crc32c.hpp"
#include "ss/upload/compact_codec.hpp"
#include "zigzag.hpp"

namespace ss::upload {
namespace {

class Reader {
public:
    explicit Reader(std::span<const std::byte> in) noexcept : in_(in) {}

    bool byte(std::uint8_t& out) noexcept {
        if (pos_ >= in_.size()) return false;
        out = static_cast<std::uint8_t>(in_[pos_++]);
        return true;
    }
    /// An unsigned varint of at most 64 bits, in its shortest form (so that every batch has one
    /// encoding and a decoded batch re-encodes to the same bytes).
    bool varint(std::uint64_t& out) noexcept {
        std::uint64_t v = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            std::uint8_t b = 0;
            if (!byte(b)) return false;
            // The tenth byte holds bit 63 only.
            if (shift == 63 && b > 1) return false;
            v |= std::uint64_t{b & 0x7Fu} << shift;
            if ((b & 0x80) == 0) {
                if (b == 0 && shift != 0) return false; // a needless zero group
                out = v;
                return true;
            }
        }
        return false;
    }
    bool varint32(std::uint32_t& out) noexcept {
        std::uint64_t v = 0;
        if (!varint(v) || v > 0xFFFFFFFFu) return false;
        out = static_cast<std::uint32_t>(v);
        return true;
    }
    bool text(std::string_view& out, std::size_t max_bytes) noexcept {
        std::uint64_t n = 0;
        if (!varint(n) || n > max_bytes || n > in_.size() - pos_) return false;
        out = std::string_view(reinterpret_cast<const char*>(in_.data() + pos_), static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return true;
    }
    bool u32_le(std::uint32_t& out) noexcept {
        if (in_.size() - pos_ < 4) return false;
        out = sector::load<std::uint32_t>(in_.data() + pos_);
        pos_ += 4;
        return true;
    }
    std::size_t pos() const noexcept { return pos_; }

private:
    std::span<const std::byte> in_;
    std::size_t pos_ = 0;
};

/// Reads the header into b (records not set) and checks it as a batch would be checked.
Expected<void> read_header(Reader& r, Batch& b) noexcept {
    const auto bad = std::unexpected(Errc::invalid_argument);
    std::uint8_t m0 = 0, m1 = 0, version = 0, flags = 0;
    if (!r.byte(m0) || !r.byte(m1) || !r.byte(version) || !r.byte(flags)) return bad;
    if (m0 != compact::magic0 || m1 != compact::magic1 || version != compact::version) return bad;
    if ((flags & 0x70) != 0) return bad;
    const unsigned type = flags & 0x3u, source = (flags >> 2) & 0x3u;
    if (type != static_cast<unsigned>(RecordType::ts) && type != static_cast<unsigned>(RecordType::evt)) return bad;
    if (source > SS_SOURCE_CAN) return bad;
    b.type = static_cast<RecordType>(type);
    b.source = static_cast<SsSource>(source);
    std::uint64_t time = 0;
    if (!r.varint32(b.boot) || !r.varint32(b.sensor_id) || !r.varint(b.first_seq) || !r.varint32(b.count) ||
        !r.varint(time) || !r.varint32(b.period_us))
        return bad;
    if ((time & sector::utc_flag) != 0) return bad;
    b.first_time_us = time | ((flags & 0x80) != 0 ? sector::utc_flag : 0);
    if (!r.text(b.gateway, max_gateway_bytes) || !r.text(b.channel, max_name_bytes) || !r.text(b.unit, max_name_bytes))
        return bad;
    // check wants records present; the header is judged without them.
    static constexpr std::byte placeholder{};
    b.records = &placeholder;
    if (!check(b)) return bad;
    b.records = nullptr;
    return {};
}

} // namespace

Expected<std::size_t> compact_records_bytes(std::span<const std::byte> in) noexcept {
    Reader r(in);
    Batch b;
    if (auto ok = read_header(r, b); !ok) return std::unexpected(ok.error());
    return b.records_bytes();
}

Expected<CompactDecoded> compact_decode(std::span<const std::byte> in, std::span<std::byte> records) noexcept {
    const auto bad = std::unexpected(Errc::invalid_argument);
    Reader r(in);
    CompactDecoded d;
    Batch& b = d.batch;
    if (auto ok = read_header(r, b); !ok) return std::unexpected(ok.error());
    if (records.size() < b.records_bytes()) return std::unexpected(Errc::no_space);
    const std::size_t stride = b.record_bytes();
    std::uint32_t value = 0;
    for (std::uint32_t i = 0; i < b.count; ++i) {
        std::uint32_t z = 0;
        if (!r.varint32(z)) return bad;
        value += detail::unzigzag32(z);
        sector::store<std::uint32_t>(records.data() + std::size_t{i} * stride, value);
    }
    if (b.type == RecordType::evt) {
        std::uint64_t ms = 0;
        for (std::uint32_t i = 0; i < b.count; ++i) {
            std::uint64_t z = 0;
            if (!r.varint(z)) return bad;
            ms += detail::unzigzag64(z);
            sector::store<std::uint64_t>(records.data() + std::size_t{i} * stride + 4, ms);
        }
    }
    const std::size_t body = r.pos();
    std::uint32_t crc = 0;
    if (!r.u32_le(crc)) return bad;
    if (crc != crc32c(in.data(), body)) return std::unexpected(Errc::io_error);
    b.records = records.data();
    d.bytes = r.pos();
    return d;
}

} // namespace ss::upload
