// The storage a cold tier on the MCU writes to: a small block device, as SPI NOR flash and SD
// cards in SPI mode present themselves (issue 15). The core's flash tier is written against this
// interface alone; drivers (stm32/drivers) and the emulated device of the power-loss tests
// (tests/support) implement it.
//
// The model is NOR flash's, which is the stricter of the two: a byte may be programmed once after
// its block was erased (a program only clears bits), and an erase sets a whole block to
// `erased_byte`. A device that can overwrite (an SD card) simply never refuses a program; a tier
// that keeps to the NOR rules runs on both.
//
// Power loss: a program or erase cut short leaves its range with unspecified content (a torn page
// program, a half-erased block); everything programmed before the last successful sync() stays.
// Nothing else is promised, so a tier must find its state again from CRC-checked content alone.
#pragma once

#include <cstdint>

#include "ss/expected.hpp"

namespace ss {

/// Sizes of a block device. Every size is a power of two; program_bytes divides erase_bytes,
/// read_bytes divides program_bytes.
struct BlockGeometry {
    std::uint32_t read_bytes = 1;       ///< reads start and end on multiples of this
    std::uint32_t program_bytes = 256;  ///< programs start and end on multiples of this (a page)
    std::uint32_t erase_bytes = 4096;   ///< one erase block
    std::uint32_t block_count = 0;      ///< erase blocks on the device
    std::uint8_t erased_byte = 0xFF;    ///< what an erased byte reads as
};

class BlockDevice {
public:
    virtual const BlockGeometry& geometry() const noexcept = 0;
    /// Reads `bytes` at `offset` of erase block `block`. io_error if the device failed;
    /// invalid_argument if the range is outside the device or not aligned to read_bytes.
    virtual Expected<void> read(std::uint32_t block, std::uint32_t offset, void* out,
                                std::uint32_t bytes) noexcept = 0;
    /// Programs `bytes` at `offset` of `block`, which must have been erased since that range was
    /// last programmed. Aligned to program_bytes. io_error if the device failed (the range's
    /// content is then unspecified).
    virtual Expected<void> program(std::uint32_t block, std::uint32_t offset, const void* data,
                                   std::uint32_t bytes) noexcept = 0;
    /// Erases one block. io_error if the device failed (the block's content is then unspecified).
    virtual Expected<void> erase(std::uint32_t block) noexcept = 0;
    /// Returns once everything programmed and erased before it would survive a power cut.
    virtual Expected<void> sync() noexcept = 0;

protected:
    ~BlockDevice() = default;
};

} // namespace ss
