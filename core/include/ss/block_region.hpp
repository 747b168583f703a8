// A run of erase blocks of a BlockDevice seen as a device of its own, so that one flash chip or
// card holds several things that must not touch each other: the flash log in most of it, the
// settings (configuration and calibration, ss/settings_store.hpp) in two blocks at its end.
// Everything passes through to the device; block numbers are shifted and bounded.
#pragma once

#include <cstdint>

#include "ss/block_device.hpp"

namespace ss {

class BlockRegion final : public BlockDevice {
public:
    /// Blocks [first, first + count) of `device`. A region outside the device has no blocks
    /// (every call is refused with invalid_argument): check valid() after building one.
    BlockRegion(BlockDevice& device, std::uint32_t first, std::uint32_t count) noexcept
        : device_(device), first_(first), geometry_(device.geometry()) {
        const bool fits = first <= geometry_.block_count && count <= geometry_.block_count - first;
        geometry_.block_count = fits ? count : 0;
    }

    bool valid() const noexcept { return geometry_.block_count != 0; }
    const BlockGeometry& geometry() const noexcept override { return geometry_; }

    Expected<void> read(std::uint32_t block, std::uint32_t offset, void* out, std::uint32_t bytes) noexcept override {
        if (block >= geometry_.block_count) return std::unexpected(Errc::invalid_argument);
        return device_.read(first_ + block, offset, out, bytes);
    }
    Expected<void> program(std::uint32_t block, std::uint32_t offset, const void* data,
                           std::uint32_t bytes) noexcept override {
        if (block >= geometry_.block_count) return std::unexpected(Errc::invalid_argument);
        return device_.program(first_ + block, offset, data, bytes);
    }
    Expected<void> erase(std::uint32_t block) noexcept override {
        if (block >= geometry_.block_count) return std::unexpected(Errc::invalid_argument);
        return device_.erase(first_ + block);
    }
    Expected<void> sync() noexcept override { return device_.sync(); }

private:
    BlockDevice& device_;
    std::uint32_t first_;
    BlockGeometry geometry_;
};

} // namespace ss
