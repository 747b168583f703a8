// The SD-in-SPI-mode driver (stm32/drivers, SdSpiCard) against a behavioural card
// (support/sd_card_model.hpp): the initialisation sequence for SDHC, SDSC v2 and v1 cards
// (clock, power-up clocks, CRC, HCS, CCS, CMD16), capacity from the CSD, byte versus block
// addresses, the block-device contract (round trips, erase to 0xFF, ranges refused), bounded
// waits and refused writes ending in io_error, and the flash log on the driver end to end.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "ss/stm32/sd_crc.hpp"
#include "ss/stm32/sd_spi_card.hpp"
#include "support/flash_log_fixture.hpp"
#include "support/sd_card_model.hpp"

using namespace ss;
using ss::stm32::SdCardKind;
using ss::stm32::SdSpiCard;
using ss::test::SdCardModel;
using ss::test::SdModelKind;

namespace {

// The specification's own examples: CMD0's CRC byte 0x95, CMD8(0x1AA)'s 0x87, and CRC16 0x7FA1
// over a block of 0xFF.
constexpr std::uint8_t cmd0[5] = {0x40, 0, 0, 0, 0};
constexpr std::uint8_t cmd8[5] = {0x48, 0, 0, 0x01, 0xAA};
static_assert((ss::stm32::sd_crc7(cmd0, 5) << 1 | 1) == 0x95);
static_assert((ss::stm32::sd_crc7(cmd8, 5) << 1 | 1) == 0x87);
constexpr std::uint16_t crc16_of_ones = [] {
    std::uint8_t b[512] = {};
    for (auto& x : b) x = 0xFF;
    return ss::stm32::sd_crc16(b, 512);
}();
static_assert(crc16_of_ones == 0x7FA1);

std::vector<std::uint8_t> pattern(std::uint8_t seed) {
    std::vector<std::uint8_t> v(512);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(seed + i * 13);
    return v;
}

std::vector<std::uint8_t> sequence_of(const SdCardModel& card) {
    std::vector<std::uint8_t> s;
    for (const auto c : card.commands)
        if (s.empty() || s.back() != c || (c != 55 && c != 41)) s.push_back(c);
    return s;
}

} // namespace

