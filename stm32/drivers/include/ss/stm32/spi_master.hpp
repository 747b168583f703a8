// An SPI master, polled, full duplex, 8-bit frames: each byte sent clocks one byte in. Chip
// select is the application's (a GPIO around transfer()); NSS is managed in software so the
// NSS pin is free. Polled because a transfer of a few bytes at MHz clocks is over before an
// interrupt-driven one would have paid for its interrupts; every wait is bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "ss/stm32/registers/spi.hpp"

namespace ss::stm32 {

/// Which SPI.
enum class SpiPort : std::uint8_t { spi1, spi2, spi3 };

/// Clock polarity and phase as the usual mode number: bit 1 = CPOL, bit 0 = CPHA.
enum class SpiMode : std::uint8_t { mode0 = 0, mode1 = 1, mode2 = 2, mode3 = 3 };

/// A master's settings.
struct SpiConfig {
    std::uint32_t bus_clock_hz = 0; ///< the port's PCLK: 84 MHz (SPI1, APB2) or 42 MHz (SPI2/3, APB1)
    std::uint32_t max_clock_hz = 0; ///< the fastest SCK the device takes; the driver picks at most this
    SpiMode mode = SpiMode::mode0;
    bool lsb_first = false;
};

/// CR1 for `config` (SPE not set), SCK the fastest of PCLK / 2, 4, ... 256 not above
/// max_clock_hz; nullopt if even PCLK / 256 is too fast or a clock is zero.
constexpr std::optional<std::uint32_t> spi_cr1_for(const SpiConfig& config) noexcept {
    if (config.bus_clock_hz == 0 || config.max_clock_hz == 0) return std::nullopt;
    std::uint32_t br = 0;
    while (br < 8 && (config.bus_clock_hz >> (br + 1)) > config.max_clock_hz) ++br;
    if (br == 8) return std::nullopt;
    const auto mode = static_cast<std::uint32_t>(config.mode);
    return spi::cr1_mstr | spi::cr1_ssm | spi::cr1_ssi | br << spi::cr1_br_shift |
           ((mode & 2u) != 0 ? spi::cr1_cpol : 0u) | ((mode & 1u) != 0 ? spi::cr1_cpha : 0u) |
           (config.lsb_first ? spi::cr1_lsbfirst : 0u);
}

/// One SPI port as a polled master. Thread mode (or one interrupt), one user at a time.
class SpiMaster {
public:
    explicit constexpr SpiMaster(SpiPort port) noexcept : port_(port) {}

    /// Enables the port's clock and the SPI with `config`. False (nothing changed) if the
    /// config cannot be met (spi_cr1_for).
    [[nodiscard]] bool start(const SpiConfig& config) noexcept;

    /// Disables the SPI (after the last frame left).
    void stop() noexcept;

    /// Sends `count` bytes of `tx` (zeros if tx is null) and stores the bytes clocked in into
    /// `rx` (dropped if rx is null). False if the SPI stopped answering (a wait ran out: not
    /// started, or a mode fault); the bytes before that were transferred.
    [[nodiscard]] bool transfer(const std::uint8_t* tx, std::uint8_t* rx, std::size_t count) noexcept;

    /// The port's register block.
    [[nodiscard]] std::uintptr_t base() const noexcept;

private:
    SpiPort port_;
};

} // namespace ss::stm32
