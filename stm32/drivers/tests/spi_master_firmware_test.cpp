// The SPI master under QEMU (netduinoplus2), as far as QEMU shows it: SPI1 configured for mode
// 3, LSB first, at most 5 MHz holds exactly the CR1 the driver computed and is enabled; a
// 16-byte full-duplex transfer completes, one byte clocked in per byte sent (QEMU's SPI bus with
// no device on it answers 0x00 to every byte); a transfer on a stopped SPI is refused rather
// than waiting forever. The CR1 arithmetic (mode bits, the baud divider) is checked at compile
// time. Not shown by QEMU: the wire itself (no device model on the netduinoplus2's SPI buses).
#include <cstdint>

#include "firmware_check.hpp"
#include "ss/stm32/mmio.hpp"
#include "ss/stm32/spi_master.hpp"

namespace {

using namespace ss::stm32;
using ss::stm32::test::check;
using ss::stm32::test::figure;

// 84 MHz to at most 10 MHz: 84 / 16 = 5.25 MHz is the fastest not above (BR = 3); mode 0.
static_assert(*spi_cr1_for({84'000'000, 10'000'000, SpiMode::mode0, false}) ==
              (spi::cr1_mstr | spi::cr1_ssm | spi::cr1_ssi | 3u << spi::cr1_br_shift));
// 42 MHz to at most 21 MHz: PCLK / 2 (BR = 0); mode 3 sets CPOL and CPHA; mode 2 CPOL only.
static_assert((*spi_cr1_for({42'000'000, 21'000'000, SpiMode::mode3, false}) & spi::cr1_br_mask) == 0);
static_assert((*spi_cr1_for({42'000'000, 21'000'000, SpiMode::mode3, false}) & 3u) == 3u);
static_assert((*spi_cr1_for({42'000'000, 21'000'000, SpiMode::mode2, false}) & 3u) == spi::cr1_cpol);
static_assert((*spi_cr1_for({42'000'000, 21'000'000, SpiMode::mode1, true}) & (3u | spi::cr1_lsbfirst)) ==
              (spi::cr1_cpha | spi::cr1_lsbfirst));
// The slowest: PCLK / 256 (BR = 7); slower than that cannot be met.
static_assert((*spi_cr1_for({84'000'000, 400'000, SpiMode::mode0, false}) & spi::cr1_br_mask) == 7u << spi::cr1_br_shift);
static_assert(!spi_cr1_for({84'000'000, 300'000, SpiMode::mode0, false}));
static_assert(!spi_cr1_for({84'000'000, 0, SpiMode::mode0, false}));

} // namespace

int main() {
    start_systick(168'000'000);
    SpiMaster spi1{SpiPort::spi1};
    const SpiConfig config{84'000'000, 5'000'000, SpiMode::mode3, true};
    check(!spi1.start({84'000'000, 1'000, SpiMode::mode0, false}), "a clock below PCLK / 256 is refused");
    check(!spi1.transfer(nullptr, nullptr, 1), "a transfer before start() is refused, not waited for");
    check(spi1.start(config), "SPI1 started: mode 3, LSB first, at most 5 MHz");
    const std::uint32_t cr1 = mmio(spi1.base() + spi::cr1);
    figure("CR1", cr1);
    check(cr1 == (*spi_cr1_for(config) | spi::cr1_spe), "CR1 holds the computed settings, SPI enabled");
    check((cr1 & spi::cr1_br_mask) >> spi::cr1_br_shift == 4, "SCK = 84 MHz / 32 = 2.6 MHz, the fastest not above 5 MHz");

    std::uint8_t tx[16];
    std::uint8_t rx[16];
    for (std::uint8_t i = 0; i < 16; ++i) {
        tx[i] = static_cast<std::uint8_t>(0xA0 + i);
        rx[i] = 0x5A;
    }
    check(spi1.transfer(tx, rx, sizeof tx), "a 16-byte full-duplex transfer completes");
    bool all_zero = true;
    for (const std::uint8_t b : rx) all_zero = all_zero && b == 0;
    check(all_zero, "one byte clocked in per byte sent (0x00: no device on QEMU's bus)");
    check((mmio(spi1.base() + spi::sr) & (spi::sr_rxne | spi::sr_ovr | spi::sr_modf)) == 0,
          "nothing left unread, no overrun, no mode fault");
    check(spi1.transfer(tx, nullptr, 4) && spi1.transfer(nullptr, rx, 4), "send-only and receive-only transfers");
    spi1.stop();
    check((mmio(spi1.base() + spi::cr1) & spi::cr1_spe) == 0, "stop() disables the SPI");
    check(!spi1.transfer(tx, rx, 1), "a transfer after stop() is refused");
    return ss::stm32::test::failures;
}
