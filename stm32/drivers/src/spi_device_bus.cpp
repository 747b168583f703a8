#include "ss/stm32/spi_device_bus.hpp"

namespace ss::stm32 {

// SpiMaster sends zeros for a null tx; both command sets want the line high while they only
// read (0x00 would be taken for the start of a command by an SD card), so it is sent in chunks.
bool SpiDeviceBus::transfer(const std::uint8_t* tx, std::uint8_t* rx, std::size_t count) noexcept {
    if (tx != nullptr) return spi_.transfer(tx, rx, count);
    static constexpr std::uint8_t ones[16] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                              0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    while (count > 0) {
        const std::size_t piece = count < sizeof ones ? count : sizeof ones;
        if (!spi_.transfer(ones, rx, piece)) return false;
        if (rx != nullptr) rx += piece;
        count -= piece;
    }
    return true;
}

void SpiDeviceBus::select() noexcept { chip_select_.set_low(); }

void SpiDeviceBus::deselect() noexcept { chip_select_.set_high(); }

bool SpiDeviceBus::set_clock(std::uint32_t max_hz) noexcept {
    spi_.stop();
    return spi_.start({bus_clock_hz_, max_hz, mode_, false});
}

} // namespace ss::stm32
