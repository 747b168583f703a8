// The SPI NOR driver (stm32/drivers, SpiNorFlash) against a behavioural 25-series part
// (support/spi_nor_model.hpp): identification and geometry, protection cleared at start, the
// block-device contract (read, program, erase round trips, ranges refused), page-boundary
// splitting, WEL before every program and erase, bounded waits ending in io_error, and the
// flash log (ss/flash_log.hpp) running on the driver end to end.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "ss/stm32/spi_nor_flash.hpp"
#include "support/flash_log_fixture.hpp"
#include "support/spi_nor_model.hpp"

using namespace ss;
using ss::stm32::SpiNorFlash;
using ss::test::SpiNorModel;

namespace {

std::vector<std::uint8_t> pattern(std::size_t bytes, std::uint8_t seed) {
    std::vector<std::uint8_t> v(bytes);
    for (std::size_t i = 0; i < bytes; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 7);
    return v;
}

} // namespace

TEST_CASE("start identifies the part and sizes the device from the JEDEC capacity code") {
    SpiNorModel chip(20); // 1 MiB
    SpiNorFlash flash(chip);
    REQUIRE(flash.start());
    CHECK(flash.jedec_id() == 0xEF4014);
    CHECK(flash.geometry().read_bytes == 1);
    CHECK(flash.geometry().program_bytes == 256);
    CHECK(flash.geometry().erase_bytes == 4096);
    CHECK(flash.geometry().erased_byte == 0xFF);
    CHECK(flash.geometry().block_count == 256);
}

TEST_CASE("a part above 16 MiB is used for the 16 MiB that 3-byte addresses reach") {
    SpiNorModel chip(25); // 32 MiB
    SpiNorFlash flash(chip);
    REQUIRE(flash.start());
    CHECK(flash.geometry().block_count == 4096);
}

TEST_CASE("no chip on the bus (MISO all ones or all zeros) is io_error") {
    for (const std::uint8_t level : {std::uint8_t{0xFF}, std::uint8_t{0x00}}) {
        SpiNorModel chip(20);
        chip.absent = true;
        chip.absent_level = level;
        SpiNorFlash flash(chip);
        CHECK(flash.start().error() == Errc::io_error);
        CHECK(flash.geometry().block_count == 0);
    }
}

TEST_CASE("a capacity code outside 64 KiB..2 GiB is not taken for a 25-series part") {
    SpiNorModel chip(20);
    chip.id[2] = 0x0A;
    SpiNorFlash flash(chip);
    CHECK(flash.start().error() == Errc::io_error);
}

TEST_CASE("block-protect bits are cleared at start; protection that stays is io_error") {
    SpiNorModel chip(16, 0x1C);
    SpiNorFlash flash(chip);
    REQUIRE(flash.start());
    CHECK((chip.status & 0xBC) == 0);
    const auto data = pattern(256, 1);
    REQUIRE(flash.program(3, 0, data.data(), 256));
    CHECK(std::memcmp(chip.memory.data() + 3 * 4096, data.data(), 256) == 0);

    SpiNorModel locked(16, 0x1C);
    locked.protection_locked = true;
    SpiNorFlash refused(locked);
    CHECK(refused.start().error() == Errc::io_error);
}

TEST_CASE("program then read round trips; erase sets 0xFF; a program only clears bits") {
    SpiNorModel chip(16);
    SpiNorFlash flash(chip);
    REQUIRE(flash.start());
    const auto data = pattern(4096, 9);
    REQUIRE(flash.program(5, 0, data.data(), 4096));
    std::vector<std::uint8_t> back(4096);
    REQUIRE(flash.read(5, 0, back.data(), 4096));
    CHECK(back == data);
    std::uint8_t three[3];
    REQUIRE(flash.read(5, 4093, three, 3)); // reads of any length and alignment
    CHECK(std::memcmp(three, data.data() + 4093, 3) == 0);
    REQUIRE(flash.erase(5));
    REQUIRE(flash.read(5, 0, back.data(), 4096));
    CHECK(back == std::vector<std::uint8_t>(4096, 0xFF));
    CHECK(chip.memory[4 * 4096 + 4095] == 0xFF); // the neighbours untouched
    CHECK(chip.memory[6 * 4096] == 0xFF);
    REQUIRE(flash.sync());
    CHECK(chip.erases == 1);
}

