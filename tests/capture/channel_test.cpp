// Channel metadata: validation with clear errors, raw → physical conversion, and quality at the
// exact edges of the valid and plausible ranges.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ss/capture/channel.hpp"
#include "ss/text.hpp"

using namespace ss::capture;

namespace {

ChannelMetadata temperature() {
    ss::Text why;
    // A 12-bit ADC: 0.05 °C per count from −40 °C; valid −20..85 °C, plausible −40..125 °C.
    auto c = make_channel("boiler temperature", "°C", {-20.0, 85.0}, {-40.0, 125.0}, {0.05, -40.0, 1'700'000'000'000}, why);
    INFO(why.c_str());
    REQUIRE(c);
    return *c;
}

std::string rejection(const ChannelMetadata& c) {
    ss::Text why;
    const auto ok = validate(c, why);
    REQUIRE_FALSE(ok);
    CHECK(ok.error() == ss::Errc::invalid_argument);
    return why.c_str();
}

bool mentions(const std::string& text, const char* what) { return text.find(what) != std::string::npos; }

} // namespace

TEST_CASE("fixed strings hold up to their capacity, never truncate, and reject NUL") {
    FixedString<4> s;
    CHECK(s.empty());
    CHECK(s.assign("abcd"));
    CHECK(s.view() == "abcd");
    CHECK(std::string(s.c_str()) == "abcd");
    CHECK_FALSE(s.assign("abcde"));
    CHECK(s.view() == "abcd"); // unchanged
    CHECK_FALSE(s.assign(std::string_view("a\0b", 3)));
    CHECK(s.view() == "abcd");
    CHECK(s.assign(""));
    CHECK(s.empty());
}

TEST_CASE("good metadata validates and keeps what it was given") {
    const ChannelMetadata c = temperature();
    CHECK(c.name.view() == "boiler temperature");
    CHECK(c.unit.view() == "°C"); // UTF-8 is fine
    CHECK(c.calibration.reference_date_ms == 1'700'000'000'000);
    ss::Text why;
    CHECK(validate(c, why));
    // plausible defaults to valid
    auto same = make_channel("x", "", {0.0, 1.0}, {}, why);
    REQUIRE(same);
    CHECK(same->plausible.low == 0.0);
    CHECK(same->plausible.high == 1.0);
}

TEST_CASE("bad metadata is rejected with the field named") {
    ss::Text why;
    CHECK_FALSE(make_channel("", "V", {0, 1}, {}, why));
    CHECK(mentions(why.c_str(), "name"));
    CHECK_FALSE(make_channel(std::string(channel_name_capacity + 1, 'n'), "V", {0, 1}, {}, why));
    CHECK(mentions(why.c_str(), "31 bytes"));
    CHECK(make_channel(std::string(channel_name_capacity, 'n'), "V", {0, 1}, {}, why));
    CHECK_FALSE(make_channel("v", std::string(channel_unit_capacity + 1, 'u'), {0, 1}, {}, why));
    CHECK(mentions(why.c_str(), "unit"));

    ChannelMetadata c = temperature();
    REQUIRE(c.name.assign("tab\there"));
    CHECK(mentions(rejection(c), "name"));
    c = temperature();
    REQUIRE(c.unit.assign("m\x7F"));
    CHECK(mentions(rejection(c), "unit"));

    const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
    c = temperature();
    c.calibration.slope = nan;
    CHECK(mentions(rejection(c), "slope"));
    c.calibration.slope = 0.0;
    CHECK(mentions(rejection(c), "slope"));
    c.calibration.slope = inf;
    CHECK(mentions(rejection(c), "slope"));
    c = temperature();
    c.calibration.offset = -inf;
    CHECK(mentions(rejection(c), "offset"));

    c = temperature();
    c.valid = {10.0, 5.0};
    CHECK(mentions(rejection(c), "valid range"));
    c.valid = {nan, 5.0};
    CHECK(mentions(rejection(c), "valid range"));
    c.valid = {0.0, inf};
    CHECK(mentions(rejection(c), "valid range"));
    c = temperature();
    c.plausible = {-10.0, 125.0}; // does not contain valid.low = −20
    CHECK(mentions(rejection(c), "plausible range"));
    c.plausible = {-40.0, 84.0};
    CHECK(mentions(rejection(c), "plausible range"));
    c.plausible = {-40.0, nan};
    CHECK(mentions(rejection(c), "plausible range"));
    c = temperature();
    c.encoding = static_cast<RawEncoding>(5);
    CHECK(mentions(rejection(c), "encoding"));
    c = temperature();
    c.valid = {3.0, 3.0}; // a single valid value is allowed
    c.plausible = {3.0, 3.0};
    CHECK(validate(c, why));
}

