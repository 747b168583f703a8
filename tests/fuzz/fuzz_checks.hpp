// The checks the fuzz targets run on one input, shared with the doctest replay of the seed corpus
// and of the regressions (regression_test.cpp), so that an input a fuzzer found replays through
// exactly the same checks in the normal g++ build. Each check returns an empty string if every
// invariant holds, else a description of the first one broken. Memory errors are left to the
// sanitizers: every buffer the library reads is a heap copy of exactly the size it is told, so
// AddressSanitizer sees any read past it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>

#include "ss/crc32c.hpp"
#include "ss/disk_format.hpp"
#include "ss/sector_format.hpp"

namespace ss::fuzz {

/// An exactly-sized heap copy of n bytes (n may be 0).
inline std::unique_ptr<std::byte[]> exact_copy(const std::uint8_t* data, std::size_t n) {
    auto p = std::make_unique<std::byte[]>(n);
    if (n != 0) std::memcpy(p.get(), data, n);
    return p;
}

inline bool same_meta(const disk::Meta& a, const disk::Meta& b) noexcept {
    return a.source == b.source && a.type == b.type && a.sensor_id == b.sensor_id && a.unit_bytes == b.unit_bytes &&
           a.head_seq == b.head_seq && a.seq_reserved == b.seq_reserved && a.dropped_quota == b.dropped_quota &&
           a.corrupt_units == b.corrupt_units && a.lost_units == b.lost_units && a.lost_records == b.lost_records &&
           a.lost_until_seq == b.lost_until_seq;
}

/// A Meta no decode can produce (unit_bytes 1 is out of range): a rejected decode must leave it.
inline disk::Meta sentinel_meta() noexcept {
    disk::Meta m;
    m.source = SS_SOURCE_CAN;
    m.type = RecordType::evt;
    m.sensor_id = 0xDEADBEEF;
    m.unit_bytes = 1;
    m.head_seq = 0x1111;
    m.seq_reserved = 0x2222;
    m.dropped_quota = 0x3333;
    m.corrupt_units = 0x4444;
    return m;
}

/// fuzz_meta: the input is a meta record of any length. It is checked as it is and, if it is
/// long enough, once more with its CRC recomputed: a fuzzer cannot forge a CRC32C by mutation, so
/// without the second pass it would rarely get past the CRC check to the field checks.
///  - decode_meta never reads past `size` bytes (ASan), rejects anything under 64 bytes (the
///    version 1 size) and nothing of 80 bytes (the version 2 size) or more as too short;
///  - a rejected record leaves the output untouched;
///  - an accepted record has its fields in range, re-encodes (as version 2) to the same field
///    bytes, and the re-encoding decodes to the same Meta;
///  - a longer input decodes as its first 80 bytes do.
inline std::string check_meta_once(const std::uint8_t* data, std::size_t size) {
    const auto buf = exact_copy(data, size);
    disk::Meta m = sentinel_meta();
    const disk::MetaError e = disk::decode_meta(buf.get(), size, m);
    if (size < disk::meta_v1_bytes && e != disk::MetaError::too_short) return "a record under 64 bytes was not too_short";
    if (size >= disk::meta_bytes && e == disk::MetaError::too_short) return "a record of 80 bytes or more was too_short";
    if (size > disk::meta_bytes) {
        const auto head = exact_copy(data, disk::meta_bytes);
        disk::Meta h = sentinel_meta();
        const disk::MetaError he = disk::decode_meta(head.get(), disk::meta_bytes, h);
        if (he != e || !same_meta(h, m)) return "a longer record decoded differently from its first 80 bytes";
    }
    if (e != disk::MetaError::none) {
        if (!same_meta(m, sentinel_meta())) return "a rejected record changed the output";
        return {};
    }
    if (m.source > SS_SOURCE_CAN) return "accepted source out of range";
    if (m.type != RecordType::ts && m.type != RecordType::evt) return "accepted record type out of range";
    if (m.unit_bytes < sector::min_bytes || m.unit_bytes > sector::max_bytes || m.unit_bytes % 4 != 0)
        return "accepted unit_bytes out of range";
    if (m.head_seq > m.seq_reserved) return "accepted head_seq > seq_reserved";
    if (m.seq_reserved > sector::max_seq + 1) return "accepted seq_reserved > 2^56";
    if (m.lost_until_seq > sector::max_seq + 1) return "accepted lost_until_seq > 2^56";
    if (m.lost_units == 0 && (m.lost_records != 0 || m.lost_until_seq != 0)) return "accepted losses without lost units";

    auto again = std::make_unique<std::byte[]>(disk::meta_bytes);
    disk::encode_meta(m, again.get());
    const bool v2 = sector::load<std::uint16_t>(buf.get() + 4) == 2;
    // Every field but the version (a version 1 record is re-encoded as version 2).
    if (std::memcmp(again.get(), data, 4) != 0 || std::memcmp(again.get() + 6, data + 6, 42) != 0 ||
        (v2 && std::memcmp(again.get() + 48, data + 48, 20) != 0))
        return "re-encoding changed the fields' bytes";
    disk::Meta m2 = sentinel_meta();
    if (disk::decode_meta(again.get(), disk::meta_bytes, m2) != disk::MetaError::none)
        return "the re-encoding of an accepted record is rejected";
    if (!same_meta(m, m2)) return "the re-encoding decodes to a different Meta";
    return {};
}

inline std::string check_meta(const std::uint8_t* data, std::size_t size) {
    std::string broken = check_meta_once(data, size);
    if (!broken.empty() || size < disk::meta_v1_bytes) return broken;
    const auto sealed = exact_copy(data, size);
    const bool v2 = sector::load<std::uint16_t>(sealed.get() + 4) == 2;
    if (v2 && size < disk::meta_bytes) return broken;
    const std::size_t crc_at = v2 ? 76 : 60;
    sector::store<std::uint32_t>(sealed.get() + crc_at, crc32c(sealed.get(), crc_at));
    broken = check_meta_once(reinterpret_cast<const std::uint8_t*>(sealed.get()), size);
    return broken.empty() ? broken : "with its CRC recomputed: " + broken;
}

/// The shutdown ledger's checker over arbitrary bytes: an accepted ledger has the size its count
/// says, fields in range, and re-encodes to exactly the same bytes.
inline std::string check_ledger_once(const std::uint8_t* data, std::size_t size) {
    const auto buf = exact_copy(data, size);
    std::uint32_t count = 0xFFFF'FFFFu;
    const disk::LedgerError e = disk::check_ledger(buf.get(), size, count);
    if (size < disk::ledger_header_bytes && e != disk::LedgerError::too_short) return "a ledger under 32 bytes was not too_short";
    if (e != disk::LedgerError::none) {
        if (count != 0xFFFF'FFFFu) return "a rejected ledger set the count";
        return {};
    }
    if (size != disk::ledger_header_bytes + std::size_t{count} * disk::ledger_entry_bytes) return "accepted a ledger of the wrong size";
    auto again = std::make_unique<std::byte[]>(size);
    for (std::uint32_t i = 0; i < count; ++i) {
        const disk::LedgerEntry le = disk::ledger_entry(buf.get(), i);
        if (le.source > SS_SOURCE_CAN) return "accepted a ledger entry with a source out of range";
        if (le.next_seq > sector::max_seq + 1) return "accepted a ledger entry past 2^56";
        disk::encode_ledger_entry(le, again.get() + disk::ledger_header_bytes + std::size_t{i} * disk::ledger_entry_bytes);
    }
    disk::encode_ledger_header(count, again.get() + disk::ledger_header_bytes, again.get());
    if (std::memcmp(again.get(), data, size) != 0) return "re-encoding an accepted ledger changed its bytes";
    return {};
}

/// check_ledger_once on the bytes, and again with both CRCs recomputed (so mutations reach the
/// field checks instead of all failing the CRC).
inline std::string check_ledger(const std::uint8_t* data, std::size_t size) {
    std::string broken = check_ledger_once(data, size);
    if (!broken.empty() || size < disk::ledger_header_bytes) return broken;
    const auto sealed = exact_copy(data, size);
    const std::size_t entries = (size - disk::ledger_header_bytes) / disk::ledger_entry_bytes;
    sector::store<std::uint32_t>(sealed.get() + 12, crc32c(sealed.get() + disk::ledger_header_bytes, entries * disk::ledger_entry_bytes));
    sector::store<std::uint32_t>(sealed.get() + 28, crc32c(sealed.get(), 28));
    broken = check_ledger_once(reinterpret_cast<const std::uint8_t*>(sealed.get()), size);
    return broken.empty() ? broken : "with its CRCs recomputed: " + broken;
}

/// The meta target's inputs also go through the ledger checks: both are small files the tier
/// reads at recovery and trusts only after their checks.
/// The acknowledgement log's entry decoder over the first ack_entry_bytes of arbitrary bytes,
/// as read and with its CRC recomputed (so mutations reach the field checks): an accepted entry
/// has its fields in range and re-encodes to exactly its bytes.
inline std::string check_ack_entry(const std::uint8_t* data, std::size_t size) {
    if (size < disk::ack_entry_bytes) return {};
    std::byte e[disk::ack_entry_bytes];
    std::memcpy(e, data, sizeof e);
    for (int pass = 0; pass < 2; ++pass) {
        if (pass == 1) sector::store<std::uint32_t>(e + 20, crc32c(e, 20));
        disk::AckEntry a;
        if (!disk::decode_ack_entry(e, a)) continue;
        if (a.source > SS_SOURCE_CAN) return "accepted an acknowledgement entry with a source out of range";
        if (a.head_seq > sector::max_seq + 1) return "accepted an acknowledgement entry past 2^56";
        std::byte again[disk::ack_entry_bytes];
        disk::encode_ack_entry(a, again);
        if (std::memcmp(again, e, sizeof e) != 0) return "re-encoding an accepted acknowledgement entry changed its bytes";
    }
    return {};
}

inline std::string check_meta_and_ledger(const std::uint8_t* data, std::size_t size) {
    std::string broken = check_meta(data, size);
    if (broken.empty()) broken = check_ledger(data, size);
    if (broken.empty()) broken = check_ack_entry(data, size);
    return broken;
}

/// How fuzz_unit_scanner reads its input: byte 0 chooses the record type (bit 0: 0 TS, 1 EVT)
/// and whether to reseal (bit 1), byte 1 the unit size (bits 0..1 index unit_sizes), the rest is
/// the data file image. A trailing partial unit is ignored, as recovery ignores it. Resealing
/// recomputes the CRC of every slot that starts with the sector magic and whose count fits (for
/// the type its header names, or the file's if that is neither TS nor EVT) before it is fed, so
/// that mutated headers and sequence numbers reach the scanner's ordering rules instead of all
/// failing the CRC.
inline constexpr std::uint32_t unit_sizes[4] = {32, 64, 256, 4096};
inline constexpr std::size_t scanner_header_bytes = 2;

struct ScannerInput {
    RecordType type;
    bool reseal;
    std::uint32_t unit_bytes;
    const std::uint8_t* image;
    std::size_t image_bytes;
};

inline bool split_scanner_input(const std::uint8_t* data, std::size_t size, ScannerInput& in) noexcept {
    if (size < scanner_header_bytes) return false;
    in.type = (data[0] & 1) != 0 ? RecordType::evt : RecordType::ts;
    in.reseal = (data[0] & 2) != 0;
    in.unit_bytes = unit_sizes[data[1] & 3];
    in.image = data + scanner_header_bytes;
    in.image_bytes = size - scanner_header_bytes;
    return true;
}

/// fuzz_unit_scanner: every unit-sized slot of the image goes through one UnitScanner, each in
/// its own exactly-sized heap buffer.
///  - each feed counts the slot exactly once: valid, skipped, or empty (all-zero header);
///  - a valid UnitInfo names the slot's offset, its first sequence number and count, has
///    0 < count <= capacity, and its slot verifies with sector::verify;
///  - first sequence numbers strictly increase across valid units, and each starts at or after
///    the end of the previous one; end_seq() is the end of the last valid unit (0 before any);
///  - no slot that verifies, holds records and comes in sequence is lost (the scanner's rule,
///    restated independently);
///  - at the end the totals add up to the number of slots.
inline std::string check_scanner(const std::uint8_t* data, std::size_t size) {
    ScannerInput in{};
    if (!split_scanner_input(data, size, in)) return {};
    const std::uint32_t ub = in.unit_bytes;
    const std::size_t slots = in.image_bytes / ub;
    disk::UnitScanner scanner(in.type, ub);
    auto slot = std::make_unique<std::byte[]>(ub);
    std::uint64_t valid = 0;
    bool any = false;
    std::uint64_t prev_first = 0, prev_end = 0;
    for (std::size_t i = 0; i < slots; ++i) {
        std::memcpy(slot.get(), in.image + i * ub, ub);
        if (in.reseal && static_cast<std::uint8_t>(slot[0]) == sector::magic) {
            const std::uint8_t code = sector::type_code(slot.get());
            const RecordType t = code == 1 || code == 2 ? static_cast<RecordType>(code) : in.type;
            const std::uint16_t n = sector::count(slot.get());
            if (n <= sector::capacity(ub, t, sector::version(slot.get())))
                sector::store<std::uint32_t>(slot.get() + sector::offset::crc, sector::compute_crc(slot.get(), n, t));
        }
        const std::uint64_t offset = std::uint64_t{i} * ub;
        const disk::ScanTotals before = scanner.totals();
        disk::UnitInfo u{~std::uint64_t{0}, ~std::uint64_t{0}, 0xFFFF};
        const bool ok = scanner.feed(offset, slot.get(), u);
        const disk::ScanTotals& after = scanner.totals();
        const std::uint64_t dv = after.valid_units - before.valid_units;
        const std::uint64_t ds = after.skipped_units - before.skipped_units;
        const std::uint64_t de = after.empty_units - before.empty_units;
        const auto why = [&](const char* what) {
            std::ostringstream o;
            o << "slot " << i << " (offset " << offset << "): " << what;
            return o.str();
        };

        bool zero_header = true;
        // The part every format version has (a slot of version 1 or 2 is told by its byte 1).
        for (std::size_t b = 0; b < sector::header_v1_bytes; ++b) zero_header = zero_header && slot[b] == std::byte{0};
        const bool verifies = sector::verify(slot.get(), in.type, ub);
        const std::uint16_t count = sector::count(slot.get());
        const std::uint64_t first = sector::first_seq(slot.get());
        const bool in_sequence = !any || first >= prev_end;

        if (ok) {
            if (dv != 1 || ds != 0 || de != 0) return why("a valid unit was not counted once as valid");
            if (u.offset != offset) return why("UnitInfo.offset is not the slot's offset");
            if (u.first_seq != first || u.count != count)
                return why("UnitInfo does not match the slot's header");
            if (u.count == 0 || u.count > sector::capacity(ub, in.type, sector::version(slot.get())))
                return why("a valid unit's count is 0 or over capacity");
            if (!verifies) return why("a valid unit does not verify");
            if (u.first_seq + u.count > sector::max_seq + 1) return why("a valid unit runs past 2^56");
            if (any && (u.first_seq <= prev_first || u.first_seq < prev_end))
                return why("sequence numbers do not increase across valid units");
            any = true;
            ++valid;
            prev_first = u.first_seq;
            prev_end = u.first_seq + u.count;
            if (scanner.end_seq() != prev_end) return why("end_seq() is not the end of the last valid unit");
        } else {
            if (dv + ds + de != 1 || dv != 0) return why("a rejected slot was not counted exactly once");
            if (zero_header && de != 1) return why("an all-zero header was not counted as empty");
            if (!zero_header && ds != 1) return why("a non-empty rejected slot was not counted as skipped");
            if (!zero_header && verifies && count != 0 && in_sequence && first + count <= sector::max_seq + 1)
                return why("a verifying, non-empty, in-sequence unit was rejected");
            if (scanner.end_seq() != (any ? prev_end : 0)) return why("a rejected slot moved end_seq()");
        }
    }
    const disk::ScanTotals& t = scanner.totals();
    if (t.valid_units + t.skipped_units + t.empty_units != slots) return "the totals do not add up to the slots";
    if (t.valid_units != valid) return "valid_units does not match the valid units returned";
    return {};
}

} // namespace ss::fuzz
