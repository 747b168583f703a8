// The MCU's end of the uplink (docs/uplink-protocol.md, "Sender"): numbers the payloads it is
// given within its session, keeps up to W of them in flight in the caller's storage, sends them
// go-back-N (after a timeout or a gateway restart everything from the oldest unacknowledged one
// again, after a NAK everything from the frame the gateway lacks), and reports, by the id the caller gave, exactly the payloads the gateway
// acknowledged as durable: the only ones the MCU may erase.
//
// Byte-oriented: pull() gives the bytes to transmit, push() takes the bytes received, so the same
// code runs over a USART ring and a file descriptor. Time comes in as a millisecond counter that
// may wrap. Freestanding: no heap, no clock, no OS call. Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "ss/expected.hpp"
#include "ss/uplink/frame_assembler.hpp"

namespace ss::uplink {

struct SenderConfig {
    /// Wait after the last byte of a DATA frame left before resending the window, at first.
    std::uint32_t initial_timeout_ms = 100;
    /// Each timeout without progress doubles the wait, up to this.
    std::uint32_t max_timeout_ms = 2000;
};

struct SenderCounters {
    std::uint64_t frames_sent = 0;        ///< DATA frames sent for the first time
    std::uint64_t frames_retransmitted = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t frames_acked = 0;       ///< DATA frames acknowledged
    std::uint64_t acks_received = 0;      ///< ACK frames of this session that passed the checks
    std::uint64_t stale_acks = 0;         ///< ACKs or NAKs of another session, ACKs acknowledging nothing new, NAKs for no outstanding frame
    std::uint64_t bogus_acks = 0;         ///< ACKs beyond what was sent (ignored)
    std::uint64_t naks = 0;               ///< NAKs of this session that sent the window again
    std::uint64_t peer_restarts = 0;      ///< ACKs or NAKs that came from a new gateway boot
    std::uint64_t crc_failures = 0;
    std::uint64_t malformed = 0;          ///< frames with bad stuffing, version, type or length, or DATA
    std::uint64_t resyncs = 0;            ///< overlong runs without a delimiter dropped
};

/// One payload in flight: the caller's id for it and its length in the slot's bytes.
struct SenderSlot {
    std::uint64_t id = 0;
    std::uint32_t length = 0;
};

class LinkSender {
public:
    /// Bytes of the transmit buffer make() needs for payloads up to max_payload.
    static constexpr std::size_t tx_buffer_bytes(std::size_t max_payload) noexcept {
        return frame::wire_bytes_max(max_payload) + 1; // + the resynchronising 0x00 of a new session
    }

    /// A sender for `session` (a value the caller never reuses after a reset: a boot counter, a
    /// random word) with a window of slots.size() frames; payload_storage is split evenly among
    /// the slots, and tx_buffer (tx_buffer_bytes of the largest payload) holds the frame on its way
    /// out. Errc::invalid_argument if there are no slots or more than 65 536, a slot gets no bytes, the tx buffer is
    /// smaller than tx_buffer_bytes(slot bytes) or a timeout is 0 or initial > max.
    static Expected<LinkSender> make(std::span<SenderSlot> slots, std::span<std::byte> payload_storage,
                                     std::span<std::byte> tx_buffer, std::uint32_t session,
                                     SenderConfig config = {}) noexcept;

    /// Largest payload submit takes.
    std::size_t max_payload() const noexcept { return slot_bytes_; }
    /// Whether submit has a free slot (acknowledged slots are freed by take_acked).
    bool can_submit() const noexcept { return next_seq_ - reported_ < slots_.size(); }
    /// Payloads submitted and not yet acknowledged.
    std::uint32_t unacked() const noexcept { return next_seq_ - base_; }

    /// Copies payload into the window under `id`. Errc::no_space if the window is full;
    /// Errc::invalid_argument if the payload is empty or over max_payload; Errc::try_again if the
    /// session has used up its 2^32 - 1 sequence numbers (start a new session).
    Expected<void> submit(std::uint64_t id, std::span<const std::byte> payload) noexcept;

    /// Writes up to out.size() bytes to transmit now; 0 when there is nothing to send yet.
    std::size_t pull(std::span<std::byte> out, std::uint32_t now_ms) noexcept;

    /// Takes received bytes (all of them).
    void push(std::span<const std::byte> in, std::uint32_t now_ms) noexcept;

    /// The id of the oldest payload the gateway acknowledged and not yet reported, in submit
    /// order; its slot is free again once reported.
    std::optional<std::uint64_t> take_acked() noexcept;

    std::uint32_t session() const noexcept { return session_; }
    const SenderCounters& counters() const noexcept { return counters_; }

private:
    LinkSender(std::span<SenderSlot> slots, std::span<std::byte> payload_storage, std::size_t slot_bytes,
               std::span<std::byte> tx_buffer, std::uint32_t session, SenderConfig config) noexcept;
    std::span<std::byte> slot_payload(std::uint32_t seq) noexcept;
    void on_ack(const Frame& f, std::uint32_t now_ms) noexcept;
    void on_nak(const Frame& f) noexcept;
    /// Notes the receiver boot an ACK or NAK carries; a new one means the gateway restarted.
    void on_peer_boot(std::uint32_t boot) noexcept;
    bool start_next_frame(std::uint32_t now_ms) noexcept;

    std::span<SenderSlot> slots_;
    std::span<std::byte> payload_storage_;
    std::size_t slot_bytes_;
    std::span<std::byte> tx_;
    std::uint32_t session_;
    SenderConfig config_;
    // Sequence numbers, reported_ <= base_ <= send_next_ <= next_seq_: reported to the caller,
    // acknowledged, (re)sent, submitted.
    std::uint32_t reported_ = 0;
    std::uint32_t base_ = 0;
    std::uint32_t send_next_ = 0;
    std::uint32_t next_seq_ = 0;
    std::uint32_t sent_high_ = 0; ///< one past the highest seq ever sent: later sends are first sends
    // The frame in tx_: bytes [tx_at_, tx_length_) still to go.
    std::size_t tx_at_ = 0;
    std::size_t tx_length_ = 0;
    bool tx_is_data_ = false;
    bool leading_delimiter_ = true;
    // The retransmission timer, running while frames are out unacknowledged.
    bool timer_running_ = false;
    std::uint32_t deadline_ms_ = 0;
    std::uint32_t timeout_ms_;
    bool peer_known_ = false;
    std::uint32_t peer_boot_ = 0;
    std::array<std::byte, frame::wire_bytes_max(0)> rx_buffer_{};
    FrameAssembler rx_;
    SenderCounters counters_;
};

} // namespace ss::uplink
