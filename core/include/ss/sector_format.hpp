// The sector format shared by the RAM tier and (as the unit written to disk) the disk tier.
// docs/storage-format.md describes it byte by byte; the tests pin the capacities.
//
// Version 2 (written):
//   offset size  field
//   0      1     magic 0x53 ('S')
//   1      1     format version (high nibble) | record type (low nibble: 1 TS, 2 EVT)
//   2      2     record count
//   4      8     bits 0..55: sequence number of the first record; bits 56..63: boot, low 8 bits
//   12     4     CRC32C over bytes 0..11, then bytes 16.. up to the end of the used payload
//   16     4     boot number that wrote the sector
//   20     4     nominal sample period of the sensor, µs (0: not periodic or not known)
//   24     8     time of the first record: µs, bit 63 set = UTC, clear = monotonic; 0 = unknown
//   32     ...   records, packed: TS = u32 value; EVT = u32 value, u64 ts_ms (12 B)
//
// Version 1 (read, never written): bytes 0..15 as above (bits 56..63 being the whole boot id),
// the records from offset 16, no time fields; the CRC covers bytes 0..11 and the payload.
//
// Fields are native little-endian (both targets are), written and read through memcpy so that
// no access is ever misaligned.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ss/crc32c.hpp"

namespace ss {

static_assert(std::endian::native == std::endian::little, "the sector format is little-endian");

enum class RecordType : std::uint8_t { ts = 1, evt = 2 };

namespace sector {

/// Header bytes of the version written; a version 1 sector's header is 16 bytes.
inline constexpr std::size_t header_bytes = 32;
inline constexpr std::size_t header_v1_bytes = 16;
inline constexpr std::uint8_t magic = 0x53;
inline constexpr std::uint8_t format_version = 2;
inline constexpr std::uint8_t format_v1 = 1;
inline constexpr std::size_t ts_record_bytes = 4;
inline constexpr std::size_t evt_record_bytes = 12;
/// First sequence numbers are stored in 56 bits: 2^56 records is 2 284 years at 1 MHz.
inline constexpr std::uint64_t max_seq = (std::uint64_t{1} << 56) - 1;
inline constexpr std::size_t min_bytes = 48; // one record of either type after the header
inline constexpr std::size_t max_bytes = 65536; // the record count is 16 bits

/// A record time as the header keeps it: µs, with utc_flag set when it is UTC (µs since the Unix
/// epoch) and clear when it is the monotonic clock of the sector's boot; 0 = not known.
inline constexpr std::uint64_t utc_flag = std::uint64_t{1} << 63;
inline constexpr std::uint64_t time_unknown = 0;

constexpr std::size_t record_bytes(RecordType t) noexcept {
    return t == RecordType::ts ? ts_record_bytes : evt_record_bytes;
}

/// Header bytes of a sector of format version v (1 or 2).
constexpr std::size_t header_bytes_of(std::uint8_t v) noexcept { return v == format_v1 ? header_v1_bytes : header_bytes; }

/// Records of type t one sector of sector_bytes holds, in the version written (or in v).
constexpr std::uint32_t capacity(std::size_t sector_bytes, RecordType t, std::uint8_t v = format_version) noexcept {
    return static_cast<std::uint32_t>((sector_bytes - header_bytes_of(v)) / record_bytes(t));
}

namespace offset {
inline constexpr std::size_t magic = 0;
inline constexpr std::size_t version_type = 1;
inline constexpr std::size_t count = 2;
inline constexpr std::size_t seq_boot = 4;
inline constexpr std::size_t crc = 12;
inline constexpr std::size_t boot = 16;
inline constexpr std::size_t period_us = 20;
inline constexpr std::size_t first_time = 24;
} // namespace offset

template <class T>
inline T load(const std::byte* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class T>
inline void store(std::byte* p, T v) noexcept {
    std::memcpy(p, &v, sizeof v);
}

/// Writes a fresh header for an empty sector whose first record will have sequence first_seq:
/// written by `boot`, for a sensor sampled every period_us (0: none); the first record's time is
/// unknown until set_first_time.
inline void format(std::byte* s, RecordType t, std::uint64_t first_seq, std::uint32_t boot,
                   std::uint32_t period_us = 0) noexcept {
    s[offset::magic] = std::byte{magic};
    s[offset::version_type] = std::byte{static_cast<std::uint8_t>(format_version << 4 | static_cast<std::uint8_t>(t))};
    store<std::uint16_t>(s + offset::count, 0);
    store<std::uint64_t>(s + offset::seq_boot, (first_seq & max_seq) | std::uint64_t{boot & 0xFFu} << 56);
    store<std::uint32_t>(s + offset::crc, 0);
    store<std::uint32_t>(s + offset::boot, boot);
    store<std::uint32_t>(s + offset::period_us, period_us);
    store<std::uint64_t>(s + offset::first_time, time_unknown);
}

inline std::uint8_t version(const std::byte* s) noexcept {
    return static_cast<std::uint8_t>(static_cast<std::uint8_t>(s[offset::version_type]) >> 4);
}
inline std::uint8_t type_code(const std::byte* s) noexcept {
    return static_cast<std::uint8_t>(static_cast<std::uint8_t>(s[offset::version_type]) & 0x0F);
}
inline bool is_v1(const std::byte* s) noexcept { return version(s) == format_v1; }

inline std::uint16_t count(const std::byte* s) noexcept { return load<std::uint16_t>(s + offset::count); }
inline std::uint64_t first_seq(const std::byte* s) noexcept {
    return load<std::uint64_t>(s + offset::seq_boot) & max_seq;
}
/// The boot that wrote the sector: the whole number in version 2, the 8-bit id in version 1.
inline std::uint32_t boot(const std::byte* s) noexcept {
    if (is_v1(s)) return static_cast<std::uint32_t>(load<std::uint64_t>(s + offset::seq_boot) >> 56);
    return load<std::uint32_t>(s + offset::boot);
}
/// The sensor's nominal sample period when the sector was opened, µs; 0 if none (version 1).
inline std::uint32_t period_us(const std::byte* s) noexcept {
    return is_v1(s) ? 0 : load<std::uint32_t>(s + offset::period_us);
}
/// The first record's time (see utc_flag); time_unknown if not known (version 1).
inline std::uint64_t first_time(const std::byte* s) noexcept {
    return is_v1(s) ? time_unknown : load<std::uint64_t>(s + offset::first_time);
}
/// Sets the first record's time of a sector being filled (before it is sealed).
inline void set_first_time(std::byte* s, std::uint64_t time) noexcept { store<std::uint64_t>(s + offset::first_time, time); }
/// Sets the first record's time and the sample period of a sector being filled.
inline void set_time_base(std::byte* s, std::uint64_t time, std::uint32_t period_us) noexcept {
    store<std::uint64_t>(s + offset::first_time, time);
    store<std::uint32_t>(s + offset::period_us, period_us);
}

/// The time of record `index` of a sector whose first record was at `first` (see utc_flag), for
/// a sensor sampled every period_us: time_unknown if the first time or the period is unknown
/// (except index 0, whose time is the first time itself).
constexpr std::uint64_t record_time(std::uint64_t first, std::uint32_t period, std::uint64_t index) noexcept {
    if (first == time_unknown) return time_unknown;
    if (index == 0) return first;
    if (period == 0) return time_unknown;
    return first + index * period; // the flag bit stays: times are far below 2^63 µs
}

inline std::size_t header_size(const std::byte* s) noexcept { return header_bytes_of(version(s)); }
inline std::byte* payload(std::byte* s) noexcept { return s + header_size(s); }
inline const std::byte* payload(const std::byte* s) noexcept { return s + header_size(s); }

/// The CRC a sealed sector of `records` records must carry (over its own version's layout).
inline std::uint32_t compute_crc(const std::byte* s, std::size_t records, RecordType t) noexcept {
    const std::uint32_t h = crc32c(s, offset::crc);
    const std::size_t past_crc = offset::crc + 4;
    return crc32c(s + past_crc, header_size(s) - past_crc + records * record_bytes(t), h);
}

/// A sector checksummed as it fills (StoreContext::crc_on_add) keeps its running CRC in the CRC
/// field, which no CRC covers: the CRC the sector needs once it holds `capacity` records, over
/// the header with its count at capacity, then the records so far, kept as the raw register
/// state (inverted). Sealed full, it gets that CRC; sealed early, it is checksummed whole
/// (seal). Started once the first record's time is in the header, since the header's fields
/// are final from then on.
inline void start_running_crc(std::byte* s, std::uint16_t capacity) noexcept {
    std::byte front[offset::crc];
    std::memcpy(front, s, sizeof front);
    store<std::uint16_t>(front + offset::count, capacity);
    const std::size_t past_crc = offset::crc + 4;
    store<std::uint32_t>(s + offset::crc, ~crc32c(s + past_crc, header_bytes - past_crc, crc32c(front, sizeof front)));
}

/// Adds a record of Words 32-bit words, already written at `record`, to the running CRC.
template <std::size_t Words>
[[gnu::always_inline]] inline void extend_running_crc(std::byte* s, const std::byte* record) noexcept {
    std::uint32_t words[Words];
    std::memcpy(words, record, sizeof words);
    store<std::uint32_t>(s + offset::crc, crc32c_update_words<Words>(words, load<std::uint32_t>(s + offset::crc)));
}

/// Adds `bytes` of records, already written at `records`, to the running CRC.
inline void extend_running_crc(std::byte* s, const std::byte* records, std::size_t bytes) noexcept {
    store<std::uint32_t>(s + offset::crc, ~crc32c(records, bytes, ~load<std::uint32_t>(s + offset::crc)));
}

/// Seals a full sector whose running CRC covers it: the count is written, the CRC finished.
inline void seal_full_with_running_crc(std::byte* s, std::uint16_t capacity) noexcept {
    store<std::uint16_t>(s + offset::count, capacity);
    store<std::uint32_t>(s + offset::crc, ~load<std::uint32_t>(s + offset::crc));
}

/// Fixes the record count and, if with_crc, the CRC: the sector's content is final.
inline void seal(std::byte* s, std::uint16_t records, RecordType t, bool with_crc) noexcept {
    store<std::uint16_t>(s + offset::count, records);
    store<std::uint32_t>(s + offset::crc, with_crc ? compute_crc(s, records, t) : 0u);
}

/// True if a sealed sector's header is well-formed for type t (version 1 or 2) and its CRC
/// matches.
inline bool verify(const std::byte* s, RecordType t, std::size_t sector_bytes) noexcept {
    const std::uint8_t v = version(s);
    if (static_cast<std::uint8_t>(s[offset::magic]) != magic || (v != format_version && v != format_v1) ||
        type_code(s) != static_cast<std::uint8_t>(t))
        return false;
    const std::uint16_t n = count(s);
    if (n > capacity(sector_bytes, t, v)) return false;
    return load<std::uint32_t>(s + offset::crc) == compute_crc(s, n, t);
}

} // namespace sector
} // namespace ss
