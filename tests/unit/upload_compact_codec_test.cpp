// The compact binary codec (ss/upload/compact_codec.hpp): round trips of time-series and event
// batches for realistic and extreme data, the exact size, the header byte by byte, and a decoder
// that refuses malformed input without reading or writing out of bounds.
#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ss/crc32c.hpp"
#include "ss/upload/compact_codec.hpp"
#include "support/upload_signals.hpp"

using namespace ss;
using namespace ss::upload;

namespace {

std::vector<std::byte> encode(const Batch& b) {
    const auto n = compact_size(b);
    REQUIRE(n);
    std::vector<std::byte> out(*n);
    const auto w = compact_encode(b, out);
    REQUIRE(w);
    CHECK(*w == *n);
    return out;
}

/// Decodes from an exactly-sized heap copy (so that ASan sees any read past the input).
Expected<CompactDecoded> decode_exact(const std::vector<std::byte>& bytes, std::vector<std::byte>& records) {
    auto copy = std::make_unique<std::byte[]>(bytes.size() + 1);
    if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
    auto r = compact_decode(std::span<const std::byte>(copy.get(), bytes.size()), records);
    // The decoded names point into the copy: compare them before it goes.
    if (r) {
        static std::string names[3];
        names[0] = r->batch.gateway;
        names[1] = r->batch.channel;
        names[2] = r->batch.unit;
        r->batch.gateway = names[0];
        r->batch.channel = names[1];
        r->batch.unit = names[2];
    }
    return r;
}

void check_round_trip(const Batch& b) {
    const auto bytes = encode(b);
    const auto need = compact_records_bytes(bytes);
    REQUIRE(need);
    CHECK(*need == b.records_bytes());
    std::vector<std::byte> records(*need);
    const auto d = decode_exact(bytes, records);
    REQUIRE(d);
    CHECK(d->bytes == bytes.size());
    const Batch& got = d->batch;
    CHECK(got.gateway == b.gateway);
    CHECK(got.boot == b.boot);
    CHECK(got.source == b.source);
    CHECK(got.sensor_id == b.sensor_id);
    CHECK(got.type == b.type);
    CHECK(got.first_seq == b.first_seq);
    CHECK(got.count == b.count);
    CHECK(got.channel == b.channel);
    CHECK(got.unit == b.unit);
    CHECK(got.first_time_us == b.first_time_us);
    CHECK(got.period_us == b.period_us);
    REQUIRE(got.records == records.data());
    CHECK(std::memcmp(got.records, b.records, b.records_bytes()) == 0);
    for (std::uint32_t i = 0; i < b.count; i += 1 + b.count / 7) {
        CHECK(got.seq(i) == b.seq(i));
        CHECK(got.value(i) == b.value(i));
        if (b.type == RecordType::ts) CHECK(got.time_us(i) == b.time_us(i));
        else CHECK(got.event_ms(i) == b.event_ms(i));
    }
}

} // namespace

