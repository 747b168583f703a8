// The gateway's end of the uplink (docs/uplink-protocol.md, "Receiver"): cuts the received bytes
// into frames, hands each new DATA payload of the sender's session up exactly once and in order,
// drops duplicates, gaps and corrupted frames (counted), and acknowledges only what the upper
// layer says is durable (mark_durable), so that the MCU never erases a batch the gateway could
// still lose. The first frame past a gap is answered by a NAK, so that the sender resends the lost
// frame without waiting for its timeout. A DATA frame of a session it has not seen (an MCU reset, or this receiver new after
// a gateway restart) starts that session at the frame's window base: everything before it was
// acknowledged by someone.
//
// Byte-oriented like LinkSender: push() takes received bytes, pull() gives the ACK bytes to send.
// Freestanding: no heap, no clock, no OS call. Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/expected.hpp"
#include "ss/uplink/frame_assembler.hpp"

namespace ss::uplink {

struct ReceiverCounters {
    std::uint64_t frames_received = 0; ///< DATA frames that passed the checks
    std::uint64_t delivered = 0;       ///< payloads handed up
    std::uint64_t duplicates = 0;      ///< DATA frames already handed up in this session
    std::uint64_t out_of_order = 0;    ///< DATA frames past a gap (an earlier frame was lost)
    std::uint64_t crc_failures = 0;
    std::uint64_t malformed = 0;       ///< bad stuffing, version, type or length, or an ACK or NAK
    std::uint64_t resyncs = 0;         ///< overlong runs without a delimiter dropped
    std::uint64_t session_changes = 0; ///< a new sender session after an earlier one (MCU reset)
    std::uint64_t catch_ups = 0;       ///< moves to the sender's window base, past the seq expected (after a gateway restart)
    std::uint64_t acks_sent = 0;
    std::uint64_t naks_sent = 0;       ///< gaps reported, one per gap
};

/// What one push amounted to: `consumed` bytes taken, and when `delivered`, a new payload (valid
/// until the next push) with the session and seq that mark_durable names it by.
struct ReceiveStep {
    std::size_t consumed = 0;
    bool delivered = false;
    std::uint32_t session = 0;
    std::uint32_t seq = 0;
    std::span<const std::byte> payload;
};

class LinkReceiver {
public:
    /// Bytes of the frame buffer make() needs for payloads up to max_payload.
    static constexpr std::size_t frame_buffer_bytes(std::size_t max_payload) noexcept {
        return frame::wire_bytes_max(max_payload) - 1;
    }

    /// A receiver whose ACKs carry `boot` (a value that changes on every gateway start, so that
    /// the sender sees the restart). frame_buffer holds one received frame: frames longer than
    /// it are dropped. Errc::invalid_argument if it cannot hold an empty frame.
    static Expected<LinkReceiver> make(std::span<std::byte> frame_buffer, std::uint32_t boot) noexcept;

    /// Takes bytes of `in` up to and including the end of the first frame that delivers a
    /// payload, or all of them. Call again with the rest.
    ReceiveStep push(std::span<const std::byte> in) noexcept;

    /// The payloads of `session` up to and including `seq` are durable: acknowledge them.
    /// A session other than the current one is no error and acknowledges nothing (the MCU reset
    /// and sends again; the store keeps records once by their idempotency key).
    /// Errc::invalid_argument if `seq` of the current session was never delivered.
    Expected<void> mark_durable(std::uint32_t session, std::uint32_t seq) noexcept;

    /// Writes up to out.size() bytes of ACKs and NAKs to send; 0 when none is due.
    std::size_t pull(std::span<std::byte> out) noexcept;

    const ReceiverCounters& counters() const noexcept { return counters_; }

private:
    LinkReceiver(std::span<std::byte> frame_buffer, std::uint32_t boot) noexcept : buffer_(frame_buffer), boot_(boot) {}
    bool on_data(const Frame& f) noexcept;

    std::span<std::byte> buffer_;
    std::uint32_t boot_;
    FrameAssembler rx_;
    bool has_session_ = false;
    std::uint32_t session_ = 0;
    std::uint32_t expected_ = 0;     ///< next seq to hand up
    std::uint32_t durable_next_ = 0; ///< every seq below is durable
    bool ack_due_ = false;
    bool nak_due_ = false;
    bool gap_reported_ = false; ///< a NAK went out for the gap at expected_
    std::array<std::byte, frame::wire_bytes_max(0)> tx_{};
    std::size_t tx_at_ = 0;
    std::size_t tx_length_ = 0;
    ReceiverCounters counters_;
};

} // namespace ss::uplink
