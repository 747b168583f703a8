// The SPI storage drivers on the MCU under QEMU (netduinoplus2): the NOR flash driver over
// SPI1 with PA4 as chip select runs its identification, and the SD card driver over SPI2 with
// PB12 its initialisation, against QEMU's SPI buses. Nothing is attached to them in QEMU's
// board model, so every byte clocked in is 0x00 and each driver must report "no device"
// (io_error, JEDEC ID 0x000000, no blocks; no card) rather than take the silence for a part.
// Against a real part these paths are the code the host tests run over chip models.
#include <cstdint>

#include "firmware_check.hpp"
#include "ss/stm32/gpio_output.hpp"
#include "ss/stm32/mmio.hpp"
#include "ss/stm32/sd_spi_card.hpp"
#include "ss/stm32/spi_device_bus.hpp"
#include "ss/stm32/spi_master.hpp"
#include "ss/stm32/spi_nor_flash.hpp"

namespace {

using namespace ss::stm32;
using ss::stm32::test::check;
using ss::stm32::test::figure;

} // namespace

int main() {
    start_systick(168'000'000);
    SpiMaster spi1{SpiPort::spi1};
    GpioOutput chip_select{GpioPort::a, 4};
    chip_select.start(true);
    SpiDeviceBus bus{spi1, chip_select, 84'000'000};
    check(bus.set_clock(20'000'000), "SPI1 started for the flash at most 20 MHz (84 / 8 = 10.5 MHz)");
    check((mmio(spi1.base() + spi::cr1) & spi::cr1_br_mask) >> spi::cr1_br_shift == 2, "SCK divider PCLK / 8");

    SpiNorFlash flash{bus};
    const auto started = flash.start();
    check(!started && started.error() == ss::Errc::io_error, "no flash on QEMU's SPI1: start() is io_error");
    figure("JEDEC ID", flash.jedec_id());
    check(flash.jedec_id() == 0, "the ID read is 0x000000 (QEMU's empty bus answers 0x00)");
    check(flash.geometry().block_count == 0, "no blocks reported for an absent part");

    SpiMaster spi2{SpiPort::spi2};
    GpioOutput card_select{GpioPort::b, 12};
    card_select.start(true);
    SpiDeviceBus card_bus{spi2, card_select, 42'000'000};
    SdSpiCard card{card_bus};
    const auto initialised = card.start();
    check(!initialised && initialised.error() == ss::Errc::io_error, "no card on QEMU's SPI2: start() is io_error");
    check(card.kind() == SdCardKind::none && card.geometry().block_count == 0, "no card kind, no blocks");
    figure("SPI2 CR1 after start()", mmio(spi2.base() + spi::cr1));
    check((mmio(spi2.base() + spi::cr1) & spi::cr1_br_mask) >> spi::cr1_br_shift == 6,
          "left at the initialisation clock: 42 MHz / 128 (BR = 6) = 328 kHz, the fastest not above 400 kHz");
    check(card.sync().error() == ss::Errc::io_error, "sync() on a card never started is io_error");
    return ss::stm32::test::failures;
}
