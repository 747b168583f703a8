#include <doctest/doctest.h>

#include <array>
#include <cstring>

#include "ss/sector_format.hpp"

using namespace ss;

TEST_CASE("sector capacities are exactly those of 003 section 20") {
    CHECK(sector::header_bytes == 16);
    CHECK(sector::capacity(256, RecordType::ts) == 60);
    CHECK(sector::capacity(256, RecordType::evt) == 20);
    CHECK(sector::capacity(4096, RecordType::ts) == 1020);
    CHECK(sector::capacity(4096, RecordType::evt) == 340);
    CHECK(sector::capacity(65536, RecordType::ts) == 16380);
    CHECK(sector::capacity(65536, RecordType::evt) == 5460);
}

TEST_CASE("a formatted and sealed sector verifies and keeps its header fields") {
    alignas(8) std::array<std::byte, 256> s{};
    sector::format(s.data(), RecordType::evt, 0x00AB'CDEF'0123'4567ull, 0x5A);
    for (std::uint32_t i = 0; i < 20; ++i) {
        const std::uint32_t v = i * 7;
        const std::uint64_t ts = 1'700'000'000'000ull + i;
        std::memcpy(sector::payload(s.data()) + i * 12, &v, 4);
        std::memcpy(sector::payload(s.data()) + i * 12 + 4, &ts, 8);
    }
    sector::seal(s.data(), 20, RecordType::evt, true);
    CHECK(sector::count(s.data()) == 20);
    CHECK(sector::first_seq(s.data()) == 0x00AB'CDEF'0123'4567ull);
    CHECK(sector::boot_id(s.data()) == 0x5A);
    CHECK(sector::version(s.data()) == sector::format_version);
    CHECK(sector::type_code(s.data()) == 2);
    CHECK(sector::verify(s.data(), RecordType::evt, 256));

    SUBCASE("any flipped bit in the header or the used payload is detected") {
        for (std::size_t byte = 0; byte < 16 + 20 * 12; ++byte) {
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
        sector::seal(copy.data(), 19, RecordType::evt, true);
        copy[255] ^= std::byte{0xFF}; // the 20th record, outside a 19-record sector
        CHECK(sector::verify(copy.data(), RecordType::evt, 256));
    }
    SUBCASE("a sector of the wrong type does not verify") { CHECK_FALSE(sector::verify(s.data(), RecordType::ts, 256)); }
}

TEST_CASE("a count beyond the capacity never verifies, whatever the CRC says") {
    alignas(8) std::array<std::byte, 64> s{};
    sector::format(s.data(), RecordType::ts, 0, 0);
    sector::store<std::uint16_t>(s.data() + sector::offset::count, 13); // capacity is 12
    sector::store<std::uint32_t>(s.data() + sector::offset::crc, sector::compute_crc(s.data(), 12, RecordType::ts));
    CHECK_FALSE(sector::verify(s.data(), RecordType::ts, 64));
}

TEST_CASE("sealing without CRC writes a zero CRC that does not verify") {
    alignas(8) std::array<std::byte, 64> s{};
    sector::format(s.data(), RecordType::ts, 5, 1);
    sector::seal(s.data(), 3, RecordType::ts, false);
    CHECK(sector::load<std::uint32_t>(s.data() + sector::offset::crc) == 0);
    CHECK(sector::count(s.data()) == 3);
}