TEST_CASE("raw values convert with slope and offset, signed or unsigned") {
    ChannelMetadata c = temperature();
    CHECK(to_physical(c, 0) == -40.0);
    CHECK(to_physical(c, 1'000) == doctest::Approx(10.0));
    CHECK(to_physical(c, 4'095) == doctest::Approx(164.75));
    c.encoding = RawEncoding::signed32;
    c.calibration = {0.5, 1.0, 0};
    CHECK(to_physical(c, 0xFFFF'FFFFu) == 0.5);    // −1 · 0.5 + 1
    CHECK(to_physical(c, 0x8000'0000u) == -1073741823.0);
    CHECK(raw_to_number(c, 0xFFFF'FFFEu) == -2.0);
    c.encoding = RawEncoding::unsigned32;
    CHECK(raw_to_number(c, 0xFFFF'FFFEu) == 4294967294.0);
}

TEST_CASE("quality: good inside valid, suspect inside plausible, bad beyond, edges exact") {
    const ChannelMetadata c = temperature();
    const double inf = std::numeric_limits<double>::infinity();
    auto below = [&](double x) { return std::nextafter(x, -inf); };
    auto above = [&](double x) { return std::nextafter(x, inf); };

    CHECK(classify(c, -20.0) == Quality::good);
    CHECK(classify(c, 85.0) == Quality::good);
    CHECK(classify(c, 0.0) == Quality::good);
    CHECK(classify(c, below(-20.0)) == Quality::suspect);
    CHECK(classify(c, above(85.0)) == Quality::suspect);
    CHECK(classify(c, -40.0) == Quality::suspect);
    CHECK(classify(c, 125.0) == Quality::suspect);
    CHECK(classify(c, below(-40.0)) == Quality::bad);
    CHECK(classify(c, above(125.0)) == Quality::bad);
    CHECK(classify(c, std::nan("")) == Quality::bad);
    CHECK(classify(c, inf) == Quality::bad);
    CHECK(classify(c, -inf) == Quality::bad);

    // Through the calibration: raw 400 → −20 °C (edge), 399 → −20.05 (suspect), 0 → −40 (edge of
    // plausible, suspect), 2500 → 85 (edge), 2501 → 85.05, 3300 → 125, 3301 → bad.
    CHECK(quality_of_raw(c, 400) == Quality::good);
    CHECK(quality_of_raw(c, 399) == Quality::suspect);
    CHECK(quality_of_raw(c, 0) == Quality::suspect);
    CHECK(quality_of_raw(c, 2'500) == Quality::good);
    CHECK(quality_of_raw(c, 2'501) == Quality::suspect);
    CHECK(quality_of_raw(c, 3'300) == Quality::suspect);
    CHECK(quality_of_raw(c, 3'301) == Quality::bad);

    // Without a wider plausible range there is no suspect band.
    ss::Text why;
    auto strict = make_channel("p", "bar", {0.0, 10.0}, {}, why);
    REQUIRE(strict);
    CHECK(classify(*strict, 10.0) == Quality::good);
    CHECK(classify(*strict, above(10.0)) == Quality::bad);
    CHECK(std::string(quality_name(Quality::interpolated)) == "interpolated");
    CHECK(std::string(quality_name(Quality::suspect)) == "suspect");
}

namespace {

QualityCounts one_by_one(const ChannelMetadata& c, const std::vector<std::uint32_t>& raw) {
    QualityCounts q;
    for (const std::uint32_t v : raw) {
        const Quality k = quality_of_raw(c, v);
        q.good += k == Quality::good;
        q.suspect += k == Quality::suspect;
        q.bad += k == Quality::bad;
    }
    return q;
}

} // namespace

TEST_CASE("a block's qualities counted at once match the values' one by one, whatever the calibration") {
    std::mt19937 rng(7);
    ChannelMetadata c = temperature(); // good raw 400..2500, suspect 0..399 and 2501..3300
    std::vector<std::uint32_t> block(512);
    SUBCASE("every value good: settled by the extremes, the edges included") {
        for (auto& v : block) v = 400 + rng() % 2101;
        block[3] = 400;
        block[200] = 2'500;
        const QualityCounts q = count_qualities(c, block.data(), block.size());
        CHECK(q.good == 512);
        CHECK(q.suspect + q.bad == 0);
    }
    SUBCASE("one value past an edge sends the block value by value") {
        for (auto& v : block) v = 400 + rng() % 2101;
        block[511] = 2'501;
        block[17] = 9'999;
        const QualityCounts q = count_qualities(c, block.data(), block.size());
        CHECK(q.good == 510);
        CHECK(q.suspect == 1);
        CHECK(q.bad == 1);
    }
    SUBCASE("random blocks, rising and falling calibrations, both encodings") {
        for (int round = 0; round < 400; ++round) {
            c.encoding = round % 2 == 0 ? RawEncoding::unsigned32 : RawEncoding::signed32;
            c.calibration.slope = round % 4 < 2 ? 0.05 : -0.05;
            c.calibration.offset = c.calibration.slope > 0 ? -40.0 : 85.0;
            // Mostly inside, sometimes spanning the edges; signed blocks cross zero.
            const std::int64_t centre = c.encoding == RawEncoding::signed32 ? 0 : 1'400;
            const std::int64_t spread = round % 3 == 0 ? 4'000 : 900;
            const std::size_t n = 1 + rng() % block.size();
            std::vector<std::uint32_t> values(n);
            for (auto& v : values) v = static_cast<std::uint32_t>(centre - spread / 2 + static_cast<std::int64_t>(rng() % spread));
            INFO("round " << round);
            const QualityCounts got = count_qualities(c, values.data(), n);
            const QualityCounts want = one_by_one(c, values);
            CHECK(got.good == want.good);
            CHECK(got.suspect == want.suspect);
            CHECK(got.bad == want.bad);
        }
    }
    SUBCASE("an empty block counts nothing") {
        const QualityCounts q = count_qualities(c, block.data(), 0);
        CHECK(q.good + q.suspect + q.bad == 0);
    }
}
