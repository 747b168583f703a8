// The sector format shared by the RAM tier and (as the unit written to disk) the disk tier.
// docs/storage-format.md describes it byte by byte; the tests pin the capacities of 003 §20.
//
//   offset size  field
//   0      1     magic 0x53 ('S')
//   1      1     format version (high nibble) | record type (low nibble: 1 TS, 2 EVT)
//   2      2     record count
//   4      8     bits 0..55: sequence number of the first record; bits 56..63: boot id
//   12     4     CRC32C over bytes 0..11 and the used payload (count × record size)
//   16     ...   records, packed: TS = u32 value; EVT = u32 value, u64 ts_ms (12 B)
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

inline constexpr std::size_t header_bytes = 16;
inline constexpr std::uint8_t magic = 0x53;
inline constexpr std::uint8_t format_version = 1;
inline constexpr std::size_t ts_record_bytes = 4;
inline constexpr std::size_t evt_record_bytes = 12;
/// First sequence numbers are stored in 56 bits: 2^56 records is 2 284 years at 1 MHz.
inline constexpr std::uint64_t max_seq = (std::uint64_t{1} << 56) - 1;
inline constexpr std::size_t min_bytes = 32;
inline constexpr std::size_t max_bytes = 65536; // the record count is 16 bits

constexpr std::size_t record_bytes(RecordType t) noexcept {
    return t == RecordType::ts ? ts_record_bytes : evt_record_bytes;
}

/// Records of type t one sector of sector_bytes holds.
constexpr std::uint32_t capacity(std::size_t sector_bytes, RecordType t) noexcept {
    return static_cast<std::uint32_t>((sector_bytes - header_bytes) / record_bytes(t));
}

namespace offset {
inline constexpr std::size_t magic = 0;
inline constexpr std::size_t version_type = 1;
inline constexpr std::size_t count = 2;
inline constexpr std::size_t seq_boot = 4;
inline constexpr std::size_t crc = 12;
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

/// Writes a fresh header for an empty sector whose first record will have sequence first_seq.
inline void format(std::byte* s, RecordType t, std::uint64_t first_seq, std::uint8_t boot_id) noexcept {
    s[offset::magic] = std::byte{magic};
    s[offset::version_type] = std::byte{static_cast<std::uint8_t>(format_version << 4 | static_cast<std::uint8_t>(t))};
    store<std::uint16_t>(s + offset::count, 0);
    store<std::uint64_t>(s + offset::seq_boot, (first_seq & max_seq) | std::uint64_t{boot_id} << 56);
    store<std::uint32_t>(s + offset::crc, 0);
}

inline std::uint16_t count(const std::byte* s) noexcept { return load<std::uint16_t>(s + offset::count); }
inline std::uint64_t first_seq(const std::byte* s) noexcept {
    return load<std::uint64_t>(s + offset::seq_boot) & max_seq;
}
inline std::uint8_t boot_id(const std::byte* s) noexcept {
    return static_cast<std::uint8_t>(load<std::uint64_t>(s + offset::seq_boot) >> 56);
}
inline std::uint8_t version(const std::byte* s) noexcept {
    return static_cast<std::uint8_t>(static_cast<std::uint8_t>(s[offset::version_type]) >> 4);
}
inline std::uint8_t type_code(const std::byte* s) noexcept {
    return static_cast<std::uint8_t>(static_cast<std::uint8_t>(s[offset::version_type]) & 0x0F);
}
inline std::byte* payload(std::byte* s) noexcept { return s + header_bytes; }
inline const std::byte* payload(const std::byte* s) noexcept { return s + header_bytes; }

/// The CRC a sealed sector of `records` records must carry.
inline std::uint32_t compute_crc(const std::byte* s, std::size_t records, RecordType t) noexcept {
    const std::uint32_t h = crc32c(s, offset::crc);
    return crc32c(s + header_bytes, records * record_bytes(t), h);
}

/// Fixes the record count and, if with_crc, the CRC: the sector's content is final.
inline void seal(std::byte* s, std::uint16_t records, RecordType t, bool with_crc) noexcept {
    store<std::uint16_t>(s + offset::count, records);
    store<std::uint32_t>(s + offset::crc, with_crc ? compute_crc(s, records, t) : 0u);
}

/// True if a sealed sector's header is well-formed for type t and its CRC matches.
inline bool verify(const std::byte* s, RecordType t, std::size_t sector_bytes) noexcept {
    if (static_cast<std::uint8_t>(s[offset::magic]) != magic || version(s) != format_version ||
        type_code(s) != static_cast<std::uint8_t>(t))
        return false;
    const std::uint16_t n = count(s);
    if (n > capacity(sector_bytes, t)) return false;
    return load<std::uint32_t>(s + offset::crc) == compute_crc(s, n, t);
}

} // namespace sector
} // namespace ss