TEST_CASE("a multi-page program is one PAGE PROGRAM per page, each after its own WREN") {
    SpiNorModel chip(16);
    SpiNorFlash flash(chip);
    REQUIRE(flash.start());
    const auto data = pattern(1024, 3);
    REQUIRE(flash.program(2, 512, data.data(), 1024));
    CHECK(chip.programs == 4);
    CHECK(chip.wrapped_programs == 0);
    CHECK(chip.without_wel == 0);
    CHECK(chip.ignored_while_busy == 0); // every program waited for before the next command
    CHECK(std::memcmp(chip.memory.data() + 2 * 4096 + 512, data.data(), 1024) == 0);
    REQUIRE(flash.erase(2));
    CHECK(chip.without_wel == 0);
}

TEST_CASE("ranges outside the device or off the program size are invalid_argument") {
    SpiNorModel chip(16); // 16 blocks
    SpiNorFlash flash(chip);
    REQUIRE(flash.start());
    std::uint8_t buf[512] = {};
    CHECK(flash.read(16, 0, buf, 1).error() == Errc::invalid_argument);
    CHECK(flash.read(0, 4000, buf, 200).error() == Errc::invalid_argument);
    CHECK(flash.program(0, 128, buf, 256).error() == Errc::invalid_argument);
    CHECK(flash.program(0, 0, buf, 100).error() == Errc::invalid_argument);
    CHECK(flash.erase(16).error() == Errc::invalid_argument);
    CHECK(chip.programs == 0);
    CHECK(chip.erases == 0);
}

TEST_CASE("a part stuck busy ends each wait in io_error, not a hang") {
    SpiNorModel chip(16);
    SpiNorFlash flash(chip, {20, 50, 20});
    REQUIRE(flash.start());
    chip.stuck_busy = true;
    const auto data = pattern(256, 5);
    CHECK(flash.program(0, 0, data.data(), 256).error() == Errc::io_error);
    CHECK(flash.sync().error() == Errc::io_error);
    CHECK(flash.erase(1).error() == Errc::io_error);
    SpiNorFlash restarted(chip, {20, 50, 20});
    CHECK(restarted.start().error() == Errc::io_error);
}

TEST_CASE("a part that ignores WREN (WEL never set) fails the program instead of losing it") {
    SpiNorModel chip(16);
    SpiNorFlash flash(chip);
    REQUIRE(flash.start());
    chip.absent = true; // gone from the bus after start: status reads 0xFF.. then 0x00
    chip.absent_level = 0x00;
    const auto data = pattern(256, 5);
    CHECK(flash.program(0, 0, data.data(), 256).error() == Errc::io_error);
    CHECK(flash.erase(0).error() == Errc::io_error);
}

TEST_CASE("deep power-down: the part ignores commands until woken") {
    SpiNorModel chip(16);
    SpiNorFlash flash(chip);
    REQUIRE(flash.start());
    REQUIRE(flash.power_down());
    CHECK(chip.powered_down);
    REQUIRE(flash.wake());
    CHECK_FALSE(chip.powered_down);
    const auto data = pattern(256, 5);
    REQUIRE(flash.program(0, 256, data.data(), 256));
    SpiNorFlash after_reset(chip);
    REQUIRE(flash.power_down());
    REQUIRE(after_reset.start()); // start() wakes a part left powered down
}

TEST_CASE("the flash log runs on the NOR driver: append, reboot, mount, read back, wrap the ring") {
    SpiNorModel chip(16); // 64 KiB, 16 sectors
    SpiNorFlash flash(chip);
    REQUIRE(flash.start());
    ss::test::FlashLogRam ram(flash.geometry().program_bytes);
    {
        FlashLog log(flash, ram.memory());
        REQUIRE(log.mount());
        CHECK(log.stats().formatted);
        for (std::uint64_t s = 0; s < 100; s += 10) {
            const auto sector = ss::test::make_sector(s, 10);
            REQUIRE(log.append(ss::test::stream_key(1), sector.data(), static_cast<std::uint32_t>(sector.size())));
        }
        REQUIRE(log.sync());
    }
    ss::test::FlashLogRam ram2(flash.geometry().program_bytes);
    SpiNorFlash rebooted(chip);
    REQUIRE(rebooted.start());
    FlashLog log(rebooted, ram2.memory());
    REQUIRE(log.mount());
    CHECK_FALSE(log.stats().formatted);
    CHECK(log.stats().live_units == 10);
    CHECK(log.stats().corrupt_units == 0);
    std::vector<std::byte> out(256);
    for (std::uint64_t s = 0; s < 100; s += 10) {
        auto r = log.read_next(ss::test::stream_key(1), out.data(), 256);
        REQUIRE(r);
        CHECK(r->first_seq == s);
        CHECK(sector::verify(out.data(), RecordType::ts, 256));
    }
    CHECK(chip.without_wel == 0);
    CHECK(chip.wrapped_programs == 0);
}
