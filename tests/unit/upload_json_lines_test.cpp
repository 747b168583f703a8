// JSON lines (ss/upload/json_lines.hpp): every line is strict JSON holding the batch's fields and
// its record; names are escaped; the size function is exact; a buffer too small is an error.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "ss/upload/json_lines.hpp"
#include "support/json_reader.hpp"
#include "support/upload_signals.hpp"

using namespace ss;
using namespace ss::upload;

namespace {

std::string encode(const Batch& b) {
    const auto n = json_lines_size(b);
    REQUIRE(n);
    std::string s(*n, '\0');
    const auto w = json_lines_encode(b, std::as_writable_bytes(std::span(s.data(), s.size())));
    REQUIRE(w);
    CHECK(*w == *n);
    return s;
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < s.size()) {
        const std::size_t nl = s.find('\n', at);
        REQUIRE(nl != std::string::npos); // every line ends in '\n'
        out.push_back(s.substr(at, nl - at));
        at = nl + 1;
    }
    return out;
}

test::JsonValue parse(const std::string& line) {
    auto v = test::parse_json(line);
    INFO(line);
    REQUIRE(v);
    REQUIRE(v->kind == test::JsonValue::Kind::object);
    return *v;
}

} // namespace

TEST_CASE("a time-series batch gives one JSON object per record with the batch's fields") {
    auto o = test::ts_batch({2150, 2151, 2149}, 1000, sector::utc_flag | 1'733'300'000'000'000ull, 1'000'000);
    const auto lines = lines_of(encode(o.batch));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == R"({"key":"gw-01:app:42:1000:3","gateway":"gw-01","boot":7,"source":"app","sensor":42,)"
                      R"("type":"ts","channel":"temperature","unit":"cdegC","seq":1000,"value":2150,)"
                      R"("time_us":1733300000000000,"clock":"utc"})");
    for (std::uint32_t i = 0; i < 3; ++i) {
        const auto v = parse(lines[i]);
        CHECK(v.find("seq")->number == double(1000 + i));
        CHECK(v.find("value")->number == double(o.batch.value(i)));
        CHECK(v.find("time_us")->number == double(1'733'300'000'000'000ull + i * 1'000'000ull));
    }
}

TEST_CASE("monotonic and unknown times say so") {
    auto o = test::ts_batch({1, 2}, 0, 5'000'000, 0);
    const auto lines = lines_of(encode(o.batch));
    const auto first = parse(lines[0]);
    CHECK(first.find("time_us")->number == 5'000'000.0);
    CHECK(first.find("clock")->string == "mono");
    // The period is unknown: only record 0 has a time.
    const auto second = parse(lines[1]);
    CHECK(second.find("time_us")->kind == test::JsonValue::Kind::null);
    CHECK(second.find("clock")->kind == test::JsonValue::Kind::null);
}

TEST_CASE("an event batch gives each record's stored ms timestamp") {
    auto o = test::evt_batch({0xFFFFFFFFu, 0}, {9'000, 8'999}, 77);
    const auto lines = lines_of(encode(o.batch));
    REQUIRE(lines.size() == 2);
    CHECK(lines[1] == R"({"key":"gw-01:app:42:77:2","gateway":"gw-01","boot":7,"source":"app","sensor":42,)"
                      R"("type":"evt","channel":"temperature","unit":"cdegC","seq":78,"value":0,"ts_ms":8999})");
    CHECK(parse(lines[0]).find("value")->number == 4294967295.0);
}

TEST_CASE("quotes, backslashes and UTF-8 in names and units come back unchanged through a JSON parser") {
    auto o = test::ts_batch({1});
    const std::string channel = R"(room "A" \ west)";
    const std::string unit = "\xC2\xB0" "C"; // °C
    o.batch.channel = channel;
    o.batch.unit = unit;
    const auto lines = lines_of(encode(o.batch));
    const auto v = parse(lines[0]);
    CHECK(v.find("channel")->string == channel);
    CHECK(v.find("unit")->string == unit);
    CHECK(lines[0].find(R"("channel":"room \"A\" \\ west")") != std::string::npos);
}

TEST_CASE("a buffer one byte short is no_space, and the exact size fits") {
    auto o = test::ts_batch(test::sine_signal(50));
    const auto n = json_lines_size(o.batch);
    REQUIRE(n);
    std::vector<std::byte> buf(*n);
    const auto short_by_one = json_lines_encode(o.batch, std::span(buf).first(*n - 1));
    REQUIRE_FALSE(short_by_one);
    CHECK(short_by_one.error() == Errc::no_space);
    CHECK(json_lines_encode(o.batch, std::span<std::byte>()).error() == Errc::no_space);
    CHECK(json_lines_encode(o.batch, buf).value() == *n);
}

TEST_CASE("every line but the first copies the batch's part: any buffer short of the size is no_space and "
          "nothing is written past it") {
    auto o = test::ts_batch(test::sine_signal(6));
    const std::string whole = encode(o.batch);
    const auto lines = lines_of(whole);
    REQUIRE(lines.size() == 6);
    for (std::uint32_t i = 0; i < 6; ++i) {
        const auto v = parse(lines[i]);
        CHECK(v.find("key")->string == "gw-01:app:42:1000:6");
        CHECK(v.find("seq")->number == double(1000 + i));
        CHECK(v.find("value")->number == double(o.batch.value(i)));
        CHECK(v.find("channel")->string == "temperature");
    }
    constexpr std::byte guard{0xEE};
    for (std::size_t cap = 0; cap < whole.size(); ++cap) {
        std::vector<std::byte> buf(cap + 64, guard);
        const auto r = json_lines_encode(o.batch, std::span(buf).first(cap));
        REQUIRE_FALSE(r);
        CHECK(r.error() == Errc::no_space);
        for (std::size_t k = cap; k < buf.size(); ++k)
            if (buf[k] != guard) FAIL("a buffer of " << cap << " bytes was written past, at " << k);
    }
}

TEST_CASE("a batch that fails check is not encoded") {
    auto o = test::ts_batch({1});
    o.batch.count = 0;
    std::vector<std::byte> buf(4096);
    CHECK(json_lines_size(o.batch).error() == Errc::invalid_argument);
    CHECK(json_lines_encode(o.batch, buf).error() == Errc::invalid_argument);
}
