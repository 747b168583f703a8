// A block device in a host file, through semihosting (ports/arm-cm4/semihosting.hpp), for the
// firmware tests that cut the power: the file outlives QEMU, so a test can kill QEMU (SIGKILL =
// a power cut) and boot again on the same flash. NOR rules as block_device.hpp states them: a
// program may only clear bits (one that would set a bit from 0 to 1 is refused and counted, the
// range left as it was), an erase sets the block to 0xFF.
//
// What a cut leaves: every SYS_WRITE is done by QEMU with the host's write(2) before the trap
// returns, so a write QEMU completed is in the file after a kill, and one it had not started is
// not. A program is written in chunks of `chunk_bytes` and an erase in chunks too, so that a
// cut can tear a page or leave a block half erased, as on a chip. There is no write cache:
// sync() has nothing to push (NOR flash programs through as well).
#pragma once

#include <cstddef>
#include <cstdint>

#include "semihosting.hpp"
#include "ss/block_device.hpp"

namespace ss::stm32::test {

class SemihostingBlockDevice final : public BlockDevice {
public:
    /// Writes go to the host in pieces of this many bytes: the granularity of a torn program.
    static constexpr std::uint32_t chunk_bytes = 32;

    explicit constexpr SemihostingBlockDevice(BlockGeometry g) noexcept : geometry_(g) {}

    /// Opens `path`, which must exist and be exactly block_count × erase_bytes long (the host
    /// creates it, erased, for a new chip). invalid_argument for another length, io_error if it
    /// cannot be opened.
    Expected<void> open(const char* path) noexcept {
        if (geometry_.program_bytes % chunk_bytes != 0 || geometry_.erase_bytes % erase_chunk_bytes != 0)
            return std::unexpected(Errc::invalid_argument);
        handle_ = host_open(path, host_mode_update_binary);
        if (handle_ < 0) return std::unexpected(Errc::io_error);
        const std::int32_t length = host_file_length(handle_);
        if (length < 0 || static_cast<std::uint32_t>(length) != geometry_.block_count * geometry_.erase_bytes)
            return std::unexpected(Errc::invalid_argument);
        return {};
    }

    const BlockGeometry& geometry() const noexcept override { return geometry_; }

    Expected<void> read(std::uint32_t block, std::uint32_t offset, void* out, std::uint32_t bytes) noexcept override {
        if (!fits(block, offset, bytes)) return std::unexpected(Errc::invalid_argument);
        ++reads_;
        if (!host_seek(handle_, position(block, offset)) || !host_read(handle_, out, bytes))
            return std::unexpected(Errc::io_error);
        return {};
    }

    Expected<void> program(std::uint32_t block, std::uint32_t offset, const void* data,
                           std::uint32_t bytes) noexcept override {
        if (!fits(block, offset, bytes) || offset % geometry_.program_bytes != 0 || bytes % geometry_.program_bytes != 0)
            return std::unexpected(Errc::invalid_argument);
        const auto* from = static_cast<const std::byte*>(data);
        // NOR: a program only clears bits. Read what is there first and refuse the whole
        // program if any bit would have to go from 0 to 1 (the tier broke the erase rule).
        for (std::uint32_t done = 0; done < bytes; done += chunk_bytes) {
            std::byte now[chunk_bytes];
            if (!host_seek(handle_, position(block, offset + done)) || !host_read(handle_, now, chunk_bytes))
                return std::unexpected(Errc::io_error);
            for (std::uint32_t i = 0; i < chunk_bytes; ++i) {
                if ((now[i] & from[done + i]) != from[done + i]) {
                    ++violations_;
                    return std::unexpected(Errc::invalid_argument);
                }
            }
        }
        ++programs_;
        for (std::uint32_t done = 0; done < bytes; done += chunk_bytes) {
            if (!host_seek(handle_, position(block, offset + done)) || !host_write_file(handle_, from + done, chunk_bytes))
                return std::unexpected(Errc::io_error);
        }
        return {};
    }

    Expected<void> erase(std::uint32_t block) noexcept override {
        if (block >= geometry_.block_count) return std::unexpected(Errc::invalid_argument);
        ++erases_;
        std::byte erased[erase_chunk_bytes];
        for (auto& b : erased) b = std::byte{geometry_.erased_byte};
        for (std::uint32_t done = 0; done < geometry_.erase_bytes; done += erase_chunk_bytes) {
            if (!host_seek(handle_, position(block, done)) || !host_write_file(handle_, erased, erase_chunk_bytes))
                return std::unexpected(Errc::io_error);
        }
        return {};
    }

    /// Every completed program and erase is already in the host's file.
    Expected<void> sync() noexcept override {
        ++syncs_;
        return {};
    }

    /// Programs refused because they would have set a bit (the tier's bug if not 0).
    std::uint32_t violations() const noexcept { return violations_; }
    std::uint32_t reads() const noexcept { return reads_; }
    std::uint32_t programs() const noexcept { return programs_; }
    std::uint32_t erases() const noexcept { return erases_; }
    std::uint32_t syncs() const noexcept { return syncs_; }

private:
    static constexpr std::uint32_t erase_chunk_bytes = 512;

    bool fits(std::uint32_t block, std::uint32_t offset, std::uint32_t bytes) const noexcept {
        return handle_ >= 0 && block < geometry_.block_count && offset <= geometry_.erase_bytes &&
               bytes <= geometry_.erase_bytes - offset;
    }
    std::uint32_t position(std::uint32_t block, std::uint32_t offset) const noexcept {
        return block * geometry_.erase_bytes + offset;
    }

    BlockGeometry geometry_;
    int handle_ = -1;
    std::uint32_t violations_ = 0;
    std::uint32_t reads_ = 0;
    std::uint32_t programs_ = 0;
    std::uint32_t erases_ = 0;
    std::uint32_t syncs_ = 0;
};

} // namespace ss::stm32::test
