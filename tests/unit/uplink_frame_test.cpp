// The uplink's framing (ss/uplink/cobs.hpp, frame.hpp, frame_assembler.hpp): the exact bytes of a
// known DATA and ACK frame (docs/uplink-protocol.md shows the same), COBS at its run boundaries,
// the largest payload, every single-byte corruption and every truncation of a frame refused,
// garbage and overlong runs between frames costing only the frames they touch, and bad arguments.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "ss/uplink/cobs.hpp"
#include "ss/uplink/frame.hpp"
#include "ss/uplink/frame_assembler.hpp"
#include "ss/uplink/link_receiver.hpp"
#include "ss/uplink/link_sender.hpp"

using namespace ss;
using namespace ss::uplink;

namespace {

using Bytes = std::vector<std::byte>;

Bytes bytes(std::initializer_list<int> v) {
    Bytes out;
    for (const int b : v) out.push_back(std::byte(b));
    return out;
}

Bytes encode(const Frame& f) {
    Bytes out(frame::wire_bytes_max(f.payload.size()));
    const auto n = encode_frame(f, out);
    REQUIRE(n);
    out.resize(*n);
    return out;
}

// The frame of docs/uplink-protocol.md, "A worked example": DATA seq 2 of session 0x0A0B0C0D,
// window base 1, a 5-byte payload with a zero in it. Bytes from an independent Python encoding.
const Bytes example_payload = bytes({0x53, 0x42, 0x00, 0x01, 0x07});
const Frame example{FrameType::data, 0x0A0B0C0D, 2, 1, example_payload};
const Bytes example_wire = bytes({0x08, 0x01, 0x01, 0x0d, 0x0c, 0x0b, 0x0a, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x01,
                                  0x02, 0x05, 0x03, 0x53, 0x42, 0x07, 0x01, 0x07, 0xd9, 0x5d, 0xd2, 0xf5, 0x00});

/// Every frame the assembler completes from `wire`, and how the others ended.
struct Fed {
    std::vector<Bytes> payloads;
    std::vector<Frame> frames;
    int bad_crc = 0, malformed = 0, overrun = 0;
};

Fed feed(std::span<const std::byte> wire, std::size_t buffer_bytes = LinkReceiver::frame_buffer_bytes(frame::max_payload)) {
    Bytes buffer(buffer_bytes);
    FrameAssembler a;
    Fed fed;
    while (!wire.empty()) {
        const Assembled r = a.push(buffer, wire);
        REQUIRE(r.consumed > 0);
        REQUIRE(r.consumed <= wire.size());
        wire = wire.subspan(r.consumed);
        switch (r.status) {
        case AssembleStatus::need_more: CHECK(wire.empty()); break;
        case AssembleStatus::frame:
            fed.frames.push_back(r.frame);
            fed.payloads.emplace_back(r.frame.payload.begin(), r.frame.payload.end());
            break;
        case AssembleStatus::bad_crc: ++fed.bad_crc; break;
        case AssembleStatus::malformed: ++fed.malformed; break;
        case AssembleStatus::overrun: ++fed.overrun; break;
        }
    }
    return fed;
}

Bytes cobs_round_trip(const Bytes& in) {
    Bytes stuffed(cobs::encoded_bytes_max(in.size()));
    cobs::Encoder e(stuffed);
    REQUIRE(e.put(in));
    const std::size_t n = e.finish();
    REQUIRE(n > 0);
    stuffed.resize(n);
    for (const std::byte b : stuffed) REQUIRE(b != std::byte{0});
    const auto m = cobs::decode_in_place(stuffed);
    REQUIRE(m);
    stuffed.resize(*m);
    return stuffed;
}

} // namespace

