// A SpiBus on the MCU: one device on a register-level SpiMaster, selected by a GPIO output.
// The SPI port may be shared by several devices, each with its own SpiDeviceBus and chip
// select, as long as one at a time uses it (set_clock restarts the port with that device's clock).
#pragma once

#include <cstdint>

#include "ss/stm32/gpio_output.hpp"
#include "ss/stm32/spi_bus.hpp"
#include "ss/stm32/spi_master.hpp"

namespace ss::stm32 {

class SpiDeviceBus final : public SpiBus {
public:
    /// `bus_clock_hz`: the port's PCLK; `mode`: the device's (mode 0 for both NOR flash and SD).
    SpiDeviceBus(SpiMaster& spi, GpioOutput& chip_select, std::uint32_t bus_clock_hz,
                 SpiMode mode = SpiMode::mode0) noexcept
        : spi_(spi), chip_select_(chip_select), bus_clock_hz_(bus_clock_hz), mode_(mode) {}

    bool transfer(const std::uint8_t* tx, std::uint8_t* rx, std::size_t count) noexcept override;
    void select() noexcept override;
    void deselect() noexcept override;
    bool set_clock(std::uint32_t max_hz) noexcept override;

private:
    SpiMaster& spi_;
    GpioOutput& chip_select_;
    std::uint32_t bus_clock_hz_;
    SpiMode mode_;
};

} // namespace ss::stm32
