// Decoders: ADC blocks into time-series values; the UART frame format split at every byte, across
// a circular buffer's wrap, through garbage and bit flips (a wrong value is never delivered); CAN
// signals of every byte order, length and signedness against a bit-by-bit reference.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "capture/processing_test_seed.hpp"
#include "ss/capture/decoders.hpp"
#include "ss/text.hpp"

using namespace ss::capture;

namespace {

struct Sent {
    std::uint8_t channel;
    std::uint32_t value;
    friend bool operator==(const Sent&, const Sent&) = default;
};

std::vector<Sent> random_frames(std::mt19937& rng, std::size_t n) {
    std::uniform_int_distribution<std::uint32_t> value;
    std::uniform_int_distribution<int> channel(0, 255);
    std::vector<Sent> frames;
    for (std::size_t i = 0; i < n; ++i) frames.push_back({static_cast<std::uint8_t>(channel(rng)), value(rng)});
    // Values that are all sync bytes, or zero, or all ones: the awkward ones.
    frames.push_back({0xA5, 0x5AA5'5AA5u});
    frames.push_back({0x5A, 0xA5A5'A5A5u});
    frames.push_back({0, 0});
    frames.push_back({255, 0xFFFF'FFFFu});
    return frames;
}

std::vector<std::uint8_t> encode_all(const std::vector<Sent>& frames) {
    std::vector<std::uint8_t> bytes;
    for (const Sent& f : frames) {
        const auto b = encode_uart_frame(f.channel, f.value);
        bytes.insert(bytes.end(), b.begin(), b.end());
    }
    return bytes;
}

// Decodes `bytes` fed in pieces of the given sizes; all events in order.
std::vector<Sent> decode_in_pieces(UartFrameDecoder& d, const std::vector<std::uint8_t>& bytes,
                                   const std::vector<std::size_t>& pieces, TimeBase& tb) {
    std::vector<Sent> got;
    std::vector<CapturedEvent> out(bytes.size() / uart_frame_size + 1);
    std::size_t at = 0;
    auto feed = [&](std::size_t n) {
        auto r = d.decode(std::span<const std::uint8_t>(bytes.data() + at, n), 1'000, tb, out);
        REQUIRE(r.consumed == n);
        for (std::size_t i = 0; i < r.produced; ++i) {
            got.push_back({static_cast<std::uint8_t>(out[i].channel), out[i].value});
        }
        at += n;
    };
    for (std::size_t n : pieces) feed(std::min(n, bytes.size() - at));
    feed(bytes.size() - at);
    return got;
}

void check_counter_invariant(const UartFrameDecoder& d) {
    const UartCounters& c = d.counters();
    CHECK(c.bytes == 11 * c.frames_good + c.bytes_discarded + d.buffered());
}

// CRC32C bit by bit from its definition (reflected, poly 0x82F63B78, init and final xor all
// ones): shares nothing with the table-driven or hardware paths the decoder uses.
std::uint32_t reference_crc32c(const std::vector<std::uint8_t>& message) {
    std::uint32_t crc = 0xFFFF'FFFFu;
    for (std::uint8_t byte : message) {
        crc ^= byte;
        for (int b = 0; b < 8; ++b) crc = (crc & 1u) != 0 ? (crc >> 1) ^ 0x82F6'3B78u : crc >> 1;
    }
    return ~crc;
}

// The frame format applied to a whole byte array at once: at each position, a frame if the sync
// bytes and the CRC match (then skip it), else move on by one byte.
std::vector<Sent> reference_decode(const std::vector<std::uint8_t>& bytes) {
    std::vector<Sent> frames;
    for (std::size_t i = 0; i + 11 <= bytes.size();) {
        const std::vector<std::uint8_t> payload(bytes.begin() + static_cast<std::ptrdiff_t>(i + 2),
                                                bytes.begin() + static_cast<std::ptrdiff_t>(i + 7));
        const std::uint32_t crc = reference_crc32c(payload);
        bool match = bytes[i] == 0xA5 && bytes[i + 1] == 0x5A;
        for (std::size_t b = 0; b < 4; ++b) match = match && bytes[i + 7 + b] == ((crc >> (8 * b)) & 0xFF);
        if (match) {
            std::uint32_t value = 0;
            for (std::size_t b = 0; b < 4; ++b) value |= std::uint32_t{bytes[i + 3 + b]} << (8 * b);
            frames.push_back({bytes[i + 2], value});
            i += 11;
        } else {
            ++i;
        }
    }
    return frames;
}

// DBC's definition, bit by bit: Intel signals take bits start, start+1, … (LSB first); Motorola
// signals take bits from start (MSB) downwards within a byte, then from bit 7 of the next byte.
std::uint32_t reference_extract(const CanSignal& s, const std::uint8_t (&data)[8]) {
    std::uint64_t raw = 0;
    if (s.order == ByteOrder::little_endian) {
        for (int i = 0; i < s.length; ++i) {
            const int pos = s.start_bit + i;
            raw |= static_cast<std::uint64_t>((data[pos / 8] >> (pos % 8)) & 1) << i;
        }
    } else {
        int byte = s.start_bit / 8, bit = s.start_bit % 8;
        for (int i = 0; i < s.length; ++i) {
            raw = (raw << 1) | ((data[byte] >> bit) & 1);
            if (bit == 0) {
                ++byte;
                bit = 7;
            } else {
                --bit;
            }
        }
    }
    std::int64_t value = static_cast<std::int64_t>(raw);
    if (s.is_signed && (raw >> (s.length - 1)) & 1) value -= std::int64_t{1} << s.length;
    return static_cast<std::uint32_t>(value);
}

// Whether a DBC signal fits 8 bytes, by walking it.
bool reference_fits(const CanSignal& s) {
    if (s.order == ByteOrder::little_endian) return s.start_bit + s.length <= 64;
    int byte = s.start_bit / 8, bit = s.start_bit % 8;
    for (int i = 1; i < s.length; ++i) {
        if (bit == 0) {
            ++byte;
            bit = 7;
        } else {
            --bit;
        }
    }
    return byte <= 7;
}

CanFrame frame(std::uint32_t id, bool extended, std::initializer_list<std::uint8_t> data, std::uint64_t t_us = 0) {
    CanFrame f;
    f.id = id;
    f.extended = extended;
    f.dlc = static_cast<std::uint8_t>(data.size());
    std::copy(data.begin(), data.end(), f.data);
    f.timestamp_us = t_us;
    return f;
}

} // namespace

TEST_CASE("the UART frame carries CRC32C of channel and value; the layout is as documented") {
    std::mt19937 rng(ss::test::capture_test_seed(0xDEC0'0001u));
    CHECK(reference_crc32c({'1', '2', '3', '4', '5', '6', '7', '8', '9'}) == 0xE306'9283u); // the published check
    std::uniform_int_distribution<std::uint32_t> value;
    std::uniform_int_distribution<int> channel(0, 255);
    for (int i = 0; i < 2'000; ++i) {
        const auto c = static_cast<std::uint8_t>(channel(rng));
        const std::uint32_t v = value(rng);
        const auto f = encode_uart_frame(c, v);
        REQUIRE(f.size() == 11);
        REQUIRE(f[0] == 0xA5);
        REQUIRE(f[1] == 0x5A);
        REQUIRE(f[2] == c);
        for (std::size_t b = 0; b < 4; ++b) REQUIRE(f[3 + b] == ((v >> (8 * b)) & 0xFF));
        const std::uint32_t crc = reference_crc32c({f[2], f[3], f[4], f[5], f[6]});
        for (std::size_t b = 0; b < 4; ++b) REQUIRE(f[7 + b] == ((crc >> (8 * b)) & 0xFF));
    }
    const auto f = encode_uart_frame(7, 0x1234'5678u);
    CHECK(f[3] == 0x78); // little endian
    CHECK(f[6] == 0x12);
}

TEST_CASE("UART frames split at every byte position decode the same") {
    std::mt19937 rng(ss::test::capture_test_seed(0xDEC0'0002u));
    const auto sent = random_frames(rng, 12);
    const auto bytes = encode_all(sent);
    TimeBase tb;
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        UartFrameDecoder d;
        REQUIRE(decode_in_pieces(d, bytes, {cut}, tb) == sent);
        check_counter_invariant(d);
        CHECK(d.counters().bytes_discarded == 0);
    }
    // Byte by byte, and random pieces.
    UartFrameDecoder d;
    CHECK(decode_in_pieces(d, bytes, std::vector<std::size_t>(bytes.size(), 1), tb) == sent);
    std::uniform_int_distribution<std::size_t> piece(0, 20);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<std::size_t> pieces(40);
        for (auto& p : pieces) p = piece(rng);
        UartFrameDecoder fresh;
        REQUIRE(decode_in_pieces(fresh, bytes, pieces, tb) == sent);
    }
}

TEST_CASE("UART frames across a circular DMA buffer's wrap decode the same") {
    std::mt19937 rng(ss::test::capture_test_seed(0xDEC0'0003u));
    const auto sent = random_frames(rng, 200);
    const auto bytes = encode_all(sent);
    TimeBase tb;
    for (std::size_t ring_size : {13u, 64u, 100u}) {
        CAPTURE(ring_size);
        // The DMA writes the stream into the ring; the consumer reads [read, write) each time,
        // as two parts when it wraps.
        std::vector<std::uint8_t> ring(ring_size);
        std::uniform_int_distribution<std::size_t> burst(1, ring_size - 1);
        UartFrameDecoder d;
        std::vector<CapturedEvent> out(ring_size);
        std::vector<Sent> got;
        std::size_t read = 0, written = 0;
        while (written < bytes.size()) {
            const std::size_t n = std::min(burst(rng), bytes.size() - written);
            for (std::size_t i = 0; i < n; ++i) ring[(written + i) % ring_size] = bytes[written + i];
            written += n;
            const std::size_t begin = read % ring_size, count = written - read;
            const std::size_t first = std::min(count, ring_size - begin);
            auto r = d.decode(std::span<const std::uint8_t>(ring.data() + begin, first),
                              std::span<const std::uint8_t>(ring.data(), count - first), 5'000, tb, out);
            REQUIRE(r.consumed == count);
            for (std::size_t i = 0; i < r.produced; ++i) got.push_back({static_cast<std::uint8_t>(out[i].channel), out[i].value});
            read = written;
        }
        CHECK(got == sent);
        check_counter_invariant(d);
    }
}

TEST_CASE("the UART decoder resynchronises after garbage and never delivers a wrong value") {
    std::mt19937 rng(ss::test::capture_test_seed(0xDEC0'0004u));
    const auto sent = random_frames(rng, 3'000);
    std::vector<std::uint8_t> bytes;
    std::uniform_int_distribution<int> byte(0, 255), garbage_len(0, 20), kind(0, 9);
    std::size_t garbage = 0;
    for (const Sent& f : sent) {
        // Garbage between frames, often containing sync bytes and fragments of frames.
        const int n = garbage_len(rng);
        for (int i = 0; i < n; ++i) {
            const int k = kind(rng);
            bytes.push_back(k == 0 ? 0xA5 : k == 1 ? 0x5A : static_cast<std::uint8_t>(byte(rng)));
        }
        if (kind(rng) == 0) { // a truncated frame
            const auto partial = encode_uart_frame(1, 2);
            bytes.insert(bytes.end(), partial.begin(), partial.begin() + 8);
            garbage += 8;
        }
        garbage += static_cast<std::size_t>(n);
        const auto b = encode_uart_frame(f.channel, f.value);
        bytes.insert(bytes.end(), b.begin(), b.end());
    }
    UartFrameDecoder d;
    TimeBase tb;
    std::uniform_int_distribution<std::size_t> piece(0, 50);
    std::vector<std::size_t> pieces(bytes.size() / 10);
    for (auto& p : pieces) p = piece(rng);
    const auto got = decode_in_pieces(d, bytes, pieces, tb);
    // The streaming decoder does exactly what the format says, however the bytes were cut.
    CHECK(got == reference_decode(bytes));
    // And the format let no garbage through: a false sync passes CRC32C with probability 2^-32;
    // this input has several hundred of them.
    CHECK(got == sent);
    CHECK(d.counters().frames_good == sent.size());
    CHECK(d.counters().bytes_discarded == garbage);
    CHECK(d.counters().frames_bad > 0); // some garbage looked like a frame start
    check_counter_invariant(d);
}

TEST_CASE("UART frames with bit flips are counted as bad, never delivered") {
    std::mt19937 rng(ss::test::capture_test_seed(0xDEC0'0005u));
    const auto sent = random_frames(rng, 5'000);
    std::vector<std::uint8_t> bytes;
    std::vector<Sent> clean;
    std::uniform_int_distribution<int> flips(1, 5), bit(0, 87), coin(0, 3);
    std::size_t corrupted = 0;
    for (const Sent& f : sent) {
        auto b = encode_uart_frame(f.channel, f.value);
        if (coin(rng) == 0) {
            // 1..5 distinct bit flips anywhere in the frame: CRC32C detects every error of up to
            // five bits in a frame this short, and a flip in a sync byte hides the frame.
            const int n = flips(rng);
            std::vector<int> positions;
            while (static_cast<int>(positions.size()) < n) {
                const int p = bit(rng);
                if (std::find(positions.begin(), positions.end(), p) == positions.end()) positions.push_back(p);
            }
            for (int p : positions) b[static_cast<std::size_t>(p / 8)] ^= static_cast<std::uint8_t>(1u << (p % 8));
            ++corrupted;
        } else {
            clean.push_back(f);
        }
        bytes.insert(bytes.end(), b.begin(), b.end());
    }
    UartFrameDecoder d;
    TimeBase tb;
    const auto got = decode_in_pieces(d, bytes, std::vector<std::size_t>(bytes.size() / 7, 7), tb);
    CHECK(got == reference_decode(bytes));
    MESSAGE(corrupted << " corrupted frames, " << d.counters().frames_bad << " CRC failures, "
                      << d.counters().bytes_discarded << " bytes discarded");
    CHECK(got == clean);
    CHECK(d.counters().frames_bad > 0);
    check_counter_invariant(d);
}

TEST_CASE("UART events are stamped by when their last byte arrived, through the time base") {
    TimeBase tb;
    UartFrameDecoder d(87); // 115200 baud: 10 bits ≈ 87 µs
    std::vector<std::uint8_t> bytes = encode_all({{1, 10}, {2, 20}});
    bytes.push_back(0x00); // one byte of garbage after the second frame
    std::vector<CapturedEvent> out(4);
    auto r = d.decode(bytes, 10'000'000, tb, out);
    REQUIRE(r.produced == 2);
    // Frame 1 ends 12 bytes before the chunk's last byte, frame 2 one byte before.
    CHECK(out[0].timestamp == Timestamp{(10'000'000 - 12 * 87) / 1000, TimeDomain::monotonic});
    CHECK(out[1].timestamp == Timestamp{(10'000'000 - 87) / 1000, TimeDomain::monotonic});
    const EventRecord record = out[1].record();
    const std::uint32_t value = record.value;
    const std::uint64_t ts_ms = record.ts_ms; // by value: the record is packed (4-byte aligned)
    CHECK(value == 20);
    CHECK(ts_ms == 9'999);

    REQUIRE(tb.set_utc(10'000'000, 1'700'000'000'000));
    const auto more = encode_all({{3, 30}});
    r = d.decode(more, 12'000'000, tb, out);
    REQUIRE(r.produced == 1);
    CHECK(out[0].timestamp == Timestamp{1'700'000'002'000, TimeDomain::utc});
}

TEST_CASE("a full output span stops the UART decoder without losing a frame") {
    std::mt19937 rng(ss::test::capture_test_seed(0xDEC0'0006u));
    const auto sent = random_frames(rng, 20);
    const auto bytes = encode_all(sent);
    UartFrameDecoder d;
    TimeBase tb;
    std::vector<CapturedEvent> out(3);
    std::vector<Sent> got;
    std::span<const std::uint8_t> rest(bytes);
    while (!rest.empty()) {
        auto r = d.decode(rest, 0, tb, out);
        REQUIRE(r.produced <= out.size());
        REQUIRE((r.consumed > 0 || r.produced > 0));
        for (std::size_t i = 0; i < r.produced; ++i) got.push_back({static_cast<std::uint8_t>(out[i].channel), out[i].value});
        rest = rest.subspan(r.consumed);
    }
    CHECK(got == sent);
    std::vector<CapturedEvent> none;
    auto r = d.decode(bytes, 0, tb, none);
    CHECK(r.produced == 0);
    CHECK(r.consumed == 10); // stops before the byte that would complete a frame
    d.reset();
    CHECK(d.buffered() == 0);
    CHECK(d.counters().bytes == 0);
}

TEST_CASE("CAN extraction matches DBC's bit-by-bit definition for every order, position, length and sign") {
    std::mt19937 rng(ss::test::capture_test_seed(0xDEC0'0007u));
    std::uniform_int_distribution<int> byte(0, 255);
    ss::Text why;
    std::size_t checked = 0;
    for (ByteOrder order : {ByteOrder::little_endian, ByteOrder::big_endian}) {
        for (int start = 0; start < 64; ++start) {
            for (int length = 1; length <= 32; ++length) {
                for (bool is_signed : {false, true}) {
                    CanSignal s;
                    s.id = 0x123;
                    s.order = order;
                    s.start_bit = static_cast<std::uint8_t>(start);
                    s.length = static_cast<std::uint8_t>(length);
                    s.is_signed = is_signed;
                    const bool fits = reference_fits(s);
                    REQUIRE(static_cast<bool>(validate(s, why)) == fits);
                    if (!fits) continue;
                    for (int trial = 0; trial < 4; ++trial) {
                        std::uint8_t data[8];
                        for (auto& b : data) b = static_cast<std::uint8_t>(trial == 0 ? 0xFF : byte(rng));
                        if (extract(s, data) != reference_extract(s, data)) {
                            FAIL("order " << static_cast<int>(order) << " start " << start << " length " << length
                                          << " signed " << is_signed);
                        }
                    }
                    // bytes_needed is the last byte the walk touches, plus one.
                    std::uint8_t probe[8] = {};
                    const int needed = bytes_needed(s);
                    for (int b = 0; b < 8; ++b) {
                        std::fill(std::begin(probe), std::end(probe), 0);
                        probe[b] = 0xFF;
                        if (b >= needed) REQUIRE(reference_extract(s, probe) == 0);
                    }
                    std::fill(std::begin(probe), std::end(probe), 0);
                    probe[needed - 1] = 0xFF;
                    REQUIRE(reference_extract(s, probe) != 0);
                    ++checked;
                }
            }
        }
    }
    MESSAGE(checked << " signal layouts checked");
    CHECK(checked > 3'000);
}

TEST_CASE("CAN signals: worked examples of both byte orders, 1 bit, 32 bits and signs") {
    const std::uint8_t data[8] = {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0};
    CanSignal s;
    s.length = 16;
    s.start_bit = 8;
    CHECK(extract(s, data) == 0x5634); // Intel: bytes 1, 2, least significant first
    s.order = ByteOrder::big_endian;
    s.start_bit = 7;
    CHECK(extract(s, data) == 0x1234); // Motorola: byte 0 bit 7 is the MSB
    s.start_bit = 3;
    s.length = 8;
    CHECK(extract(s, data) == 0x23);   // low nibble of byte 0, high nibble of byte 1
    s.order = ByteOrder::little_endian;
    s.start_bit = 0;
    s.length = 32;
    CHECK(extract(s, data) == 0x7856'3412u);
    s.start_bit = 32;
    s.is_signed = true;
    CHECK(extract(s, data) == 0xF0DE'BC9Au); // 32-bit signed: the bit pattern as it is
    s.order = ByteOrder::big_endian;
    s.start_bit = 7;
    CHECK(extract(s, data) == 0x1234'5678u);
    s.length = 1;
    s.start_bit = 4; // byte 0 = 0001 0010: bit 4 is 1
    s.is_signed = false;
    CHECK(extract(s, data) == 1);
    s.is_signed = true;
    CHECK(extract(s, data) == 0xFFFF'FFFFu); // a 1-bit signed 1 is −1
    s.start_bit = 0;
    CHECK(extract(s, data) == 0);
    s.order = ByteOrder::little_endian;
    s.start_bit = 60; // byte 7 = 0xF0: bits 60..63 = 1111
    s.length = 4;
    CHECK(extract(s, data) == 0xFFFF'FFFFu); // −1
    s.is_signed = false;
    CHECK(extract(s, data) == 0xF);
    s.start_bit = 48;
    s.length = 12; // 0x0DE: positive
    s.is_signed = true;
    CHECK(extract(s, data) == 0x0DE);
    s.start_bit = 52;
    s.length = 12; // 0xF0D: −243
    CHECK(extract(s, data) == static_cast<std::uint32_t>(-243));
}

TEST_CASE("bad CAN signals are rejected with the signal and field named") {
    ss::Text why;
    CanSignal s;
    s.length = 0;
    CHECK_FALSE(validate(s, why));
    CHECK(std::string(why.c_str()).find("length") != std::string::npos);
    s.length = 33;
    CHECK_FALSE(validate(s, why));
    s.length = 8;
    s.start_bit = 57;
    CHECK_FALSE(validate(s, why));
    CHECK(std::string(why.c_str()).find("start_bit") != std::string::npos);
    s.start_bit = 64;
    CHECK_FALSE(validate(s, why));
    s.start_bit = 56;
    CHECK(validate(s, why));
    s.order = ByteOrder::big_endian;
    s.start_bit = 56; // byte 7 bit 0 is the MSB: nothing below it
    s.length = 2;
    CHECK_FALSE(validate(s, why));
    s.length = 1;
    CHECK(validate(s, why));
    s.id = 0x800;
    CHECK_FALSE(validate(s, why));
    CHECK(std::string(why.c_str()).find("id") != std::string::npos);
    s.extended = true;
    CHECK(validate(s, why));
    s.id = 0x2000'0000;
    CHECK_FALSE(validate(s, why));
    s.id = 1;
    s.order = static_cast<ByteOrder>(3);
    CHECK_FALSE(validate(s, why));

    CanSignal table[3] = {};
    table[0].length = table[2].length = 8;
    table[1].length = 40;
    CanDecoder decoder;
    CHECK_FALSE(decoder.configure(table, why));
    CHECK(std::string(why.c_str()).find("CAN signal 1") != std::string::npos);
}

TEST_CASE("the CAN decoder emits one event per signal a frame carries and counts the rest") {
    CanSignal table[5] = {};
    auto set = [](CanSignal& s, std::uint32_t id, bool ext, std::uint8_t start, std::uint8_t len, ByteOrder o, bool sig,
                  std::uint32_t channel) {
        s.id = id;
        s.extended = ext;
        s.start_bit = start;
        s.length = len;
        s.order = o;
        s.is_signed = sig;
        s.channel = channel;
    };
    // Deliberately unsorted; 0x100 standard carries two signals; 0x100 extended is another frame.
    set(table[0], 0x200, false, 0, 8, ByteOrder::little_endian, false, 30);
    set(table[1], 0x100, false, 0, 16, ByteOrder::little_endian, true, 10);
    set(table[2], 0x100, true, 7, 8, ByteOrder::big_endian, false, 40);
    set(table[3], 0x100, false, 16, 8, ByteOrder::little_endian, false, 11);
    set(table[4], 0x300, false, 56, 8, ByteOrder::little_endian, false, 50); // needs dlc 8
    ss::Text why;
    CanDecoder decoder;
    REQUIRE(decoder.configure(table, why));

    TimeBase tb;
    std::vector<CapturedEvent> out(4);
    auto n = decoder.decode(frame(0x100, false, {0xFE, 0xFF, 0x07}, 3'000'500), tb, out);
    REQUIRE(n == 2);
    CHECK(out[0].channel == 10); // the table's order among one frame's signals is kept
    CHECK(out[0].value == static_cast<std::uint32_t>(-2));
    CHECK(out[1].channel == 11);
    CHECK(out[1].value == 7);
    CHECK(out[0].timestamp == Timestamp{3'000, TimeDomain::monotonic});

    REQUIRE(tb.set_utc(3'000'000, 1'700'000'000'000));
    n = decoder.decode(frame(0x100, true, {0xAB}, 3'250'000), tb, out);
    REQUIRE(n == 1);
    CHECK(out[0].channel == 40);
    CHECK(out[0].value == 0xAB);
    CHECK(out[0].timestamp == Timestamp{1'700'000'000'250, TimeDomain::utc});

    CHECK(decoder.decode(frame(0x101, false, {1, 2}), tb, out) == 0);        // unknown id
    CHECK(decoder.decode(frame(0x200, true, {1, 2}), tb, out) == 0);         // right id, other format
    CHECK(decoder.decode(frame(0x300, false, {1, 2, 3, 4}), tb, out) == 0);  // too short for its signal
    CanFrame remote = frame(0x200, false, {});
    remote.remote = true;
    CHECK(decoder.decode(remote, tb, out) == 0);
    std::vector<CapturedEvent> one(1);
    CHECK(decoder.decode(frame(0x100, false, {1, 0, 2}), tb, one) == 1);     // second signal has no room

    const CanCounters& c = decoder.counters();
    CHECK(c.frames == 7);
    CHECK(c.frames_unmatched == 2);
    CHECK(c.frames_remote == 1);
    CHECK(c.frames_matched == 4);
    CHECK(c.signals_short == 1);
    CHECK(c.signals_decoded == 4);
    CHECK(c.events_dropped == 1);
}

TEST_CASE("ADC blocks decode into time-series values, one channel of an interleaved buffer") {
    ChannelProcessor p;
    ss::Text why;
    ProcessingConfig cfg;
    cfg.sample_rate_hz = 1'000.0;
    cfg.stages[0].kind = FilterKind::decimate;
    cfg.stages[0].factor = 2;
    cfg.stages[0].mode = DecimationMode::average;
    REQUIRE(p.configure(cfg, why));
    // Three channels interleaved, four scans.
    const std::uint16_t samples[] = {100, 200, 300, 101, 201, 301, 102, 202, 302, 105, 205, 305};
    std::vector<std::uint32_t> out(2);
    auto r = decode_adc(p, AdcBlock{samples, 3, 1, 0}, out);
    REQUIRE(r);
    CHECK(r->produced == 2);
    CHECK(out == std::vector<std::uint32_t>{201, 204}); // (200+201)/2 rounded up, (202+205)/2 → 203.5 → 204
    CHECK(r->summary.min == 200);
    CHECK(r->summary.max == 205);
    CHECK(r->summary.count == 4);
    CHECK(r->summary.duration_us == 4'000); // nominal

    // With a clock that measured the source 1 % fast, the duration is measured.
    SampleClock clock;
    SampleClock::Config cc;
    cc.nominal_rate_hz = 1'000.0;
    REQUIRE(clock.configure(cc, why));
    for (std::uint64_t k = 0; k < 5; ++k) clock.observe(k * 100 + 99, 1'000'000 + k * 99'010); // 100 samples in 99.01 ms
    r = decode_adc(p, AdcBlock{samples, 3, 0, 500}, out, &clock);
    REQUIRE(r);
    CHECK(r->summary.duration_us == 3'960); // 4 · 990.1 µs

    CHECK(decode_adc(p, AdcBlock{samples, 3, 3, 0}, out).error() == ss::Errc::invalid_argument);
    CHECK(decode_adc(p, AdcBlock{samples, 0, 0, 0}, out).error() == ss::Errc::invalid_argument);
    CHECK(decode_adc(p, AdcBlock{std::span<const std::uint16_t>(samples, 11), 3, 0, 0}, out).error() ==
          ss::Errc::invalid_argument);
    std::vector<std::uint32_t> small(1);
    CHECK(decode_adc(p, AdcBlock{samples, 3, 0, 0}, small).error() == ss::Errc::invalid_argument);
    auto empty = decode_adc(p, AdcBlock{std::span<const std::uint16_t>(), 3, 0, 0}, out);
    REQUIRE(empty);
    CHECK(empty->produced == 0);
}