TEST_CASE("a DATA frame encodes to the exact bytes of the protocol document and decodes back") {
    CHECK(encode(example) == example_wire);
    const Fed fed = feed(example_wire);
    REQUIRE(fed.frames.size() == 1);
    CHECK(fed.frames[0].type == FrameType::data);
    CHECK(fed.frames[0].session == 0x0A0B0C0D);
    CHECK(fed.frames[0].seq == 2);
    CHECK(fed.frames[0].aux == 1);
    CHECK(fed.payloads[0] == example_payload);
}

TEST_CASE("an ACK frame encodes to its exact bytes, and a NAK decodes back") {
    const Bytes wire = bytes({0x08, 0x01, 0x02, 0x0d, 0x0c, 0x0b, 0x0a, 0x03, 0x01, 0x01, 0x02, 0x99,
                              0x01, 0x01, 0x01, 0x01, 0x05, 0x48, 0x51, 0xa5, 0xc4, 0x00});
    CHECK(encode(Frame{FrameType::ack, 0x0A0B0C0D, 3, 0x99, {}}) == wire);
    CHECK(wire.size() == frame::wire_bytes_max(0));
    const Fed fed = feed(wire);
    REQUIRE(fed.frames.size() == 1);
    CHECK(fed.frames[0].type == FrameType::ack);
    CHECK(fed.frames[0].seq == 3);
    CHECK(fed.frames[0].aux == 0x99);
    CHECK(fed.frames[0].payload.empty());
    // A NAK has the ACK's shape; only its type byte differs.
    const Bytes nak = encode(Frame{FrameType::nak, 0x0A0B0C0D, 3, 0x99, {}});
    CHECK(nak.size() == wire.size());
    const Fed nak_fed = feed(nak);
    REQUIRE(nak_fed.frames.size() == 1);
    CHECK(nak_fed.frames[0].type == FrameType::nak);
    CHECK(nak_fed.frames[0].seq == 3);
}

TEST_CASE("COBS round trips across its run boundaries and never leaves a zero") {
    for (const std::size_t n : {0u, 1u, 253u, 254u, 255u, 508u, 509u, 1000u}) {
        CAPTURE(n);
        Bytes nonzero(n, std::byte{0x5A});
        CHECK(cobs_round_trip(nonzero) == nonzero);
        Bytes zeros(n, std::byte{0});
        CHECK(cobs_round_trip(zeros) == zeros);
        Bytes ending_in_zero = nonzero;
        ending_in_zero.push_back(std::byte{0});
        CHECK(cobs_round_trip(ending_in_zero) == ending_in_zero);
    }
    std::mt19937 rng(7);
    for (int i = 0; i < 200; ++i) {
        Bytes b(rng() % 700);
        for (auto& x : b) x = std::byte(rng() % 4 == 0 ? 0 : rng());
        CHECK(cobs_round_trip(b) == b);
    }
    // The stuffed size never exceeds the bound the buffers are sized with.
    Bytes worst(254 * 3, std::byte{1});
    Bytes out(cobs::encoded_bytes_max(worst.size()));
    cobs::Encoder e(out);
    REQUIRE(e.put(worst));
    CHECK(e.finish() == cobs::encoded_bytes_max(worst.size()));
}

TEST_CASE("COBS refuses a zero inside, an empty input and a code byte pointing past the end") {
    Bytes with_zero = bytes({0x03, 0x11, 0x00});
    CHECK(cobs::decode_in_place(with_zero).error() == Errc::invalid_argument);
    Bytes empty;
    CHECK(cobs::decode_in_place(empty).error() == Errc::invalid_argument);
    Bytes past_end = bytes({0x05, 0x11, 0x22});
    CHECK(cobs::decode_in_place(past_end).error() == Errc::invalid_argument);
    // An encoder given too little room says so instead of writing past it.
    Bytes small(3);
    cobs::Encoder e(small);
    CHECK_FALSE(e.put(bytes({1, 2, 3, 4})));
    CHECK(e.finish() == 0);
    cobs::Encoder none(std::span<std::byte>{});
    CHECK_FALSE(none.put(std::byte{0}));
}