TEST_CASE("SDHC: the init sequence, block addresses, capacity from a v2 CSD") {
    SdCardModel card(SdModelKind::sdhc, 4096);
    SdSpiCard sd(card, 1);
    REQUIRE(sd.start());
    CHECK(sd.kind() == SdCardKind::sdhc);
    CHECK(card.clocks_before_cmd0 >= 10); // 80 clocks >= 74
    CHECK(card.max_clock_during_init <= 400'000);
    CHECK(card.clock_hz == 25'000'000);
    CHECK(card.crc_checking);
    CHECK(card.bad_crc_commands == 0);
    // CMD0, CMD8, CMD59, (CMD55, ACMD41) rounds, CMD58, CMD9: no CMD16 on a block-addressed card.
    CHECK(sequence_of(card) == std::vector<std::uint8_t>{0, 8, 59, 55, 41, 55, 41, 55, 41, 58, 9});
    CHECK(sd.geometry().block_count == 4096);
    CHECK(sd.geometry().read_bytes == 512);
    CHECK(sd.geometry().program_bytes == 512);
    CHECK(sd.geometry().erase_bytes == 512);
    CHECK(sd.geometry().erased_byte == 0xFF);

    const auto data = pattern(7);
    REQUIRE(sd.program(1000, 0, data.data(), 512));
    CHECK(card.arguments.back() == 0); // the CMD13 after it
    CHECK(std::find(card.arguments.begin(), card.arguments.end(), 1000u) != card.arguments.end());
    CHECK(std::equal(data.begin(), data.end(), card.memory.begin() + 1000 * 512));
    std::vector<std::uint8_t> back(512);
    REQUIRE(sd.read(1000, 0, back.data(), 512));
    CHECK(back == data);
    CHECK(card.address_errors == 0);
}

TEST_CASE("SDSC v2: no CCS, so CMD16 512 and byte addresses; capacity from a v1 CSD") {
    SdCardModel card(SdModelKind::sdsc_v2, 2048);
    SdSpiCard sd(card, 1);
    REQUIRE(sd.start());
    CHECK(sd.kind() == SdCardKind::sdsc_v2);
    CHECK(sequence_of(card) == std::vector<std::uint8_t>{0, 8, 59, 55, 41, 55, 41, 55, 41, 58, 16, 9});
    CHECK(sd.geometry().block_count == 2048);
    const auto data = pattern(3);
    REQUIRE(sd.program(1500, 0, data.data(), 512));
    CHECK(std::find(card.arguments.begin(), card.arguments.end(), 1500u * 512) != card.arguments.end());
    std::vector<std::uint8_t> back(512);
    REQUIRE(sd.read(1500, 0, back.data(), 512));
    CHECK(back == data);
    CHECK(card.address_errors == 0);
}

TEST_CASE("SDSC v1: CMD8 illegal, ACMD41 without HCS, no CMD58") {
    SdCardModel card(SdModelKind::sdsc_v1, 1024);
    SdSpiCard sd(card, 1);
    REQUIRE(sd.start());
    CHECK(sd.kind() == SdCardKind::sdsc_v1);
    CHECK(sequence_of(card) == std::vector<std::uint8_t>{0, 8, 59, 55, 41, 55, 41, 55, 41, 16, 9});
    for (std::size_t i = 0; i < card.commands.size(); ++i)
        if (card.commands[i] == 41) CHECK(card.arguments[i] == 0);
    const auto data = pattern(11);
    REQUIRE(sd.program(1023, 0, data.data(), 512));
    std::vector<std::uint8_t> back(512);
    REQUIRE(sd.read(1023, 0, back.data(), 512));
    CHECK(back == data);
}

TEST_CASE("erase writes a block of 0xFF; a program overwrites whatever is there") {
    SdCardModel card(SdModelKind::sdhc, 1024);
    SdSpiCard sd(card, 1);
    REQUIRE(sd.start());
    const auto data = pattern(1);
    REQUIRE(sd.program(5, 0, data.data(), 512));
    REQUIRE(sd.erase(5));
    std::vector<std::uint8_t> back(512);
    REQUIRE(sd.read(5, 0, back.data(), 512));
    CHECK(back == std::vector<std::uint8_t>(512, 0xFF));
    const auto other = pattern(2);
    REQUIRE(sd.program(5, 0, other.data(), 512));
    REQUIRE(sd.program(5, 0, data.data(), 512));
    REQUIRE(sd.read(5, 0, back.data(), 512));
    CHECK(back == data);
    REQUIRE(sd.sync());
    CHECK(card.writes == 4);
}

TEST_CASE("erase blocks of 16 card blocks (8 KiB): a program spans card blocks, erase fills the group") {
    SdCardModel card(SdModelKind::sdsc_v2, 1024);
    SdSpiCard sd(card);
    REQUIRE(sd.start());
    CHECK(sd.geometry().erase_bytes == 8192);
    CHECK(sd.geometry().block_count == 64);
    std::vector<std::uint8_t> data(1024);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 5);
    REQUIRE(sd.program(2, 1024, data.data(), 1024));
    CHECK(std::equal(data.begin(), data.end(), card.memory.begin() + (2 * 16 + 2) * 512));
    std::vector<std::uint8_t> back(1024);
    REQUIRE(sd.read(2, 1024, back.data(), 1024));
    CHECK(back == data);
    REQUIRE(sd.erase(2));
    CHECK(std::all_of(card.memory.begin() + 2 * 8192, card.memory.begin() + 3 * 8192, [](std::uint8_t b) { return b == 0xFF; }));
    CHECK(card.memory[3 * 8192] == 0x00); // the next group untouched
    CHECK(card.memory[2 * 8192 - 1] == 0x00);
    CHECK(sd.read(0, 8192, back.data(), 512).error() == Errc::invalid_argument);
}

TEST_CASE("ranges outside the card or not whole blocks are invalid_argument") {
    SdCardModel card(SdModelKind::sdhc, 1024);
    SdSpiCard sd(card, 1);
    REQUIRE(sd.start());
    std::uint8_t buf[512] = {};
    CHECK(sd.read(1024, 0, buf, 512).error() == Errc::invalid_argument);
    CHECK(sd.read(0, 0, buf, 256).error() == Errc::invalid_argument);
    CHECK(sd.program(0, 256, buf, 256).error() == Errc::invalid_argument);
    CHECK(sd.erase(1024).error() == Errc::invalid_argument);
    CHECK(card.writes == 0);
}

