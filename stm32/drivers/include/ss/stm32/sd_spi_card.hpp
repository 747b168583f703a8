// An SD card in SPI mode as an ss::BlockDevice of 512-byte blocks: SDSC (v1 and v2, byte
// addresses) and SDHC/SDXC (block addresses), single-block reads (CMD17) and writes (CMD24),
// CRC checking switched on (CMD59) so the card refuses a corrupted command or data block and
// the driver refuses a corrupted read.
//
// The NOR rules of block_device.hpp on a card that overwrites: an erase block is a group of
// `cards_blocks_per_erase` 512-byte card blocks (default 16 = 8 KiB, because the flash log wants
// several pages per erase block; 1 gives plain 512-byte erase blocks), erased_byte is 0xFF, and
// erase(block) writes the group full of 0xFF (real writes, as durable as a program), so an
// erased block reads as erased on every card whatever its DATA_STAT_AFTER_ERASE. A program may
// land on any block, erased or not: nothing refuses it. Reads and programs are whole 512-byte
// card blocks, one CMD17 or CMD24 each.
// Every write is waited for (busy, then CMD13 status) before it returns; sync() only checks the
// card is not busy.
#pragma once

#include <cstdint>

#include "ss/block_device.hpp"
#include "ss/stm32/spi_bus.hpp"

namespace ss::stm32 {

/// Bounds on every wait, in tries or bytes clocked. The defaults cover the specification's
/// worst cases: initialisation (ACMD41) up to 1 s at about 0.5 ms a round at 400 kHz, a read's
/// access time up to 100 ms and a write's busy up to 500 ms at 25 MHz (0.32 us a byte).
struct SdSpiLimits {
    std::uint32_t reset_tries = 10;
    std::uint32_t init_tries = 4'000;
    std::uint32_t token_bytes = 400'000;
    std::uint32_t busy_bytes = 2'000'000;
    std::uint32_t init_clock_hz = 400'000;     ///< the specification's ceiling until the card is ready
    std::uint32_t transfer_clock_hz = 25'000'000; ///< default-speed mode
};

/// What start() found.
enum class SdCardKind : std::uint8_t { none, sdsc_v1, sdsc_v2, sdhc };

class SdSpiCard final : public BlockDevice {
public:
    static constexpr std::uint32_t block_bytes = 512;

    /// `card_blocks_per_erase`: a power of two, at least 1.
    explicit SdSpiCard(SpiBus& bus, std::uint32_t card_blocks_per_erase = 16, SdSpiLimits limits = {}) noexcept
        : bus_(bus), limits_(limits), per_erase_(card_blocks_per_erase) {
        geometry_.erase_bytes = block_bytes * per_erase_;
    }

    /// Power-up clocks, CMD0 to idle, CMD8 (SDv2 check), CMD59 (CRC on), ACMD41 until ready,
    /// CMD58 (CCS: block or byte addresses), CMD16 512 for SDSC, CMD9 (capacity), then the
    /// transfer clock. io_error: no card, a refused voltage, not ready in init_tries, or any
    /// response that breaks the protocol.
    Expected<void> start() noexcept;

    [[nodiscard]] SdCardKind kind() const noexcept { return kind_; }

    const BlockGeometry& geometry() const noexcept override { return geometry_; }
    Expected<void> read(std::uint32_t block, std::uint32_t offset, void* out, std::uint32_t bytes) noexcept override;
    Expected<void> program(std::uint32_t block, std::uint32_t offset, const void* data,
                           std::uint32_t bytes) noexcept override;
    Expected<void> erase(std::uint32_t block) noexcept override;
    Expected<void> sync() noexcept override;

private:
    Expected<std::uint8_t> command(std::uint8_t index, std::uint32_t argument) noexcept;
    Expected<std::uint8_t> app_command(std::uint8_t index, std::uint32_t argument) noexcept;
    Expected<void> end() noexcept;
    Expected<void> wait_not_busy() noexcept;
    Expected<void> receive_block(std::uint8_t* out, std::uint32_t bytes) noexcept;
    Expected<void> write_block(std::uint32_t card_block, const std::uint8_t* data) noexcept;
    Expected<void> initialise() noexcept;
    Expected<void> check_range(std::uint32_t block, std::uint32_t offset, std::uint32_t bytes) const noexcept;
    [[nodiscard]] std::uint32_t address_of(std::uint32_t card_block) const noexcept;

    SpiBus& bus_;
    SdSpiLimits limits_;
    std::uint32_t per_erase_;
    BlockGeometry geometry_{block_bytes, block_bytes, block_bytes, 0, 0xFF};
    SdCardKind kind_ = SdCardKind::none;
};

} // namespace ss::stm32
