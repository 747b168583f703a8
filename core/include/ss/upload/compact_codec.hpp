// The compact binary codec: a small header with the batch's fields, then the values (and event
// times) as zigzag-coded deltas in base-128 varints, then a CRC32C. docs/upload-protocol.md,
// "Compact binary codec", gives it byte by byte; tools/ss_compact_decode.py is the reference
// decoder outside C++. Encoder and decoder are freestanding: the MCU uplink speaks it too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/expected.hpp"
#include "ss/upload/batch.hpp"

namespace ss::upload {

namespace compact {
inline constexpr std::uint8_t magic0 = 0x53; ///< 'S'
inline constexpr std::uint8_t magic1 = 0x42; ///< 'B'
inline constexpr std::uint8_t version = 1;
/// Fixed bytes before the varints: magic (2), version, flags.
inline constexpr std::size_t fixed_header_bytes = 4;
inline constexpr std::size_t crc_bytes = 4;
} // namespace compact

/// Exact bytes compact_encode writes for b. Errc::invalid_argument if b fails check.
Expected<std::size_t> compact_size(const Batch& b) noexcept;

/// Writes b into out in the compact codec. Returns the bytes written; Errc::invalid_argument if
/// b fails check; Errc::no_space if it does not fit (nothing is claimed written, the content of
/// out is unspecified).
Expected<std::size_t> compact_encode(const Batch& b, std::span<std::byte> out) noexcept;

/// A batch read from compact bytes: its gateway, channel and unit point into the input, its
/// records into the caller's record buffer; `bytes` is how much of the input it took (a stream
/// may hold several batches back to back).
struct CompactDecoded {
    Batch batch;
    std::size_t bytes = 0;
};

/// Record bytes the batch at the front of `in` decodes to (count × 4 or × 12), from its header
/// alone, to size the buffer for compact_decode. Errc::invalid_argument if the header is malformed
/// or truncated.
Expected<std::size_t> compact_records_bytes(std::span<const std::byte> in) noexcept;

/// Decodes the batch at the front of `in`, writing its records into `records` (packed as in
/// Batch::records). Never reads outside `in` nor writes outside `records`. Errors:
/// Errc::invalid_argument for malformed or truncated input (bad magic or version, reserved bits
/// set, an over-long or non-minimal varint, a field out of range, a batch failing check);
/// Errc::io_error if every field parses but the CRC32C does not match; Errc::no_space if
/// `records` is smaller than compact_records_bytes. On error `records` holds nothing usable.
Expected<CompactDecoded> compact_decode(std::span<const std::byte> in, std::span<std::byte> records) noexcept;

} // namespace ss::upload