TEST_CASE("the largest payload round trips; one byte more or one byte less room is refused") {
    Bytes payload(frame::max_payload);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = std::byte(i % 251); // zeros every 251
    const Frame f{FrameType::data, 1, 0, 0, payload};
    const Bytes wire = encode(f);
    CHECK(wire.size() <= frame::wire_bytes_max(payload.size()));
    const Fed fed = feed(wire);
    REQUIRE(fed.payloads.size() == 1);
    CHECK(fed.payloads[0] == payload);

    Bytes too_big(frame::max_payload + 1);
    Bytes out(frame::wire_bytes_max(too_big.size()));
    CHECK(encode_frame(Frame{FrameType::data, 1, 0, 0, too_big}, out).error() == Errc::invalid_argument);
    // A payload without zeros needs the whole bound; any less is no_space.
    Bytes dense(1000, std::byte{0xEE});
    Bytes exact(frame::wire_bytes_max(dense.size()));
    const Frame df{FrameType::data, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFE, dense};
    REQUIRE(encode_frame(df, exact));
    for (const std::size_t room : {exact.size() - 1, exact.size() - 2, std::size_t{10}, std::size_t{1}, std::size_t{0}})
        CHECK(encode_frame(df, std::span(exact).first(room)).error() == Errc::no_space);
}

TEST_CASE("every single-byte corruption of a frame is refused") {
    int refused = 0;
    for (std::size_t at = 0; at < example_wire.size(); ++at) {
        for (int x = 1; x < 256; ++x) {
            Bytes wire = example_wire;
            wire[at] ^= std::byte(x);
            wire.push_back(std::byte{0}); // so that a corrupted delimiter still ends the frame
            CAPTURE(at);
            CAPTURE(x);
            const Fed fed = feed(wire);
            REQUIRE(fed.frames.empty());
            refused += fed.bad_crc + fed.malformed;
        }
    }
    CHECK(refused > 0);
}

TEST_CASE("every truncation of a frame is refused, and the next frame still decodes") {
    for (std::size_t keep = 1; keep + 1 < example_wire.size(); ++keep) {
        CAPTURE(keep);
        Bytes wire(example_wire.begin(), example_wire.begin() + static_cast<std::ptrdiff_t>(keep));
        wire.push_back(std::byte{0});
        wire.insert(wire.end(), example_wire.begin(), example_wire.end());
        const Fed fed = feed(wire);
        REQUIRE(fed.frames.size() == 1);
        CHECK(fed.payloads[0] == example_payload);
        CHECK(fed.bad_crc + fed.malformed == 1);
    }
}

TEST_CASE("garbage between frames costs only the frame it runs into") {
    std::mt19937 rng(11);
    Bytes garbage(40);
    for (auto& x : garbage) x = std::byte(1 + rng() % 255);
    // Delimited garbage: both frames survive.
    Bytes wire = example_wire;
    wire.insert(wire.end(), garbage.begin(), garbage.end());
    wire.push_back(std::byte{0});
    wire.insert(wire.end(), example_wire.begin(), example_wire.end());
    Fed fed = feed(wire);
    CHECK(fed.frames.size() == 2);
    CHECK(fed.bad_crc + fed.malformed == 1);
    // Garbage running into a frame merges with it: that frame is lost, the next one is not.
    wire = example_wire;
    wire.insert(wire.end(), garbage.begin(), garbage.end());
    wire.insert(wire.end(), example_wire.begin(), example_wire.end());
    wire.insert(wire.end(), example_wire.begin(), example_wire.end());
    fed = feed(wire);
    CHECK(fed.frames.size() == 2);
    // Runs of delimiters are idle line, not frames.
    Bytes idle(10, std::byte{0});
    idle.insert(idle.end(), example_wire.begin(), example_wire.end());
    fed = feed(idle);
    CHECK(fed.frames.size() == 1);
    CHECK(fed.bad_crc + fed.malformed + fed.overrun == 0);
}

