#include "ss/uplink/link_receiver.hpp"

#include <algorithm>
#include <cstring>

namespace ss::uplink {
namespace {

constexpr std::uint32_t last_seq = 0xFFFFFFFFu;

} // namespace

Expected<LinkReceiver> LinkReceiver::make(std::span<std::byte> frame_buffer, std::uint32_t boot) noexcept {
    if (frame_buffer.size() < frame_buffer_bytes(0)) return std::unexpected(Errc::invalid_argument);
    return LinkReceiver(frame_buffer, boot);
}

bool LinkReceiver::on_data(const Frame& f) noexcept {
    if (f.aux > f.seq || f.seq == last_seq) {
        // A sender never has a frame out below its window base; adopting such a base would
        // acknowledge frames nobody received. Nor does it use the last seq, after which the next
        // expected one would wrap to 0 and the session deliver everything again.
        ++counters_.malformed;
        return false;
    }
    ++counters_.frames_received;
    if (!has_session_ || f.session != session_) {
        if (has_session_) ++counters_.session_changes;
        has_session_ = true;
        session_ = f.session;
        expected_ = f.aux;
        durable_next_ = f.aux;
        // What was due concerned the old session; its sender is gone.
        ack_due_ = nak_due_ = gap_reported_ = false;
    } else if (f.aux > expected_) {
        // The sender's window starts past the frame this receiver waits for: an ACK from an
        // earlier gateway run made those frames durable, and this receiver took the session from
        // a frame sent before that ACK arrived. The sender never resends below its base, so
        // waiting would wait for ever; its base is where this session goes on.
        expected_ = f.aux;
        durable_next_ = f.aux;
        nak_due_ = gap_reported_ = false;
        ++counters_.catch_ups;
    }
    if (f.seq == expected_) {
        ++expected_;
        gap_reported_ = false;
        ++counters_.delivered;
        return true;
    }
    if (f.seq < expected_) {
        ++counters_.duplicates;
        // Its ACK was lost (or is on its way): say again what is durable so the sender moves on.
        if (f.seq < durable_next_) ack_due_ = true;
    } else {
        ++counters_.out_of_order;
        // Once per gap: the frames after a lost one all land here, and one resend serves them all.
        if (!gap_reported_) nak_due_ = gap_reported_ = true;
    }
    return false;
}

ReceiveStep LinkReceiver::push(std::span<const std::byte> in) noexcept {
    ReceiveStep step;
    while (step.consumed < in.size()) {
        const Assembled a = rx_.push(buffer_, in.subspan(step.consumed));
        step.consumed += a.consumed;
        switch (a.status) {
        case AssembleStatus::need_more: break;
        case AssembleStatus::frame:
            if (a.frame.type != FrameType::data) {
                ++counters_.malformed;
            } else if (on_data(a.frame)) {
                step.delivered = true;
                step.session = a.frame.session;
                step.seq = a.frame.seq;
                step.payload = a.frame.payload;
                return step;
            }
            break;
        case AssembleStatus::bad_crc: ++counters_.crc_failures; break;
        case AssembleStatus::malformed: ++counters_.malformed; break;
        case AssembleStatus::overrun: ++counters_.resyncs; break;
        }
    }
    return step;
}

Expected<void> LinkReceiver::mark_durable(std::uint32_t session, std::uint32_t seq) noexcept {
    if (!has_session_ || session != session_) return {};
    if (seq >= expected_) return std::unexpected(Errc::invalid_argument);
    if (seq >= durable_next_) {
        durable_next_ = seq + 1;
        ack_due_ = true;
    }
    return {};
}

std::size_t LinkReceiver::pull(std::span<std::byte> out) noexcept {
    std::size_t written = 0;
    while (written < out.size()) {
        if (tx_at_ == tx_length_) {
            if (!ack_due_ && !nak_due_) break;
            const bool ack = ack_due_;
            const Frame f{ack ? FrameType::ack : FrameType::nak, session_, ack ? durable_next_ : expected_, boot_, {}};
            (ack ? ack_due_ : nak_due_) = false;
            const auto n = encode_frame(f, tx_);
            if (!n) break; // cannot happen: tx_ holds an ACK
            ++(ack ? counters_.acks_sent : counters_.naks_sent);
            tx_at_ = 0;
            tx_length_ = *n;
        }
        const std::size_t n = std::min(out.size() - written, tx_length_ - tx_at_);
        std::memcpy(out.data() + written, tx_.data() + tx_at_, n);
        written += n;
        tx_at_ += n;
    }
    return written;
}

} // namespace ss::uplink
