#include "ss/disk_format.hpp"

#include "ss/crc32c.hpp"

namespace ss::disk {

namespace {
namespace off {
constexpr std::size_t magic = 0;
constexpr std::size_t version = 4;
constexpr std::size_t source = 6;
constexpr std::size_t type = 7;
constexpr std::size_t sensor_id = 8;
constexpr std::size_t unit_bytes = 12;
constexpr std::size_t head_seq = 16;
constexpr std::size_t seq_reserved = 24;
constexpr std::size_t dropped_quota = 32;
constexpr std::size_t corrupt_units = 40;
constexpr std::size_t crc = 60; // bytes 48..59 are zero
} // namespace off

using sector::load;
using sector::store;

bool all_zero(const std::byte* p, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] != std::byte{0}) return false;
    return true;
}
} // namespace

void encode_meta(const Meta& m, std::byte* out) noexcept {
    for (std::size_t i = 0; i < meta_bytes; ++i) out[i] = std::byte{0};
    store<std::uint32_t>(out + off::magic, meta_magic);
    store<std::uint16_t>(out + off::version, meta_version);
    out[off::source] = std::byte{static_cast<std::uint8_t>(m.source)};
    out[off::type] = std::byte{static_cast<std::uint8_t>(m.type)};
    store<std::uint32_t>(out + off::sensor_id, m.sensor_id);
    store<std::uint32_t>(out + off::unit_bytes, m.unit_bytes);
    store<std::uint64_t>(out + off::head_seq, m.head_seq);
    store<std::uint64_t>(out + off::seq_reserved, m.seq_reserved);
    store<std::uint64_t>(out + off::dropped_quota, m.dropped_quota);
    store<std::uint64_t>(out + off::corrupt_units, m.corrupt_units);
    store<std::uint32_t>(out + off::crc, crc32c(out, off::crc));
}

MetaError decode_meta(const std::byte* data, std::size_t len, Meta& out) noexcept {
    if (len < meta_bytes) return MetaError::too_short;
    if (load<std::uint32_t>(data + off::magic) != meta_magic) return MetaError::bad_magic;
    if (load<std::uint16_t>(data + off::version) != meta_version) return MetaError::bad_version;
    if (load<std::uint32_t>(data + off::crc) != crc32c(data, off::crc)) return MetaError::bad_crc;
    // Reserved bytes are zero in version 1; a format that uses them gets a new version.
    if (!all_zero(data + off::corrupt_units + 8, off::crc - off::corrupt_units - 8)) return MetaError::bad_fields;
    const auto source = static_cast<std::uint8_t>(data[off::source]);
    const auto type = static_cast<std::uint8_t>(data[off::type]);
    Meta m;
    m.sensor_id = load<std::uint32_t>(data + off::sensor_id);
    m.unit_bytes = load<std::uint32_t>(data + off::unit_bytes);
    m.head_seq = load<std::uint64_t>(data + off::head_seq);
    m.seq_reserved = load<std::uint64_t>(data + off::seq_reserved);
    m.dropped_quota = load<std::uint64_t>(data + off::dropped_quota);
    m.corrupt_units = load<std::uint64_t>(data + off::corrupt_units);
    if (source > SS_SOURCE_CAN || (type != 1 && type != 2) || m.unit_bytes < sector::min_bytes ||
        m.unit_bytes > sector::max_bytes || m.unit_bytes % 4 != 0 || m.head_seq > m.seq_reserved ||
        m.seq_reserved > sector::max_seq + 1)
        return MetaError::bad_fields;
    m.source = static_cast<SsSource>(source);
    m.type = static_cast<RecordType>(type);
    out = m;
    return MetaError::none;
}

bool UnitScanner::feed(std::uint64_t offset, const std::byte* data, UnitInfo& unit) noexcept {
    if (all_zero(data, sector::header_bytes)) {
        ++totals_.empty_units;
        return false;
    }
    if (!sector::verify(data, type_, unit_bytes_) || sector::count(data) == 0) {
        ++totals_.skipped_units;
        return false;
    }
    const std::uint64_t first = sector::first_seq(data);
    const std::uint16_t count = sector::count(data);
    if (first + count > sector::max_seq + 1) {
        ++totals_.skipped_units; // numbers past 2^56 are never written: a forged or garbled unit
        return false;
    }
    if (any_ && first < end_seq_) {
        ++totals_.skipped_units; // stale: an older unit where only newer ones may be
        return false;
    }
    any_ = true;
    end_seq_ = first + count;
    ++totals_.valid_units;
    unit = UnitInfo{offset, first, count};
    return true;
}

} // namespace ss::disk
