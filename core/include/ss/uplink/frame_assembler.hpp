// Cuts a received byte stream into frames at the 0x00 delimiters and checks each
// (docs/uplink-protocol.md, "Receiving"). Whatever was lost, added or flipped on the line costs
// at most the frames it touched: the next delimiter starts afresh. Bytes are kept in a buffer the
// owner passes to every push (so that the owner may move: the assembler holds no pointer); a run
// longer than it without a delimiter is dropped up to the next delimiter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/uplink/frame.hpp"

namespace ss::uplink {

/// What the bytes a push took amounted to.
enum class AssembleStatus : std::uint8_t {
    need_more, ///< every byte taken, no frame ended
    frame,     ///< a frame ended and passed every check
    bad_crc,   ///< a frame ended, well formed, whose CRC32C did not match
    malformed, ///< a frame ended with bad stuffing, version, type or length
    overrun,   ///< more bytes than the buffer holds came without a delimiter (dropped until the next)
};

/// One push's outcome: `consumed` input bytes taken, and `frame` valid (pointing into the
/// assembler's buffer until the next push) when status is AssembleStatus::frame.
struct Assembled {
    std::size_t consumed = 0;
    AssembleStatus status = AssembleStatus::need_more;
    Frame frame;
};

class FrameAssembler {
public:
    /// Takes bytes of `in` up to and including the first delimiter that ends a non-empty frame, or
    /// all of them; stops there so that the frame can be used before the buffer is reused.
    /// `buffer` is the same on every call and holds the longest frame's stuffed bytes
    /// (frame::wire_bytes_max(payload) - 1).
    Assembled push(std::span<std::byte> buffer, std::span<const std::byte> in) noexcept;

private:
    std::size_t length_ = 0;
    bool discarding_ = false; ///< after an overrun, until the next delimiter
};

} // namespace ss::uplink
