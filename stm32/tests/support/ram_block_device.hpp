// A block device in plain SRAM for the firmware tests of the flash cold tier: NOR rules (a
// program only clears bits of erased bytes, an erase sets a block to 0xFF), no power cuts (the
// host suites cut the power; here a reset is a new engine over the same RAM).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ss/block_device.hpp"

namespace ss::stm32::test {

class RamBlockDevice final : public BlockDevice {
public:
    /// `bytes` of `memory` (block_count × erase_bytes of `g`), left as they are: a device that
    /// already holds a log keeps it.
    constexpr RamBlockDevice(std::byte* memory, BlockGeometry g) noexcept : memory_(memory), geometry_(g) {}

    const BlockGeometry& geometry() const noexcept override { return geometry_; }
    Expected<void> read(std::uint32_t block, std::uint32_t offset, void* out, std::uint32_t bytes) noexcept override {
        if (!fits(block, offset, bytes)) return std::unexpected(Errc::invalid_argument);
        std::memcpy(out, at(block, offset), bytes);
        return {};
    }
    Expected<void> program(std::uint32_t block, std::uint32_t offset, const void* data, std::uint32_t bytes) noexcept override {
        if (!fits(block, offset, bytes)) return std::unexpected(Errc::invalid_argument);
        std::byte* to = at(block, offset);
        const auto* from = static_cast<const std::byte*>(data);
        for (std::uint32_t i = 0; i < bytes; ++i) {
            if (to[i] != std::byte{geometry_.erased_byte}) ++violations_;
            to[i] &= from[i];
        }
        return {};
    }
    Expected<void> erase(std::uint32_t block) noexcept override {
        if (block >= geometry_.block_count) return std::unexpected(Errc::invalid_argument);
        std::memset(at(block, 0), geometry_.erased_byte, geometry_.erase_bytes);
        return {};
    }
    Expected<void> sync() noexcept override { return {}; }

    /// Programs onto bytes that were not erased: the tier's bug, counted.
    std::uint32_t violations() const noexcept { return violations_; }

private:
    bool fits(std::uint32_t block, std::uint32_t offset, std::uint32_t bytes) const noexcept {
        return block < geometry_.block_count && offset <= geometry_.erase_bytes && bytes <= geometry_.erase_bytes - offset;
    }
    std::byte* at(std::uint32_t block, std::uint32_t offset) const noexcept {
        return memory_ + std::size_t{block} * geometry_.erase_bytes + offset;
    }

    std::byte* memory_;
    BlockGeometry geometry_;
    std::uint32_t violations_ = 0;
};

} // namespace ss::stm32::test
