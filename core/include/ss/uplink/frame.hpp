// One frame of the MCU-to-gateway uplink (docs/uplink-protocol.md): a 16-byte header, a payload
// (DATA: one compact-codec batch, opaque here), a CRC32C over both, all COBS-stuffed and ended by
// a 0x00. Encoding writes the stuffed bytes straight into the caller's buffer; decoding checks
// one delimited frame's stuffed bytes in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/expected.hpp"
#include "ss/uplink/cobs.hpp"

namespace ss::uplink {

enum class FrameType : std::uint8_t {
    data = 1, ///< sender → receiver: one payload, numbered within the sender's session
    ack = 2,  ///< receiver → sender: every DATA seq below `seq` of `session` is durable
    nak = 3,  ///< receiver → sender: a frame was lost; `seq` of `session` is the one it needs next
};

namespace frame {
inline constexpr std::uint8_t version = 1;
/// version, type, session (4), seq (4), aux (4), payload length (2).
inline constexpr std::size_t header_bytes = 16;
inline constexpr std::size_t crc_bytes = 4;
/// The payload length is a u16.
inline constexpr std::size_t max_payload = 0xFFFF;
/// Unstuffed bytes of a frame with n payload bytes.
constexpr std::size_t raw_bytes(std::size_t n) noexcept { return header_bytes + n + crc_bytes; }
/// Bytes on the wire for a frame with up to n payload bytes: stuffed, plus the delimiter.
constexpr std::size_t wire_bytes_max(std::size_t n) noexcept { return cobs::encoded_bytes_max(raw_bytes(n)) + 1; }
} // namespace frame

/// A frame's fields. `aux` is the DATA frame's window base (the sender's oldest unacknowledged
/// seq, which a receiver that has not seen the session starts from) or the ACK's and NAK's
/// receiver boot (which tells the sender the gateway restarted). `payload` is empty in an ACK and
/// a NAK.
struct Frame {
    FrameType type = FrameType::data;
    std::uint32_t session = 0;
    std::uint32_t seq = 0;
    std::uint32_t aux = 0;
    std::span<const std::byte> payload;
};

/// Writes f stuffed and delimited into out; returns the bytes written. Errc::invalid_argument for
/// an unknown type, a payload over frame::max_payload or an ACK or NAK with a payload; Errc::no_space if
/// out is smaller than frame::wire_bytes_max(payload size) may need.
Expected<std::size_t> encode_frame(const Frame& f, std::span<std::byte> out) noexcept;

/// Unstuffs and checks one frame's stuffed bytes (what came between two delimiters), in place;
/// the returned payload points into `stuffed`. Errc::invalid_argument if the stuffing, the version,
/// the type or the length is wrong; Errc::io_error if all of that holds but the CRC32C does not.
Expected<Frame> decode_frame(std::span<std::byte> stuffed) noexcept;

} // namespace ss::uplink
