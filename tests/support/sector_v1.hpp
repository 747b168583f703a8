// Builds a sector exactly as format version 1 (the library before record times) wrote it: a
// 16-byte header (magic, version 1 | type, count, first sequence | boot id << 56, CRC32C over
// bytes 0..11 and the payload) and the records from offset 16. The tests that read old stores
// use it; it is written from docs/storage-format.md's description of version 1, not from the
// library's code, so that a change there cannot silently change what "version 1" means here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ss/crc32c.hpp"
#include "ss/sector_format.hpp"

namespace ss::test {

/// Writes a sealed version-1 sector of `count` records (packed at `records`) into out.
inline void write_v1_sector(std::byte* out, std::size_t sector_bytes, RecordType type, std::uint64_t first_seq,
                            std::uint8_t boot_id, const void* records, std::uint16_t count) {
    std::memset(out, 0, sector_bytes);
    out[0] = std::byte{0x53};
    out[1] = std::byte{static_cast<std::uint8_t>(1u << 4 | static_cast<std::uint8_t>(type))};
    std::memcpy(out + 2, &count, 2);
    const std::uint64_t seq_boot = (first_seq & ((std::uint64_t{1} << 56) - 1)) | std::uint64_t{boot_id} << 56;
    std::memcpy(out + 4, &seq_boot, 8);
    const std::size_t payload = std::size_t{count} * (type == RecordType::ts ? 4 : 12);
    std::memcpy(out + 16, records, payload);
    const std::uint32_t crc = crc32c(out + 16, payload, crc32c(out, 12));
    std::memcpy(out + 12, &crc, 4);
}

} // namespace ss::test
