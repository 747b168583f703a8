#include "ss/uplink/link_sender.hpp"

#include <algorithm>
#include <cstring>

namespace ss::uplink {
namespace {

/// a is at or after b on a wrapping millisecond counter.
bool reached(std::uint32_t a, std::uint32_t b) noexcept { return static_cast<std::int32_t>(a - b) >= 0; }

/// Sequence numbers do not wrap within a session (the receiver compares them as plain numbers):
/// the sender stops one short of 2^32 and the caller starts a new session.
constexpr std::uint32_t last_seq = 0xFFFFFFFFu;

} // namespace

Expected<LinkSender> LinkSender::make(std::span<SenderSlot> slots, std::span<std::byte> payload_storage,
                                      std::span<std::byte> tx_buffer, std::uint32_t session,
                                      SenderConfig config) noexcept {
    if (slots.empty() || slots.size() > 0x10000 || config.initial_timeout_ms == 0 ||
        config.initial_timeout_ms > config.max_timeout_ms)
        return std::unexpected(Errc::invalid_argument);
    const std::size_t slot_bytes = std::min(payload_storage.size() / slots.size(), frame::max_payload);
    if (slot_bytes == 0 || tx_buffer.size() < tx_buffer_bytes(slot_bytes)) return std::unexpected(Errc::invalid_argument);
    return LinkSender(slots, payload_storage, slot_bytes, tx_buffer, session, config);
}

LinkSender::LinkSender(std::span<SenderSlot> slots, std::span<std::byte> payload_storage, std::size_t slot_bytes,
                       std::span<std::byte> tx_buffer, std::uint32_t session, SenderConfig config) noexcept
    : slots_(slots), payload_storage_(payload_storage), slot_bytes_(slot_bytes), tx_(tx_buffer), session_(session),
      config_(config), timeout_ms_(config.initial_timeout_ms) {}

std::span<std::byte> LinkSender::slot_payload(std::uint32_t seq) noexcept {
    const std::size_t i = seq % slots_.size();
    return payload_storage_.subspan(i * slot_bytes_, slots_[i].length);
}

Expected<void> LinkSender::submit(std::uint64_t id, std::span<const std::byte> payload) noexcept {
    if (payload.empty() || payload.size() > slot_bytes_) return std::unexpected(Errc::invalid_argument);
    if (next_seq_ == last_seq) return std::unexpected(Errc::try_again);
    if (!can_submit()) return std::unexpected(Errc::no_space);
    SenderSlot& slot = slots_[next_seq_ % slots_.size()];
    slot.id = id;
    slot.length = static_cast<std::uint32_t>(payload.size());
    std::memcpy(slot_payload(next_seq_).data(), payload.data(), payload.size());
    ++next_seq_;
    return {};
}

bool LinkSender::start_next_frame(std::uint32_t now_ms) noexcept {
    if (timer_running_ && reached(now_ms, deadline_ms_)) {
        // Go-back-N: the receiver drops what follows a lost frame, so the whole window goes again.
        ++counters_.timeouts;
        timer_running_ = false;
        send_next_ = base_;
        timeout_ms_ = timeout_ms_ > config_.max_timeout_ms / 2 ? config_.max_timeout_ms : timeout_ms_ * 2;
    }
    if (send_next_ == next_seq_) return false;
    std::size_t at = 0;
    if (leading_delimiter_) {
        // A new session's first byte ends whatever partial frame the receiver holds from before.
        tx_[at++] = cobs::delimiter;
        leading_delimiter_ = false;
    }
    const Frame f{FrameType::data, session_, send_next_, base_, slot_payload(send_next_)};
    const auto n = encode_frame(f, tx_.subspan(at));
    if (!n) return false; // cannot happen: make() sized tx_ for the largest slot
    if (send_next_ < sent_high_) ++counters_.frames_retransmitted;
    else {
        ++counters_.frames_sent;
        sent_high_ = send_next_ + 1;
    }
    ++send_next_;
    tx_at_ = 0;
    tx_length_ = at + *n;
    tx_is_data_ = true;
    return true;
}

std::size_t LinkSender::pull(std::span<std::byte> out, std::uint32_t now_ms) noexcept {
    std::size_t written = 0;
    while (written < out.size()) {
        if (tx_at_ == tx_length_ && !start_next_frame(now_ms)) break;
        const std::size_t n = std::min(out.size() - written, tx_length_ - tx_at_);
        std::memcpy(out.data() + written, tx_.data() + tx_at_, n);
        written += n;
        tx_at_ += n;
        if (tx_at_ == tx_length_ && tx_is_data_) {
            tx_is_data_ = false;
            // Timed from the frame's last byte: a long window on a slow line is not a timeout.
            if (!timer_running_) {
                timer_running_ = true;
                deadline_ms_ = now_ms + timeout_ms_;
            }
        }
    }
    return written;
}

void LinkSender::on_ack(const Frame& f, std::uint32_t now_ms) noexcept {
    if (f.session != session_) {
        ++counters_.stale_acks;
        return;
    }
    ++counters_.acks_received;
    on_peer_boot(f.aux);
    const std::uint32_t acked = f.seq - base_;
    if (acked == 0) {
        ++counters_.stale_acks;
        return;
    }
    if (acked > sent_high_ - base_) {
        // Older than base_ (a delayed ACK) or beyond anything sent: neither releases anything.
        ++counters_.bogus_acks;
        return;
    }
    counters_.frames_acked += acked;
    base_ = f.seq;
    if (send_next_ < base_) send_next_ = base_;
    timeout_ms_ = config_.initial_timeout_ms;
    timer_running_ = base_ != send_next_;
    deadline_ms_ = now_ms + timeout_ms_;
}

void LinkSender::on_peer_boot(std::uint32_t boot) noexcept {
    const bool restarted = peer_known_ && boot != peer_boot_;
    peer_known_ = true;
    peer_boot_ = boot;
    if (restarted) {
        // The new gateway holds nothing of what it had not made durable: resend at once.
        ++counters_.peer_restarts;
        send_next_ = base_;
        timeout_ms_ = config_.initial_timeout_ms;
    }
}

void LinkSender::on_nak(const Frame& f) noexcept {
    if (f.session != session_) {
        ++counters_.stale_acks;
        return;
    }
    on_peer_boot(f.aux);
    // Only a frame sent and unacknowledged can be lacking; a NAK for anything else is stale (the
    // window moved on or is being resent already).
    if (f.seq < base_ || f.seq >= send_next_) {
        ++counters_.stale_acks;
        return;
    }
    ++counters_.naks;
    send_next_ = f.seq;
}

void LinkSender::push(std::span<const std::byte> in, std::uint32_t now_ms) noexcept {
    while (!in.empty()) {
        const Assembled a = rx_.push(rx_buffer_, in);
        in = in.subspan(a.consumed);
        switch (a.status) {
        case AssembleStatus::need_more: break;
        case AssembleStatus::frame:
            if (a.frame.type == FrameType::ack) on_ack(a.frame, now_ms);
            else if (a.frame.type == FrameType::nak) on_nak(a.frame);
            else ++counters_.malformed;
            break;
        case AssembleStatus::bad_crc: ++counters_.crc_failures; break;
        case AssembleStatus::malformed: ++counters_.malformed; break;
        case AssembleStatus::overrun: ++counters_.resyncs; break;
        }
    }
}

std::optional<std::uint64_t> LinkSender::take_acked() noexcept {
    if (reported_ == base_) return std::nullopt;
    const std::uint64_t id = slots_[reported_ % slots_.size()].id;
    ++reported_;
    return id;
}

} // namespace ss::uplink
