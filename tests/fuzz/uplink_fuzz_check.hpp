// fuzz_uplink_frame's check (and the replay of its corpus in regression_test.cpp): arbitrary bytes
// as what a serial line delivers to the uplink's LinkReceiver (the gateway) and LinkSender (the
// MCU, which reads ACKs). Each input is checked twice:
//  - as a byte stream, fed in chunks whose sizes come from the input;
//  - as raw frames: each 0x00-separated piece becomes a frame's unstuffed bytes with its length
//    field and CRC32C made right and is then stuffed, because mutation alone almost never forges
//    a CRC and would not reach the session and sequence rules.
// Invariants: no read or write outside the buffers (each an exactly-sized heap block, for ASan);
// every payload the receiver hands up is the payload of a DATA frame present in the stream whose
// CRC matched (found by an independent decoder written here); within a session delivered seqs
// go up by exactly one, or jump forward where the receiver caught up with a sender's window base; the counters account for every delivery; the sender reports at most what
// it sent, in submit order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "ss/crc32c.hpp"
#include "ss/uplink/frame.hpp"
#include "ss/uplink/link_receiver.hpp"
#include "ss/uplink/link_sender.hpp"

namespace ss::fuzz {

namespace uplink_detail {

using Bytes = std::vector<std::uint8_t>;

inline std::uint32_t le(const Bytes& b, std::size_t at, std::size_t n) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint32_t{b[at + i]} << (8 * i);
    return v;
}

/// Independent COBS decoding of one piece between delimiters; false if malformed.
inline bool unstuff(const Bytes& in, Bytes& out) {
    out.clear();
    std::size_t i = 0;
    if (in.empty()) return false;
    while (i < in.size()) {
        const std::size_t code = in[i++];
        if (code == 0 || i + code - 1 > in.size()) return false;
        out.insert(out.end(), in.begin() + static_cast<std::ptrdiff_t>(i), in.begin() + static_cast<std::ptrdiff_t>(i + code - 1));
        i += code - 1;
        if (code != 0xFF && i < in.size()) out.push_back(0);
    }
    return true;
}

/// (session, seq, payload) of every DATA frame in the stream whose CRC32C matches.
inline std::vector<std::tuple<std::uint32_t, std::uint32_t, Bytes>> valid_data_frames(const Bytes& stream) {
    std::vector<std::tuple<std::uint32_t, std::uint32_t, Bytes>> out;
    Bytes piece, raw;
    auto close = [&] {
        if (unstuff(piece, raw) && raw.size() >= 20 && raw[0] == 1 && raw[1] == 1 && le(raw, 14, 2) + 20 == raw.size() &&
            crc32c_portable(raw.data(), raw.size() - 4) == le(raw, raw.size() - 4, 4))
            out.emplace_back(le(raw, 2, 4), le(raw, 6, 4), Bytes(raw.begin() + 16, raw.end() - 4));
        piece.clear();
    };
    for (const std::uint8_t b : stream) {
        if (b == 0) close();
        else piece.push_back(b);
    }
    return out;
}

/// The raw-frames reading of an input (see the file comment), stuffed and delimited.
inline Bytes as_raw_frames(const std::uint8_t* data, std::size_t size) {
    Bytes stream;
    Bytes piece;
    auto close = [&] {
        if (piece.size() < 16) piece.resize(16, 0);
        const std::size_t payload = std::min<std::size_t>(piece.size() - 16, 0xFFFF);
        piece.resize(16 + payload);
        piece[14] = static_cast<std::uint8_t>(payload);
        piece[15] = static_cast<std::uint8_t>(payload >> 8);
        const std::uint32_t crc = crc32c_portable(piece.data(), piece.size());
        for (int i = 0; i < 4; ++i) piece.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
        std::vector<std::byte> wire(uplink::cobs::encoded_bytes_max(piece.size()));
        uplink::cobs::Encoder e(wire);
        e.put(std::as_bytes(std::span(piece)));
        const std::size_t n = e.finish();
        for (std::size_t i = 0; i < n; ++i) stream.push_back(std::to_integer<std::uint8_t>(wire[i]));
        stream.push_back(0);
        piece.clear();
    };
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0) close();
        else piece.push_back(data[i]);
    }
    if (!piece.empty()) close();
    return stream;
}

