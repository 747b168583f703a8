#include <doctest/doctest.h>

#include <array>
#include <cstring>

#include "ss/sector_format.hpp"
#include "support/sector_v1.hpp"

using namespace ss;

TEST_CASE("sector capacities with the 32-byte version 2 header, and version 1's for old units") {
    CHECK(sector::header_bytes == 32);
    CHECK(sector::capacity(256, RecordType::ts) == 56);
    CHECK(sector::capacity(256, RecordType::evt) == 18);
    CHECK(sector::capacity(4096, RecordType::ts) == 1016);
    CHECK(sector::capacity(4096, RecordType::evt) == 338);
    CHECK(sector::capacity(65536, RecordType::ts) == 16376);
    CHECK(sector::capacity(65536, RecordType::evt) == 5458);
    // 003 section 20's numbers: what version 1 sectors hold.
    CHECK(sector::capacity(256, RecordType::ts, sector::format_v1) == 60);
    CHECK(sector::capacity(256, RecordType::evt, sector::format_v1) == 20);
    CHECK(sector::capacity(4096, RecordType::ts, sector::format_v1) == 1020);
    CHECK(sector::capacity(65536, RecordType::evt, sector::format_v1) == 5460);
}

TEST_CASE("a formatted and sealed sector verifies and keeps its header fields") {
    alignas(8) std::array<std::byte, 256> s{};
    sector::format(s.data(), RecordType::evt, 0x00AB'CDEF'0123'4567ull, 0x1234'565Au, 250);
    CHECK(sector::first_time(s.data()) == sector::time_unknown);
    sector::set_first_time(s.data(), sector::utc_flag | 1'700'000'000'000'123ull);
    for (std::uint32_t i = 0; i < 18; ++i) {
        const std::uint32_t v = i * 7;
        const std::uint64_t ts = 1'700'000'000'000ull + i;
        std::memcpy(sector::payload(s.data()) + i * 12, &v, 4);
        std::memcpy(sector::payload(s.data()) + i * 12 + 4, &ts, 8);
    }
    sector::seal(s.data(), 18, RecordType::evt, true);
    CHECK(sector::count(s.data()) == 18);
    CHECK(sector::first_seq(s.data()) == 0x00AB'CDEF'0123'4567ull);
    CHECK(sector::boot(s.data()) == 0x1234'565Au);
    CHECK(sector::period_us(s.data()) == 250);
    CHECK(sector::first_time(s.data()) == (sector::utc_flag | 1'700'000'000'000'123ull));
    CHECK(sector::version(s.data()) == sector::format_version);
    CHECK(sector::type_code(s.data()) == 2);
    CHECK(sector::payload(s.data()) == s.data() + 32);
    CHECK(sector::verify(s.data(), RecordType::evt, 256));

    SUBCASE("any flipped bit in the header or the used payload is detected") {
        for (std::size_t byte = 0; byte < 32 + 18 * 12; ++byte) {
            for (int bit = 0; bit < 8; ++bit) {
                auto copy = s;
                copy[byte] ^= std::byte{static_cast<unsigned char>(1u << bit)};
                INFO("byte " << byte << " bit " << bit);
                CHECK_FALSE(sector::verify(copy.data(), RecordType::evt, 256));
            }
        }
    }
    SUBCASE("bytes past the used payload are not covered") {
        auto copy = s;
        sector::seal(copy.data(), 17, RecordType::evt, true);
        copy[32 + 17 * 12] ^= std::byte{0xFF}; // the 18th record, outside a 17-record sector
        CHECK(sector::verify(copy.data(), RecordType::evt, 256));
    }
    SUBCASE("a sector of the wrong type does not verify") { CHECK_FALSE(sector::verify(s.data(), RecordType::ts, 256)); }
    SUBCASE("an unknown version does not verify") {
        auto copy = s;
        copy[1] = std::byte{static_cast<unsigned char>(3u << 4 | 2u)};
        sector::seal(copy.data(), 18, RecordType::evt, true);
        CHECK_FALSE(sector::verify(copy.data(), RecordType::evt, 256));
    }
}

TEST_CASE("a version 1 sector reads with its 16-byte header, its boot id and no time") {
    alignas(8) std::array<std::byte, 256> s{};
    std::array<std::uint32_t, 60> values{};
    for (std::uint32_t i = 0; i < values.size(); ++i) values[i] = 1000 + i;
    test::write_v1_sector(s.data(), s.size(), RecordType::ts, 4242, 0x5A, values.data(), 60); // full: 60 fit
    CHECK(sector::verify(s.data(), RecordType::ts, 256));
    CHECK(sector::version(s.data()) == sector::format_v1);
    CHECK(sector::count(s.data()) == 60);
    CHECK(sector::first_seq(s.data()) == 4242);
    CHECK(sector::boot(s.data()) == 0x5A);
    CHECK(sector::period_us(s.data()) == 0);
    CHECK(sector::first_time(s.data()) == sector::time_unknown);
    CHECK(sector::payload(s.data()) == s.data() + 16);
    std::uint32_t last = 0;
    std::memcpy(&last, sector::payload(s.data()) + 59 * 4, 4);
    CHECK(last == 1059);
    SUBCASE("a flipped bit is detected") {
        auto copy = s;
        copy[16 + 59 * 4] ^= std::byte{1};
        CHECK_FALSE(sector::verify(copy.data(), RecordType::ts, 256));
    }
}

TEST_CASE("a record's time follows from its sector's first time and the sample period") {
    const std::uint64_t t0 = sector::utc_flag | 1'000'000;
    CHECK(sector::record_time(t0, 250, 0) == t0);
    CHECK(sector::record_time(t0, 250, 4) == (sector::utc_flag | 1'001'000));
    CHECK(sector::record_time(t0, 0, 0) == t0);
    CHECK(sector::record_time(t0, 0, 1) == sector::time_unknown); // no period: only the first is known
    CHECK(sector::record_time(sector::time_unknown, 250, 3) == sector::time_unknown);
    CHECK(sector::record_time(5'000, 1'000, 2) == 7'000); // monotonic stays monotonic
}

TEST_CASE("a count beyond the capacity never verifies, whatever the CRC says") {
    alignas(8) std::array<std::byte, 64> s{};
    sector::format(s.data(), RecordType::ts, 0, 0);
    sector::store<std::uint16_t>(s.data() + sector::offset::count, 9); // capacity is 8
    sector::store<std::uint32_t>(s.data() + sector::offset::crc, sector::compute_crc(s.data(), 8, RecordType::ts));
    CHECK_FALSE(sector::verify(s.data(), RecordType::ts, 64));
}

TEST_CASE("sealing without CRC writes a zero CRC that does not verify") {
    alignas(8) std::array<std::byte, 64> s{};
    sector::format(s.data(), RecordType::ts, 5, 1);
    sector::seal(s.data(), 3, RecordType::ts, false);
    CHECK(sector::load<std::uint32_t>(s.data() + sector::offset::crc) == 0);
    CHECK(sector::count(s.data()) == 3);
}
