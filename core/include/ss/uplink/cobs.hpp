// Consistent-overhead byte stuffing (COBS): a frame's bytes rewritten without any 0x00, so that a
// single 0x00 can end every frame on the serial line. A receiver that lost, gained or corrupted
// bytes therefore finds the next frame boundary at the next 0x00, whatever came before it; the
// cost is one byte per 254 and one code byte per frame (docs/uplink-protocol.md, "Framing").
// Freestanding: the encoder writes into the caller's buffer as bytes come, the decoder works in
// place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/expected.hpp"

namespace ss::uplink::cobs {

inline constexpr std::byte delimiter{0x00};
/// Longest run a code byte describes: 254 data bytes, code 0xFF, no zero implied after them.
inline constexpr std::size_t max_run = 254;

/// Stuffed bytes for n input bytes, without the delimiter: one code byte per started run of 254.
constexpr std::size_t encoded_bytes_max(std::size_t n) noexcept { return n + n / max_run + 1; }

/// Stuffs bytes one at a time into a buffer the caller sized with encoded_bytes_max, so that a
/// frame's header, payload and CRC are stuffed where they lie, without a copy.
class Encoder {
public:
    explicit Encoder(std::span<std::byte> out) noexcept : out_(out), failed_(out.empty()) {}
    /// Appends one input byte; false (and the encoder useless) if `out` is full.
    bool put(std::byte b) noexcept;
    bool put(std::span<const std::byte> bytes) noexcept;
    /// Closes the last run; the stuffed length (no delimiter), or 0 if `out` was too small.
    std::size_t finish() noexcept;

private:
    std::span<std::byte> out_;
    bool failed_;
    std::size_t code_at_ = 0; ///< where the current run's code byte goes
    std::size_t next_ = 1;    ///< where the next data byte goes
    std::uint8_t code_ = 1;   ///< 1 + data bytes in the current run
};

/// Unstuffs `buf` (one frame's stuffed bytes, no delimiter) in place; the decoded bytes are
/// buf[0, result). Errc::invalid_argument if it holds a 0x00, is empty, or a code byte points past
/// its end.
Expected<std::size_t> decode_in_place(std::span<std::byte> buf) noexcept;

} // namespace ss::uplink::cobs