TEST_CASE("no card, a card never ready, an SDHC card that would need HCS: io_error") {
    SdCardModel absent(SdModelKind::sdhc, 1024);
    absent.absent = true;
    SdSpiCard a(absent, 1);
    CHECK(a.start().error() == Errc::io_error);
    CHECK(a.kind() == SdCardKind::none);
    CHECK(a.geometry().block_count == 0);
    CHECK(a.sync().error() == Errc::io_error);

    SdCardModel slow(SdModelKind::sdhc, 1024);
    slow.never_ready = true;
    SdSpiCard s(slow, 1, {10, 50, 1000, 1000, 400'000, 25'000'000});
    CHECK(s.start().error() == Errc::io_error);
    CHECK(std::count(slow.commands.begin(), slow.commands.end(), std::uint8_t{41}) == 50);
}

TEST_CASE("a write the card rejects (write error, CRC error) or fails to program is io_error") {
    for (const std::uint8_t response : {std::uint8_t{0x0D}, std::uint8_t{0x0B}}) {
        SdCardModel card(SdModelKind::sdhc, 1024);
        SdSpiCard sd(card, 1);
        REQUIRE(sd.start());
        card.write_response = response;
        const auto data = pattern(4);
        CHECK(sd.program(2, 0, data.data(), 512).error() == Errc::io_error);
        CHECK(sd.erase(2).error() == Errc::io_error);
        card.write_response = 0x05;
        REQUIRE(sd.program(2, 0, data.data(), 512)); // the card is usable again
    }
    SdCardModel card(SdModelKind::sdhc, 1024);
    SdSpiCard sd(card, 1);
    REQUIRE(sd.start());
    card.program_fails = true;
    const auto data = pattern(4);
    CHECK(sd.program(2, 0, data.data(), 512).error() == Errc::io_error);
}

TEST_CASE("a read block with a bad CRC16 is io_error; a card stuck busy ends the wait in io_error") {
    SdCardModel card(SdModelKind::sdhc, 1024);
    SdSpiCard sd(card, 1, {10, 100, 1000, 1000, 400'000, 25'000'000});
    REQUIRE(sd.start());
    std::vector<std::uint8_t> back(512);
    card.corrupt_read_crc = true;
    CHECK(sd.read(3, 0, back.data(), 512).error() == Errc::io_error);
    card.corrupt_read_crc = false;
    REQUIRE(sd.read(3, 0, back.data(), 512));
    card.stuck_busy = true;
    const auto data = pattern(9);
    CHECK(sd.program(3, 0, data.data(), 512).error() == Errc::io_error);
    CHECK(sd.sync().error() == Errc::io_error);
    CHECK(sd.read(3, 0, back.data(), 512).error() == Errc::io_error);
}

TEST_CASE("the flash log runs on the SD driver: a card erased, then append, reboot, mount, read back") {
    SdCardModel card(SdModelKind::sdhc, 1024);
    auto start = [&](SdSpiCard& sd) { REQUIRE(sd.start()); };
    SdSpiCard sd(card);
    start(sd);
    ss::test::FlashLogRam ram(sd.geometry().program_bytes);
    {
        FlashLog log(sd, ram.memory());
        // A card comes with data (zeros here), and the log formats only a blank device: it
        // refuses this one until every block has been erased through the driver.
        CHECK(log.mount().error() == Errc::io_error);
        for (std::uint32_t b = 0; b < sd.geometry().block_count; ++b) REQUIRE(sd.erase(b));
        REQUIRE(log.mount());
        CHECK(log.stats().formatted);
        for (std::uint64_t s = 0; s < 60; s += 10) {
            const auto sector = ss::test::make_sector(s, 10);
            REQUIRE(log.append(ss::test::stream_key(2), sector.data(), static_cast<std::uint32_t>(sector.size())));
        }
        REQUIRE(log.sync());
    }
    SdSpiCard rebooted(card);
    start(rebooted);
    ss::test::FlashLogRam ram2(rebooted.geometry().program_bytes);
    FlashLog log(rebooted, ram2.memory());
    REQUIRE(log.mount());
    CHECK_FALSE(log.stats().formatted);
    CHECK(log.stats().live_units == 6);
    std::vector<std::byte> out(512);
    for (std::uint64_t s = 0; s < 60; s += 10) {
        auto r = log.read_next(ss::test::stream_key(2), out.data(), 512);
        REQUIRE(r);
        CHECK(r->first_seq == s);
    }
}