inline std::string check_stream(const Bytes& stream, std::uint8_t chunk_seed) {
    std::ostringstream why;
    const auto valid = valid_data_frames(stream);
    const auto copy = std::make_unique<std::uint8_t[]>(stream.size() + 1);
    if (!stream.empty()) std::memcpy(copy.get(), stream.data(), stream.size());
    const std::span<const std::byte> in(reinterpret_cast<const std::byte*>(copy.get()), stream.size());

    // Receiver: a frame buffer for payloads of up to 300 bytes, exactly sized.
    const std::size_t buffer_bytes = uplink::LinkReceiver::frame_buffer_bytes(300);
    const auto buffer = std::make_unique<std::byte[]>(buffer_bytes);
    auto receiver = uplink::LinkReceiver::make(std::span(buffer.get(), buffer_bytes), 1).value();
    std::uint64_t deliveries = 0;
    bool have_last = false;
    std::uint32_t last_session = 0, last_seq = 0;
    std::uint64_t session_changes = 0;
    std::uint64_t catch_ups = 0;
    std::size_t at = 0, chunk = 1 + chunk_seed % 17;
    while (at < in.size()) {
        const std::size_t n = std::min(chunk, in.size() - at);
        const uplink::ReceiveStep step = receiver.push(in.subspan(at, n));
        if (step.consumed == 0 || step.consumed > n) return "receiver consumed a wrong number of bytes";
        at += step.consumed;
        chunk = 1 + (chunk * 7 + 3) % 29;
        if (!step.delivered) continue;
        ++deliveries;
        const Bytes payload(reinterpret_cast<const std::uint8_t*>(step.payload.data()),
                            reinterpret_cast<const std::uint8_t*>(step.payload.data()) + step.payload.size());
        if (std::find(valid.begin(), valid.end(), std::make_tuple(step.session, step.seq, payload)) == valid.end()) {
            why << "delivered session " << step.session << " seq " << step.seq << " is no DATA frame with a good CRC";
            return why.str();
        }
        // A change of session in between (even back to an earlier one) starts it afresh.
        if (receiver.counters().session_changes != session_changes) have_last = false;
        session_changes = receiver.counters().session_changes;
        // Catching up with the sender's window base skips forward, never back.
        const bool caught_up = receiver.counters().catch_ups != catch_ups;
        catch_ups = receiver.counters().catch_ups;
        if (have_last && step.session == last_session &&
            (caught_up ? step.seq <= last_seq : step.seq != last_seq + 1)) {
            why << "session " << step.session << " delivered seq " << step.seq << " after " << last_seq;
            return why.str();
        }
        have_last = true;
        last_session = step.session;
        last_seq = step.seq;
        // Mark every other delivery durable, and ACK bytes come out as they would.
        if (deliveries % 2 == 0 && !receiver.mark_durable(step.session, step.seq)) return "mark_durable refused a delivery";
        std::byte out[7];
        while (receiver.pull(out) != 0) {
        }
    }
    if (receiver.counters().delivered != deliveries) return "receiver's delivered counter is off";

    // Sender: three payloads sent, then the input as what came back.
    std::vector<uplink::SenderSlot> slots(3);
    const auto storage = std::make_unique<std::byte[]>(3 * 8);
    const std::size_t tx_bytes = uplink::LinkSender::tx_buffer_bytes(8);
    const auto tx = std::make_unique<std::byte[]>(tx_bytes);
    auto sender = uplink::LinkSender::make(slots, std::span(storage.get(), 24), std::span(tx.get(), tx_bytes),
                                           chunk_seed, uplink::SenderConfig{5, 40})
                      .value();
    const std::byte payload[8] = {};
    for (std::uint64_t id = 0; id < 3; ++id)
        if (!sender.submit(id, payload)) return "sender refused a payload";
    std::byte wire[64];
    std::uint32_t now = 0;
    std::uint64_t reported = 0;
    for (at = 0; at <= in.size(); at += 13, now += 3) {
        while (sender.pull(wire, now) != 0) {
        }
        sender.push(in.subspan(at, std::min<std::size_t>(13, in.size() - at)), now);
        while (const auto id = sender.take_acked()) {
            if (*id != reported) return "sender reported an acknowledgement out of order";
            ++reported;
        }
    }
    if (reported > sender.counters().frames_sent) return "sender reported more acknowledged than it sent";
    if (reported != sender.counters().frames_acked) return "sender's acked counter is off";
    return {};
}

} // namespace uplink_detail

inline std::string check_uplink(const std::uint8_t* data, std::size_t size) {
    const std::uint8_t seed = size != 0 ? data[0] : 0;
    std::string broken = uplink_detail::check_stream(uplink_detail::Bytes(data, data + size), seed);
    if (!broken.empty()) return "as a byte stream: " + broken;
    broken = uplink_detail::check_stream(uplink_detail::as_raw_frames(data, size), seed);
    if (!broken.empty()) return "as raw frames: " + broken;
    return {};
}

} // namespace ss::fuzz
