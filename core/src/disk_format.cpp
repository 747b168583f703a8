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

namespace {
namespace ledger_off {
constexpr std::size_t magic = 0;
constexpr std::size_t version = 4;
constexpr std::size_t count = 8;
constexpr std::size_t entries_crc = 12;
constexpr std::size_t crc = 28; // bytes 6..7 and 16..27 are zero
constexpr std::size_t e_source = 0;
constexpr std::size_t e_sensor_id = 4; // bytes 1..3 are zero
constexpr std::size_t e_next_seq = 8;
} // namespace ledger_off
} // namespace

void encode_ledger_entry(const LedgerEntry& e, std::byte* out) noexcept {
    for (std::size_t i = 0; i < ledger_entry_bytes; ++i) out[i] = std::byte{0};
    out[ledger_off::e_source] = std::byte{static_cast<std::uint8_t>(e.source)};
    store<std::uint32_t>(out + ledger_off::e_sensor_id, e.sensor_id);
    store<std::uint64_t>(out + ledger_off::e_next_seq, e.next_seq);
}

void encode_ledger_header(std::uint32_t count, const std::byte* entries, std::byte* out) noexcept {
    for (std::size_t i = 0; i < ledger_header_bytes; ++i) out[i] = std::byte{0};
    store<std::uint32_t>(out + ledger_off::magic, ledger_magic);
    store<std::uint16_t>(out + ledger_off::version, ledger_version);
    store<std::uint32_t>(out + ledger_off::count, count);
    store<std::uint32_t>(out + ledger_off::entries_crc, crc32c(entries, std::size_t{count} * ledger_entry_bytes));
    store<std::uint32_t>(out + ledger_off::crc, crc32c(out, ledger_off::crc));
}

LedgerError check_ledger(const std::byte* data, std::size_t len, std::uint32_t& count) noexcept {
    if (len < ledger_header_bytes) return LedgerError::too_short;
    if (load<std::uint32_t>(data + ledger_off::magic) != ledger_magic) return LedgerError::bad_magic;
    if (load<std::uint16_t>(data + ledger_off::version) != ledger_version) return LedgerError::bad_version;
    if (load<std::uint32_t>(data + ledger_off::crc) != crc32c(data, ledger_off::crc)) return LedgerError::bad_crc;
    if (!all_zero(data + 6, 2) || !all_zero(data + 16, ledger_off::crc - 16)) return LedgerError::bad_fields;
    const std::uint32_t n = load<std::uint32_t>(data + ledger_off::count);
    if (n > ledger_max_entries) return LedgerError::bad_fields;
    // The whole file is the header and its entries: anything else is a torn or foreign file.
    if (len != ledger_header_bytes + std::size_t{n} * ledger_entry_bytes) return LedgerError::too_short;
    const std::byte* e = data + ledger_header_bytes;
    if (load<std::uint32_t>(data + ledger_off::entries_crc) != crc32c(e, std::size_t{n} * ledger_entry_bytes))
        return LedgerError::bad_crc;
    for (std::uint32_t i = 0; i < n; ++i, e += ledger_entry_bytes) {
        if (static_cast<std::uint8_t>(e[ledger_off::e_source]) > SS_SOURCE_CAN || !all_zero(e + 1, 3) ||
            load<std::uint64_t>(e + ledger_off::e_next_seq) > sector::max_seq + 1)
            return LedgerError::bad_fields;
    }
    count = n;
    return LedgerError::none;
}

LedgerEntry ledger_entry(const std::byte* data, std::uint32_t i) noexcept {
    const std::byte* e = data + ledger_header_bytes + std::size_t{i} * ledger_entry_bytes;
    LedgerEntry out;
    out.source = static_cast<SsSource>(static_cast<std::uint8_t>(e[ledger_off::e_source]));
    out.sensor_id = load<std::uint32_t>(e + ledger_off::e_sensor_id);
    out.next_seq = load<std::uint64_t>(e + ledger_off::e_next_seq);
    return out;
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
