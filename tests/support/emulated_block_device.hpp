// A RAM-backed BlockDevice with NOR rules, counters and power cuts, for the flash log's tests
// (in the spirit of littlefs's emulated block device): fast enough to cut the power at every
// program and erase of a workload.
//
// NOR rules: an erase sets a block to erased_byte; a program may only land on erased bytes.
// A program onto a byte that is not erased is the tier's bug: it is counted (violations()) and
// described (first_violation()), then carried out as an overwrite so the test can go on.
//
// Power cuts: arm_cut(n, how) cuts the power at the n-th program or erase from then (0 = the
// next one). The cut operation is left not done, done, or torn as `how` says, and fails with
// io_error, as does every operation after it until power_on(). With lose_unsynced (an SD card's
// write cache), everything programmed or erased since the last sync() is lost at the cut.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ss/block_device.hpp"

namespace ss::test {

enum class Cut : std::uint8_t {
    not_done,   ///< the operation never started
    done,       ///< it completed, the power went right after
    torn,       ///< a program: a prefix landed, then some bits of the rest; an erase: a prefix erased
};

class EmulatedBlockDevice final : public BlockDevice {
public:
    explicit EmulatedBlockDevice(BlockGeometry g, bool lose_unsynced = false)
        : geometry_(g), lose_unsynced_(lose_unsynced),
          data_(std::size_t{g.erase_bytes} * g.block_count, g.erased_byte), synced_(data_),
          erase_counts_(g.block_count, 0) {}

    /// NOR flash: 256 B pages, 4 KiB erase blocks.
    static BlockGeometry nor(std::uint32_t blocks) { return {1, 256, 4096, blocks, 0xFF}; }
    /// An SD card in SPI mode as the log sees it: 512 B blocks read and written whole, erased to 0.
    static BlockGeometry sd(std::uint32_t blocks) { return {512, 512, 8192, blocks, 0x00}; }

    const BlockGeometry& geometry() const noexcept override { return geometry_; }

    Expected<void> read(std::uint32_t block, std::uint32_t offset, void* out, std::uint32_t bytes) noexcept override {
        if (!powered_) return std::unexpected(Errc::io_error);
        if (!in_range(block, offset, bytes, geometry_.read_bytes)) return std::unexpected(Errc::invalid_argument);
        ++reads_;
        std::memcpy(out, data_.data() + at(block, offset), bytes);
        return {};
    }

    Expected<void> program(std::uint32_t block, std::uint32_t offset, const void* data, std::uint32_t bytes) noexcept override {
        if (!powered_) return std::unexpected(Errc::io_error);
        if (!in_range(block, offset, bytes, geometry_.program_bytes)) return std::unexpected(Errc::invalid_argument);
        const auto* src = static_cast<const std::uint8_t*>(data);
        std::uint8_t* dst = data_.data() + at(block, offset);
        for (std::uint32_t i = 0; i < bytes; ++i) {
            if (dst[i] != geometry_.erased_byte && violations_++ == 0)
                first_violation_ = "program over a programmed byte: block " + std::to_string(block) + " offset " +
                                   std::to_string(offset + i);
        }
        ++programs_;
        if (cut_now()) {
            if (cut_how_ == Cut::done) std::memcpy(dst, src, bytes);
            if (cut_how_ == Cut::torn) {
                const std::uint32_t prefix = static_cast<std::uint32_t>(next_random() % bytes);
                std::memcpy(dst, src, prefix);
                // The rest got part of the way: some of the bits the program clears are cleared.
                for (std::uint32_t i = prefix; i < bytes; ++i)
                    dst[i] = static_cast<std::uint8_t>(dst[i] & (src[i] | static_cast<std::uint8_t>(next_random())));
            }
            return power_cut();
        }
        std::memcpy(dst, src, bytes);
        bytes_programmed_ += bytes;
        return {};
    }

