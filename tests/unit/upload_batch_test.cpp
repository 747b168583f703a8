// The upload batch (ss/upload/batch.hpp): its accessors, the rules check() enforces, and the
// idempotency key.
#include <doctest/doctest.h>

#include <array>
#include <string>
#include <string_view>

#include "ss/upload/batch.hpp"
#include "ss/upload/idempotency_key.hpp"
#include "support/upload_signals.hpp"

using namespace ss;
using namespace ss::upload;

TEST_CASE("a time-series record's time is the first time plus index times period, keeping the UTC flag") {
    auto o = test::ts_batch({1, 2, 3}, 10, sector::utc_flag | 1'000'000, 250);
    const Batch& b = o.batch;
    CHECK(b.seq(0) == 10);
    CHECK(b.seq(2) == 12);
    CHECK(b.value(1) == 2);
    CHECK(b.time_us(0) == (sector::utc_flag | 1'000'000));
    CHECK(b.time_us(2) == (sector::utc_flag | 1'000'500));
    o.batch.first_time_us = sector::time_unknown;
    CHECK(o.batch.time_us(1) == sector::time_unknown);
}

TEST_CASE("an event record's time is its stored ms timestamp, even when it goes backwards") {
    auto o = test::evt_batch({7, 8}, {5'000, 4'000});
    CHECK(o.batch.event_ms(0) == 5'000);
    CHECK(o.batch.event_ms(1) == 4'000);
    CHECK(o.batch.value(1) == 8);
    CHECK(check(o.batch));
}

TEST_CASE("check refuses a batch that breaks a rule of the wire contract") {
    auto o = test::ts_batch({1, 2, 3});
    REQUIRE(check(o.batch));
    auto refused = [&](auto change) {
        Batch b = o.batch;
        change(b);
        const auto r = check(b);
        return !r && r.error() == Errc::invalid_argument;
    };
    CHECK(refused([](Batch& b) { b.gateway = ""; }));
    CHECK(refused([](Batch& b) { b.gateway = "gw:1"; }));
    CHECK(refused([](Batch& b) { b.gateway = "gw 1"; }));
    CHECK(refused([](Batch& b) { b.gateway = std::string_view("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); }));
    CHECK(refused([](Batch& b) { b.source = static_cast<SsSource>(3); }));
    CHECK(refused([](Batch& b) { b.type = static_cast<RecordType>(3); }));
    CHECK(refused([](Batch& b) { b.count = 0; }));
    CHECK(refused([](Batch& b) { b.count = max_records + 1; }));
    CHECK(refused([](Batch& b) { b.records = nullptr; }));
    CHECK(refused([](Batch& b) { b.first_seq = sector::max_seq - 1; })); // 3 records would pass max_seq
    CHECK(refused([](Batch& b) { b.channel = ""; }));
    CHECK(refused([](Batch& b) { b.channel = "a\nb"; }));
    CHECK(refused([](Batch& b) { b.unit = "a\tb"; }));
    CHECK(refused([](Batch& b) { b.first_time_us = ~std::uint64_t{0}; })); // the last time would carry into the flag
    CHECK(refused([](Batch& b) { b.type = RecordType::evt; })); // an event batch with a time base
    // At the edges, accepted.
    Batch b = o.batch;
    b.first_seq = sector::max_seq - 2;
    CHECK(check(b));
    b.gateway = "A.z_0-9";
    b.unit = "";
    CHECK(check(b));
}

TEST_CASE("the idempotency key is gateway:source:sensor:first_seq:count") {
    auto o = test::ts_batch({1, 2, 3}, 1000);
    std::array<char, idempotency_key_capacity> key{};
    const auto n = format_idempotency_key(o.batch, key);
    REQUIRE(n);
    CHECK(std::string_view(key.data(), *n) == "gw-01:app:42:1000:3");
    CHECK(key[*n] == '\0');

    o.batch.source = SS_SOURCE_CAN;
    o.batch.sensor_id = 4'294'967'295u;
    o.batch.first_seq = 0;
    o.batch.count = 1;
    REQUIRE(format_idempotency_key(o.batch, key));
    CHECK(std::string(key.data()) == "gw-01:can:4294967295:0:1");
}

TEST_CASE("the longest possible key fits idempotency_key_capacity") {
    std::vector<std::uint32_t> values(max_records, 1);
    auto o = test::ts_batch(values, sector::max_seq - max_records + 1);
    const std::string gw(max_gateway_bytes, 'g');
    o.batch.gateway = gw;
    o.batch.sensor_id = 4'294'967'295u;
    o.batch.source = SS_SOURCE_HOST;
    std::array<char, idempotency_key_capacity> key{};
    const auto n = format_idempotency_key(o.batch, key);
    REQUIRE(n);
    CHECK(*n == idempotency_key_capacity - 1);
}

TEST_CASE("a key that does not fit is an error and the buffer is left alone") {
    auto o = test::ts_batch({1, 2, 3}, 1000);
    std::array<char, 19> small; // "gw-01:app:42:1000:3" is 19 characters: no room for the NUL
    small.fill('x');
    const auto r = format_idempotency_key(o.batch, small);
    REQUIRE_FALSE(r);
    CHECK(r.error() == Errc::no_space);
    for (char c : small) CHECK(c == 'x');
    o.batch.gateway = "bad name";
    std::array<char, idempotency_key_capacity> key{};
    CHECK(format_idempotency_key(o.batch, key).error() == Errc::invalid_argument);
}