TEST_CASE("a run longer than the buffer is dropped up to the next delimiter") {
    Bytes wire(100, std::byte{0x33});
    wire.push_back(std::byte{0});
    wire.insert(wire.end(), example_wire.begin(), example_wire.end());
    const Fed fed = feed(wire, LinkReceiver::frame_buffer_bytes(example_payload.size()));
    CHECK(fed.overrun == 1);
    REQUIRE(fed.frames.size() == 1);
    CHECK(fed.payloads[0] == example_payload);
    // The buffer sized for a payload holds exactly that frame and refuses one a byte longer.
    Bytes longer = example_payload;
    longer.push_back(std::byte{9});
    const Bytes long_wire = encode(Frame{FrameType::data, 1, 0, 0, longer});
    CHECK(feed(long_wire, LinkReceiver::frame_buffer_bytes(example_payload.size())).overrun == 1);
}

TEST_CASE("bad arguments are invalid_argument") {
    Bytes out(64);
    CHECK(encode_frame(Frame{FrameType{0}, 1, 0, 0, {}}, out).error() == Errc::invalid_argument);
    CHECK(encode_frame(Frame{FrameType{4}, 1, 0, 0, {}}, out).error() == Errc::invalid_argument);
    CHECK(encode_frame(Frame{FrameType::ack, 1, 0, 0, example_payload}, out).error() == Errc::invalid_argument);
    CHECK(encode_frame(Frame{FrameType::nak, 1, 0, 0, example_payload}, out).error() == Errc::invalid_argument);

    std::vector<SenderSlot> slots(4);
    Bytes storage(400);
    Bytes tx(LinkSender::tx_buffer_bytes(100));
    CHECK(LinkSender::make({}, storage, tx, 1).error() == Errc::invalid_argument);
    CHECK(LinkSender::make(slots, std::span(storage).first(3), tx, 1).error() == Errc::invalid_argument);
    CHECK(LinkSender::make(slots, storage, std::span(tx).first(tx.size() - 1), 1).error() == Errc::invalid_argument);
    CHECK(LinkSender::make(slots, storage, tx, 1, SenderConfig{0, 100}).error() == Errc::invalid_argument);
    CHECK(LinkSender::make(slots, storage, tx, 1, SenderConfig{200, 100}).error() == Errc::invalid_argument);
    auto sender = LinkSender::make(slots, storage, tx, 1);
    REQUIRE(sender);
    CHECK(sender->max_payload() == 100);
    CHECK(sender->submit(1, {}).error() == Errc::invalid_argument);
    CHECK(sender->submit(1, Bytes(101)).error() == Errc::invalid_argument);
    for (std::uint64_t id = 0; id < slots.size(); ++id) CHECK(sender->submit(id, Bytes(100, std::byte{1})));
    CHECK(sender->submit(9, Bytes(1, std::byte{1})).error() == Errc::no_space);

    Bytes small(LinkReceiver::frame_buffer_bytes(0) - 1);
    CHECK(LinkReceiver::make(small, 1).error() == Errc::invalid_argument);
    Bytes frame_buffer(LinkReceiver::frame_buffer_bytes(100));
    auto receiver = LinkReceiver::make(frame_buffer, 1);
    REQUIRE(receiver);
    // The example's seq 2 lies past its window base 1: a receiver new to the session waits for 1.
    CHECK_FALSE(receiver->push(example_wire).delivered);
    CHECK(receiver->counters().out_of_order == 1);
    CHECK(receiver->mark_durable(example.session, 1).error() == Errc::invalid_argument);
    const ReceiveStep step = receiver->push(encode(Frame{FrameType::data, example.session, 1, 1, example_payload}));
    REQUIRE(step.delivered);
    CHECK(step.seq == 1);
    // Only what was delivered can be durable. Another session is ignored, no error.
    CHECK(receiver->mark_durable(example.session, 1));
    CHECK(receiver->mark_durable(example.session, 2).error() == Errc::invalid_argument);
    CHECK(receiver->mark_durable(example.session + 1, 7));
}