    Expected<void> erase(std::uint32_t block) noexcept override {
        if (!powered_) return std::unexpected(Errc::io_error);
        if (block >= geometry_.block_count) return std::unexpected(Errc::invalid_argument);
        ++erases_;
        std::uint8_t* dst = data_.data() + at(block, 0);
        if (cut_now()) {
            if (cut_how_ == Cut::done) std::memset(dst, geometry_.erased_byte, geometry_.erase_bytes);
            if (cut_how_ == Cut::torn) {
                const std::uint32_t prefix = static_cast<std::uint32_t>(next_random() % geometry_.erase_bytes);
                std::memset(dst, geometry_.erased_byte, prefix);
                // A half-erased cell reads as anything.
                for (std::uint32_t i = prefix; i < prefix + 64 && i < geometry_.erase_bytes; ++i)
                    dst[i] = static_cast<std::uint8_t>(next_random());
            }
            return power_cut();
        }
        std::memset(dst, geometry_.erased_byte, geometry_.erase_bytes);
        ++erase_counts_[block];
        return {};
    }

    Expected<void> sync() noexcept override {
        if (!powered_) return std::unexpected(Errc::io_error);
        ++syncs_;
        synced_ = data_;
        return {};
    }

    /// Cuts the power at the n-th program or erase from now (0 = the next), left as `how` says.
    void arm_cut(std::uint64_t n, Cut how, std::uint64_t seed = 1) {
        cut_at_ = programs_ + erases_ + n + 1;
        cut_how_ = how;
        random_ = seed * 0x9E3779B97F4A7C15ull + 1;
    }
    void disarm() { cut_at_ = 0; }
    bool powered() const { return powered_; }
    void power_on() { powered_ = true; }

    /// Flips bits of one byte (rot, a stray write) without counting it as an operation.
    void corrupt(std::uint32_t block, std::uint32_t offset, std::uint8_t mask = 0x01) {
        data_[at(block, offset)] ^= mask;
        synced_[at(block, offset)] ^= mask;
    }
    const std::uint8_t* raw(std::uint32_t block) const { return data_.data() + at(block, 0); }

    std::uint64_t reads() const { return reads_; }
    std::uint64_t programs() const { return programs_; }
    std::uint64_t erases() const { return erases_; }
    std::uint64_t operations() const { return programs_ + erases_; }
    std::uint64_t syncs() const { return syncs_; }
    std::uint64_t bytes_programmed() const { return bytes_programmed_; }
    const std::vector<std::uint32_t>& erase_counts() const { return erase_counts_; }
    std::uint64_t violations() const { return violations_; }
    const std::string& first_violation() const { return first_violation_; }

private:
    std::size_t at(std::uint32_t block, std::uint32_t offset) const {
        return std::size_t{block} * geometry_.erase_bytes + offset;
    }
    bool in_range(std::uint32_t block, std::uint32_t offset, std::uint32_t bytes, std::uint32_t align) const {
        return block < geometry_.block_count && offset % align == 0 && bytes % align == 0 &&
               std::uint64_t{offset} + bytes <= geometry_.erase_bytes;
    }
    bool cut_now() const { return cut_at_ != 0 && programs_ + erases_ == cut_at_; }
    Expected<void> power_cut() {
        powered_ = false;
        cut_at_ = 0;
        if (lose_unsynced_) data_ = synced_;
        return std::unexpected(Errc::io_error);
    }
    std::uint64_t next_random() {
        random_ ^= random_ << 13;
        random_ ^= random_ >> 7;
        random_ ^= random_ << 17;
        return random_;
    }

    BlockGeometry geometry_;
    bool lose_unsynced_;
    std::vector<std::uint8_t> data_;
    std::vector<std::uint8_t> synced_;
    std::vector<std::uint32_t> erase_counts_;
    bool powered_ = true;
    std::uint64_t cut_at_ = 0;
    Cut cut_how_ = Cut::not_done;
    std::uint64_t random_ = 1;
    std::uint64_t reads_ = 0, programs_ = 0, erases_ = 0, syncs_ = 0, bytes_programmed_ = 0, violations_ = 0;
    std::string first_violation_;
};

} // namespace ss::test
