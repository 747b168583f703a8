// SPI NOR flash of the common 25-series command set (Winbond W25Q, Macronix MX25L, ISSI IS25LP
// and the like) as an ss::BlockDevice: 4 KiB sector erase blocks, 256-byte page programs, reads
// of any length. 3-byte addressing only, so a part above 16 MiB is used for its first 16 MiB.
// Every program and erase is waited for before it returns (its status polls bounded), so an
// error is reported by the call that caused it and sync() has nothing left but a check.
#pragma once

#include <cstdint>

#include "ss/block_device.hpp"
#include "ss/stm32/spi_bus.hpp"

namespace ss::stm32 {

/// How many status reads a wait may take before it is a timeout. The defaults are above the
/// datasheets' worst cases (page program 3 ms, sector erase 400 ms, status write 15 ms) at the
/// fastest poll rate, one two-byte status read per microsecond.
struct SpiNorLimits {
    std::uint32_t program_polls = 10'000;
    std::uint32_t erase_polls = 1'000'000;
    std::uint32_t status_write_polls = 100'000;
};

class SpiNorFlash final : public BlockDevice {
public:
    static constexpr std::uint32_t page_bytes = 256;
    static constexpr std::uint32_t sector_bytes = 4096;
    static constexpr std::uint32_t max_bytes = 16u << 20; // what 3-byte addresses reach

    explicit SpiNorFlash(SpiBus& bus, SpiNorLimits limits = {}) noexcept : bus_(bus), limits_(limits) {}

    /// Identifies the part (JEDEC ID: manufacturer, type, capacity code = log2 of its size),
    /// waits out any operation left running, and clears the block-protect bits if set.
    /// io_error: no chip (ID 0x000000 or 0xFFFFFF), a capacity code outside 64 KiB..2 GiB,
    /// protection that does not clear (the WP# pin), or a timeout.
    Expected<void> start() noexcept;

    /// The JEDEC ID read by start(): manufacturer << 16 | type << 8 | capacity code.
    [[nodiscard]] std::uint32_t jedec_id() const noexcept { return jedec_id_; }

    const BlockGeometry& geometry() const noexcept override { return geometry_; }
    Expected<void> read(std::uint32_t block, std::uint32_t offset, void* out, std::uint32_t bytes) noexcept override;
    Expected<void> program(std::uint32_t block, std::uint32_t offset, const void* data,
                           std::uint32_t bytes) noexcept override;
    Expected<void> erase(std::uint32_t block) noexcept override;
    Expected<void> sync() noexcept override;

    /// Deep power-down (0xB9): the part ignores everything but wake() until woken.
    Expected<void> power_down() noexcept;
    /// Release from deep power-down (0xAB); the part takes tRES1 (3 us) before its next command.
    Expected<void> wake() noexcept;

private:
    Expected<void> command(const std::uint8_t* head, std::uint32_t head_bytes, const std::uint8_t* tx,
                           std::uint8_t* rx, std::uint32_t bytes) noexcept;
    Expected<std::uint8_t> read_status() noexcept;
    Expected<void> wait_ready(std::uint32_t polls) noexcept;
    Expected<void> enable_write() noexcept;
    Expected<void> check_range(std::uint32_t block, std::uint32_t offset, std::uint32_t bytes,
                               std::uint32_t align) const noexcept;

    SpiBus& bus_;
    SpiNorLimits limits_;
    BlockGeometry geometry_{1, page_bytes, sector_bytes, 0, 0xFF};
    std::uint32_t jedec_id_ = 0;
};

} // namespace ss::stm32
