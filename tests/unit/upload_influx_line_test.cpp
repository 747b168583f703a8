// InfluxDB line protocol (ss/upload/influx_line.hpp): the line layout, the escaping of the
// measurement and tags, and timestamps that keep distinct records apart and a re-sent record on
// its own point.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "ss/upload/influx_line.hpp"
#include "support/upload_signals.hpp"

using namespace ss;
using namespace ss::upload;

namespace {

std::string encode(const Batch& b) {
    const auto n = influx_line_size(b);
    REQUIRE(n);
    std::string s(*n, '\0');
    const auto w = influx_line_encode(b, std::as_writable_bytes(std::span(s.data(), s.size())));
    REQUIRE(w);
    CHECK(*w == *n);
    return s;
}

} // namespace

TEST_CASE("a time-series record is a point with tags, value, seq and a ns timestamp carrying the seq") {
    auto o = test::ts_batch({2150, 2151}, 1000, sector::utc_flag | 1'733'300'000'000'000ull, 1'000'000);
    CHECK(encode(o.batch) ==
          "temperature,boot=7,gateway=gw-01,sensor=42,source=app,unit=cdegC value=2150i,seq=1000i 1733300000000000000\n"
          "temperature,boot=7,gateway=gw-01,sensor=42,source=app,unit=cdegC value=2151i,seq=1001i 1733300001000000001\n");
}

TEST_CASE("an event's timestamp is its ms time with the seq in the six digits below") {
    auto o = test::evt_batch({5, 6}, {1'733'300'000'123ull, 1'733'300'000'123ull}, 2'000'001);
    o.batch.unit = "";
    CHECK(encode(o.batch) ==
          "temperature,boot=7,gateway=gw-01,sensor=42,source=app value=5i,seq=2000001i 1733300000123000001\n"
          "temperature,boot=7,gateway=gw-01,sensor=42,source=app value=6i,seq=2000002i 1733300000123000002\n");
}

TEST_CASE("commas, spaces and equals signs in the channel and unit are escaped") {
    auto o = test::ts_batch({1});
    o.batch.channel = "room a,b=c";
    o.batch.unit = "m s=1,2";
    const std::string s = encode(o.batch);
    CHECK(s.starts_with(R"(room\ a\,b=c,boot=7,gateway=gw-01,sensor=42,source=app,unit=m\ s\=1\,2 value=1i,)"));
}

TEST_CASE("names line protocol cannot carry the same way everywhere are refused") {
    auto o = test::ts_batch({1});
    std::vector<std::byte> buf(4096);
    o.batch.channel = "#comment";
    CHECK(influx_line_encode(o.batch, buf).error() == Errc::invalid_argument);
    o.batch.channel = "a\\b";
    CHECK(influx_line_size(o.batch).error() == Errc::invalid_argument);
    o.batch.channel = "ok";
    o.batch.unit = "x\\";
    CHECK(influx_line_size(o.batch).error() == Errc::invalid_argument);
}

TEST_CASE("a record without a known time, or one past 2262, has no point") {
    std::vector<std::byte> buf(4096);
    auto unknown = test::ts_batch({1, 2}, 0, sector::time_unknown, 1000);
    CHECK(influx_line_encode(unknown.batch, buf).error() == Errc::invalid_argument);
    auto no_period = test::ts_batch({1, 2}, 0, sector::utc_flag | 1'000'000, 0);
    CHECK(influx_line_encode(no_period.batch, buf).error() == Errc::invalid_argument);
    no_period.batch.count = 1; // record 0 alone has its time
    CHECK(influx_line_encode(no_period.batch, buf));
    auto far = test::evt_batch({1}, {~std::uint64_t{0}});
    CHECK(influx_line_encode(far.batch, buf).error() == Errc::invalid_argument);
    auto edge = test::evt_batch({1}, {9'223'372'036'853ull}, 999'999); // (2^63 - 1 - 999999) / 10^6
    CHECK(influx_timestamp_ns(edge.batch, 0).value() == 9'223'372'036'853'999'999ll);
}

TEST_CASE("distinct records of a sensor never share a timestamp, and a re-sent record gets the same one") {
    // Events in bursts within the same ms, and a clock that steps back: the seq digits keep them apart.
    std::vector<std::uint32_t> values(3000, 1);
    std::vector<std::uint64_t> times(3000);
    for (std::size_t i = 0; i < times.size(); ++i) times[i] = 1'733'300'000'000ull + (i % 700) / 7;
    auto o = test::evt_batch(values, times, 123);
    std::set<std::int64_t> seen;
    for (std::uint32_t i = 0; i < o.batch.count; ++i) CHECK(seen.insert(influx_timestamp_ns(o.batch, i).value()).second);
    // The same records re-sent as a batch starting later: each lands on its own earlier point.
    Batch tail = o.batch;
    tail.first_seq += 10;
    tail.count -= 10;
    tail.records += 10 * sector::evt_record_bytes;
    for (std::uint32_t i = 0; i < tail.count; ++i)
        CHECK(influx_timestamp_ns(tail, i).value() == influx_timestamp_ns(o.batch, i + 10).value());
    // Time series at 1 MHz: consecutive µs, the seq below them.
    auto fast = test::ts_batch(test::noise_signal(5000), 999, sector::utc_flag | 1'733'300'000'000'000ull, 1);
    seen.clear();
    for (std::uint32_t i = 0; i < fast.batch.count; ++i)
        CHECK(seen.insert(influx_timestamp_ns(fast.batch, i).value()).second);
}

TEST_CASE("a buffer one byte short is no_space") {
    auto o = test::ts_batch(test::ramp_signal(20));
    const auto n = influx_line_size(o.batch);
    REQUIRE(n);
    std::vector<std::byte> buf(*n);
    CHECK(influx_line_encode(o.batch, std::span(buf).first(*n - 1)).error() == Errc::no_space);
    CHECK(influx_line_encode(o.batch, buf).value() == *n);
}

TEST_CASE("the series every line repeats is copied: any buffer short of the size is no_space and nothing is written "
          "past it") {
    auto o = test::ts_batch(test::ramp_signal(5));
    o.batch.channel = "room a,b=c"; // escaped once, copied after
    const std::string whole = encode(o.batch);
    std::size_t lines = 0;
    for (std::size_t at = 0; (at = whole.find(R"(room\ a\,b=c,boot=7,gateway=gw-01,sensor=42,source=app,unit=cdegC value=)", at)) !=
                             std::string::npos;
         ++at)
        ++lines;
    CHECK(lines == 5);
    constexpr std::byte guard{0xEE};
    for (std::size_t cap = 0; cap < whole.size(); ++cap) {
        std::vector<std::byte> buf(cap + 64, guard);
        const auto r = influx_line_encode(o.batch, std::span(buf).first(cap));
        REQUIRE_FALSE(r);
        CHECK(r.error() == Errc::no_space);
        for (std::size_t k = cap; k < buf.size(); ++k)
            if (buf[k] != guard) FAIL("a buffer of " << cap << " bytes was written past, at " << k);
    }
}