TEST_CASE("time-series batches of a sine, a ramp, noise and temperatures come back exactly") {
    for (const auto& values : {test::sine_signal(1000), test::ramp_signal(1000), test::noise_signal(1000),
                               test::temperature_signal(1000)}) {
        check_round_trip(test::ts_batch(values).batch);
        check_round_trip(test::ts_batch(values, 0, 123'456, 100).batch); // monotonic clock
        check_round_trip(test::ts_batch(values, 9, sector::time_unknown, 0).batch);
    }
}

TEST_CASE("event batches come back exactly, timestamps going backwards and to the u64 extremes included") {
    check_round_trip(test::evt_batch(test::noise_signal(500), test::event_times(500)).batch);
    const std::vector<std::uint32_t> values{0x80000000u, 0x7FFFFFFFu, 0, 0xFFFFFFFFu, 0x80000000u, 1};
    const std::vector<std::uint64_t> times{~std::uint64_t{0}, 0, ~std::uint64_t{0}, 1'733'300'000'000ull, 5, 4};
    check_round_trip(test::evt_batch(values, times, sector::max_seq - 5).batch);
}

TEST_CASE("INT32_MIN and INT32_MAX as raw values and full-range jumps round-trip in time series") {
    const std::vector<std::uint32_t> values{0x80000000u, 0x7FFFFFFFu, 0x80000000u, 0, 0xFFFFFFFFu, 0, 0x7FFFFFFFu};
    check_round_trip(test::ts_batch(values).batch);
    // The largest jumps cost 5 bytes: the wrapped delta of INT32_MIN from 0 is itself INT32_MIN.
    auto one = test::ts_batch({0x80000000u}, 0, sector::time_unknown, 0);
    auto small = test::ts_batch({0}, 0, sector::time_unknown, 0);
    CHECK(compact_size(one.batch).value() == compact_size(small.batch).value() + 4);
}

TEST_CASE("a batch of one record and a batch of max_records round-trip") {
    check_round_trip(test::ts_batch({42}).batch);
    check_round_trip(test::evt_batch({42}, {7}).batch);
    check_round_trip(test::ts_batch(test::noise_signal(max_records), 1, sector::utc_flag | 1, 1).batch);
    check_round_trip(test::evt_batch(test::noise_signal(max_records), test::event_times(max_records)).batch);
}

TEST_CASE("the header is laid out as docs/upload-protocol.md says") {
    auto o = test::ts_batch({100, 99, 101}, 300, sector::utc_flag | 5, 1000);
    o.batch.source = SS_SOURCE_CAN;
    o.batch.channel = "t";
    o.batch.unit = "C";
    o.batch.gateway = "g";
    const auto b = encode(o.batch);
    const std::vector<std::uint8_t> expected{
        0x53, 0x42, 0x01, 0x01 | (2 << 2) | 0x80, // magic "SB", version 1, TS | source CAN | UTC
        0x07,                                     // boot 7
        0x2A,                                     // sensor 42
        0xAC, 0x02,                               // first_seq 300
        0x03,                                     // count 3
        0x05,                                     // first time 5 µs (flag in the flags byte)
        0xE8, 0x07,                               // period 1000 µs
        0x01, 'g', 0x01, 't', 0x01, 'C',          // gateway, channel, unit
        0xC8, 0x01,                               // zigzag(100) = 200
        0x01,                                     // zigzag(-1) = 1
        0x04,                                     // zigzag(+2) = 4
    };
    REQUIRE(b.size() == expected.size() + 4);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("byte " << i);
        CHECK(static_cast<std::uint8_t>(b[i]) == expected[i]);
    }
    std::uint32_t crc = 0;
    std::memcpy(&crc, b.data() + expected.size(), 4);
    CHECK(crc == crc32c(b.data(), expected.size()));
}

TEST_CASE("an output buffer too small is no_space at every size below the exact one") {
    auto o = test::evt_batch(test::sine_signal(40), test::event_times(40));
    const auto n = compact_size(o.batch).value();
    std::vector<std::byte> buf(n);
    for (std::size_t cap = 0; cap < n; ++cap) {
        const auto r = compact_encode(o.batch, std::span(buf).first(cap));
        REQUIRE_FALSE(r);
        CHECK(r.error() == Errc::no_space);
    }
    CHECK(compact_encode(o.batch, buf).value() == n);
}

TEST_CASE("a record buffer too small for the batch is no_space") {
    auto o = test::ts_batch(test::ramp_signal(10));
    const auto bytes = encode(o.batch);
    std::vector<std::byte> records(39);
    CHECK(compact_decode(bytes, records).error() == Errc::no_space);
}

TEST_CASE("every truncation of a valid batch is refused") {
    for (const auto& o : {test::ts_batch(test::temperature_signal(30)), test::evt_batch(test::noise_signal(30), test::event_times(30))}) {
        const auto bytes = encode(o.batch);
        std::vector<std::byte> records(o.batch.records_bytes());
        for (std::size_t len = 0; len < bytes.size(); ++len) {
            INFO("length " << len);
            const std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
            CHECK_FALSE(decode_exact(cut, records));
        }
    }
}

TEST_CASE("a batch followed by more bytes decodes and says how many it took") {
    auto o = test::ts_batch({1, 2, 3});
    auto bytes = encode(o.batch);
    const std::size_t n = bytes.size();
    bytes.resize(n + 5, std::byte{0xEE});
    std::vector<std::byte> records(12);
    CHECK(decode_exact(bytes, records).value().bytes == n);
}

TEST_CASE("malformed headers are refused: magic, version, reserved bits, non-minimal and over-long varints") {
    auto o = test::ts_batch({1, 2, 3}, 1000);
    const auto good = encode(o.batch);
    std::vector<std::byte> records(12);
    auto refused_with = [&](std::vector<std::byte> b, std::size_t at, std::uint8_t v) {
        b[at] = std::byte{v};
        const auto r = decode_exact(b, records);
        return r ? Errc{} : r.error();
    };
    CHECK(refused_with(good, 0, 0x54) == Errc::invalid_argument);
    CHECK(refused_with(good, 2, 2) == Errc::invalid_argument);
    CHECK(refused_with(good, 3, static_cast<std::uint8_t>(good[3]) | 0x10) == Errc::invalid_argument);
    CHECK(refused_with(good, 3, 0x03) == Errc::invalid_argument); // record type 3
    CHECK(refused_with(good, 3, 0x01 | (3 << 2)) == Errc::invalid_argument); // source 3
    // A payload byte changed: the CRC says so.
    CHECK(refused_with(good, good.size() - 5, static_cast<std::uint8_t>(good[good.size() - 5]) ^ 0x02) == Errc::io_error);

    // boot 7 written as 0x87 0x00: the same number, not the shortest form.
    std::vector<std::byte> padded(good.begin(), good.begin() + 4);
    padded.push_back(std::byte{0x87});
    padded.push_back(std::byte{0x00});
    padded.insert(padded.end(), good.begin() + 5, good.end() - 4);
    std::uint32_t crc = crc32c(padded.data(), padded.size());
    padded.resize(padded.size() + 4);
    std::memcpy(padded.data() + padded.size() - 4, &crc, 4);
    CHECK(decode_exact(padded, records).error() == Errc::invalid_argument);

    // A varint of eleven bytes, and a boot above 32 bits.
    std::vector<std::byte> longer(good.begin(), good.begin() + 4);
    for (int i = 0; i < 10; ++i) longer.push_back(std::byte{0xFF});
    longer.push_back(std::byte{0x01});
    CHECK(decode_exact(longer, records).error() == Errc::invalid_argument);
    std::vector<std::byte> wide(good.begin(), good.begin() + 4);
    for (std::uint8_t x : std::initializer_list<std::uint8_t>{0x80, 0x80, 0x80, 0x80, 0x10}) wide.push_back(std::byte{x}); // 2^32
    CHECK(compact_records_bytes(wide).error() == Errc::invalid_argument);
}

TEST_CASE("random corruption of valid batches never decodes out of bounds and a decoded batch re-encodes to its bytes") {
    std::mt19937 rng(2026);
    const auto base = encode(test::evt_batch(test::temperature_signal(64), test::event_times(64)).batch);
    std::vector<std::byte> records(64 * 12);
    int decoded = 0;
    for (int round = 0; round < 20'000; ++round) {
        auto b = base;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) b[rng() % b.size()] ^= std::byte{static_cast<std::uint8_t>(1u << (rng() % 8))};
        if (rng() % 4 == 0) b.resize(rng() % b.size());
        // Fix the CRC half of the time, so that corruption reaches the field checks.
        if (rng() % 2 == 0 && b.size() > 4) {
            const std::uint32_t crc = crc32c(b.data(), b.size() - 4);
            std::memcpy(b.data() + b.size() - 4, &crc, 4);
        }
        const auto d = decode_exact(b, records);
        if (!d) continue;
        ++decoded;
        const auto again = encode(d->batch);
        CHECK(again.size() == d->bytes);
        CHECK(std::memcmp(again.data(), b.data(), again.size()) == 0);
    }
    MESSAGE(decoded << " of 20000 corrupted inputs still decoded (each re-encoded to its bytes)");
}
