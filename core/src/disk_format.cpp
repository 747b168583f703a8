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
constexpr std::size_t crc_v1 = 60; // version 1: bytes 48..59 are zero
constexpr std::size_t lost_records = 48;
constexpr std::size_t lost_until_seq = 56;
constexpr std::size_t lost_units = 64;
constexpr std::size_t crc = 76; // version 2: bytes 68..75 are zero
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
    store<std::uint64_t>(out + off::lost_records, m.lost_records);
    store<std::uint64_t>(out + off::lost_until_seq, m.lost_until_seq);
    store<std::uint32_t>(out + off::lost_units, m.lost_units);
    store<std::uint32_t>(out + off::crc, crc32c(out, off::crc));
}

MetaError decode_meta(const std::byte* data, std::size_t len, Meta& out) noexcept {
    if (len < meta_v1_bytes) return MetaError::too_short;
    if (load<std::uint32_t>(data + off::magic) != meta_magic) return MetaError::bad_magic;
    const std::uint16_t version = load<std::uint16_t>(data + off::version);
    if (version != 1 && version != meta_version) return MetaError::bad_version;
    if (version == meta_version && len < meta_bytes) return MetaError::too_short;
    const std::size_t crc_at = version == 1 ? off::crc_v1 : off::crc;
    if (load<std::uint32_t>(data + crc_at) != crc32c(data, crc_at)) return MetaError::bad_crc;
    // Reserved bytes are zero; a format that uses them gets a new version.
    const std::size_t reserved_at = version == 1 ? off::corrupt_units + 8 : off::lost_units + 4;
    if (!all_zero(data + reserved_at, crc_at - reserved_at)) return MetaError::bad_fields;
    const auto source = static_cast<std::uint8_t>(data[off::source]);
    const auto type = static_cast<std::uint8_t>(data[off::type]);
    Meta m;
    m.sensor_id = load<std::uint32_t>(data + off::sensor_id);
    m.unit_bytes = load<std::uint32_t>(data + off::unit_bytes);
    m.head_seq = load<std::uint64_t>(data + off::head_seq);
    m.seq_reserved = load<std::uint64_t>(data + off::seq_reserved);
    m.dropped_quota = load<std::uint64_t>(data + off::dropped_quota);
    m.corrupt_units = load<std::uint64_t>(data + off::corrupt_units);
    if (version == meta_version) {
        m.lost_records = load<std::uint64_t>(data + off::lost_records);
        m.lost_until_seq = load<std::uint64_t>(data + off::lost_until_seq);
        m.lost_units = load<std::uint32_t>(data + off::lost_units);
    }
    if (m.lost_until_seq > sector::max_seq + 1 || (m.lost_units == 0 && (m.lost_records != 0 || m.lost_until_seq != 0)))
        return MetaError::bad_fields;
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

namespace ack_off {
constexpr std::size_t magic = 0;
constexpr std::size_t version = 4;
constexpr std::size_t header_crc = 12;
constexpr std::size_t source = 0;
constexpr std::size_t sensor_id = 4;
constexpr std::size_t head_seq = 8;
constexpr std::size_t entry_crc = 20;
} // namespace ack_off

void encode_ack_log_header(std::byte* out) noexcept {
    for (std::size_t i = 0; i < ack_log_header_bytes; ++i) out[i] = std::byte{0};
    store<std::uint32_t>(out + ack_off::magic, ack_log_magic);
    store<std::uint16_t>(out + ack_off::version, ack_log_version);
    store<std::uint32_t>(out + ack_off::header_crc, crc32c(out, ack_off::header_crc));
}

bool check_ack_log_header(const std::byte* data, std::size_t len) noexcept {
    return len >= ack_log_header_bytes && load<std::uint32_t>(data + ack_off::magic) == ack_log_magic &&
           load<std::uint16_t>(data + ack_off::version) == ack_log_version && all_zero(data + 6, 6) &&
           load<std::uint32_t>(data + ack_off::header_crc) == crc32c(data, ack_off::header_crc);
}

void encode_ack_entry(const AckEntry& e, std::byte* out) noexcept {
    for (std::size_t i = 0; i < ack_entry_bytes; ++i) out[i] = std::byte{0};
    out[ack_off::source] = std::byte{static_cast<std::uint8_t>(e.source)};
    store<std::uint32_t>(out + ack_off::sensor_id, e.sensor_id);
    store<std::uint64_t>(out + ack_off::head_seq, e.head_seq);
    store<std::uint32_t>(out + ack_off::entry_crc, crc32c(out, ack_off::entry_crc));
}

bool decode_ack_entry(const std::byte* data, AckEntry& out) noexcept {
    if (load<std::uint32_t>(data + ack_off::entry_crc) != crc32c(data, ack_off::entry_crc)) return false;
    const auto source = static_cast<std::uint8_t>(data[ack_off::source]);
    const std::uint64_t head = load<std::uint64_t>(data + ack_off::head_seq);
    if (source > SS_SOURCE_CAN || !all_zero(data + 1, 3) || !all_zero(data + 16, 4) || head > sector::max_seq + 1)
        return false;
    out.source = static_cast<SsSource>(source);
    out.sensor_id = load<std::uint32_t>(data + ack_off::sensor_id);
    out.head_seq = head;
    return true;
}

LostUnit read_lost_unit(std::uint64_t offset, const std::byte* data, std::size_t len, RecordType type,
                        std::uint32_t unit_bytes) noexcept {
    LostUnit u;
    u.offset = offset;
    u.torn = len < unit_bytes;
    if (len < sector::header_v1_bytes) return u; // count and first sequence sit in every version's first 16
    const std::uint16_t count = sector::count(data);
    const std::uint64_t first = sector::first_seq(data);
    // The CRC covers the header too, so a failed unit's header is only evidence: it is believed
    // when it reads exactly as one of ours would.
    u.header_readable = static_cast<std::uint8_t>(data[0]) == sector::magic &&
                        sector::type_code(data) == static_cast<std::uint8_t>(type) && count != 0 &&
                        count <= sector::capacity(unit_bytes, type, sector::version(data)) && first + count <= sector::max_seq + 1;
    if (u.header_readable) {
        u.first_seq = first;
        u.records = count;
    }
    return u;
}

bool UnitScanner::feed(std::uint64_t offset, const std::byte* data, UnitInfo& unit) noexcept {
    lost_valid_ = false;
    // The part of the header every version has: zero there is a hole, whatever follows.
    if (all_zero(data, sector::header_v1_bytes)) {
        ++totals_.empty_units;
        return false;
    }
    if (!sector::verify(data, type_, unit_bytes_) || sector::count(data) == 0) {
        ++totals_.skipped_units;
        ++totals_.corrupt_units;
        lost_ = read_lost_unit(offset, data, unit_bytes_, type_, unit_bytes_);
        lost_valid_ = true;
        return false;
    }
    const std::uint64_t first = sector::first_seq(data);
    const std::uint16_t count = sector::count(data);
    if (first + count > sector::max_seq + 1) {
        // Numbers past 2^56 are never written: a forged or garbled unit, its records unknown.
        ++totals_.skipped_units;
        ++totals_.corrupt_units;
        lost_ = LostUnit{offset, 0, 0, false, false};
        lost_valid_ = true;
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

void encode_boot_record(std::uint32_t boot, std::byte* out) noexcept {
    for (std::size_t i = 0; i < boot_record_bytes; ++i) out[i] = std::byte{0};
    store<std::uint32_t>(out, boot_magic);
    store<std::uint16_t>(out + 4, boot_version);
    store<std::uint32_t>(out + 8, boot);
    store<std::uint32_t>(out + 12, crc32c(out, 12));
}

bool decode_boot_record(const std::byte* data, std::size_t len, std::uint32_t& boot) noexcept {
    if (len != boot_record_bytes || load<std::uint32_t>(data) != boot_magic ||
        load<std::uint16_t>(data + 4) != boot_version || load<std::uint16_t>(data + 6) != 0 ||
        load<std::uint32_t>(data + 12) != crc32c(data, 12))
        return false;
    boot = load<std::uint32_t>(data + 8);
    return true;
}

} // namespace ss::disk
