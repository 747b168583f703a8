// One SPI device's view of its bus: the few operations a command set needs (chip select, a
// full-duplex byte transfer, the clock). The NOR flash and SD card drivers are written against
// this alone, so they build for the host and run there against behavioural chip models; on the
// MCU, SpiDeviceBus puts it over the register-level SpiMaster and a GPIO chip select.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ss::stm32 {

class SpiBus {
public:
    /// Sends `count` bytes of `tx` (0xFF if tx is null: the idle level both NOR and SD expect
    /// while the master only reads) and stores what was clocked in into `rx` (if not null).
    /// False if the bus failed; the device's state is then unknown.
    [[nodiscard]] virtual bool transfer(const std::uint8_t* tx, std::uint8_t* rx, std::size_t count) noexcept = 0;
    /// Chip select asserted (low).
    virtual void select() noexcept = 0;
    /// Chip select released (high).
    virtual void deselect() noexcept = 0;
    /// SCK at most `max_hz` from now on. False if the bus cannot go that slow.
    [[nodiscard]] virtual bool set_clock(std::uint32_t max_hz) noexcept = 0;

protected:
    ~SpiBus() = default;
};

} // namespace ss::stm32
