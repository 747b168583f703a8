// Configuration and calibration kept on the MCU's flash or SD card (issue 15, seed 004): a blob
// the application serialises, stored with a CRC32C in one of two slots so that a power cut while
// saving leaves the previous copy whole, and read back after writing so that a copy that did not
// land as written is reported at once, not found at the next boot.
//
// Two slots of equal size over a BlockDevice (usually a BlockRegion of two erase blocks at the
// end of the device). A save writes the slot that does not hold the newest valid copy: erase,
// program page by page, sync, read back and compare. A load takes the valid copy with the newest
// generation. docs/settings-format.md has the record byte by byte.
//
// Freestanding: no heap, no exceptions, no OS calls. The caller hands in one page buffer of the
// device's program_bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ss/block_device.hpp"
#include "ss/expected.hpp"

namespace ss {

/// What a load found.
struct SettingsLoad {
    bool found = false;            ///< a valid copy was read into the caller's buffer
    std::uint32_t bytes = 0;       ///< its length
    std::uint32_t generation = 0;  ///< its generation (each save is the newest's + 1)
    std::uint32_t slot = 0;        ///< the slot it came from (0 or 1)
    std::uint32_t invalid_slots = 0; ///< slots holding something that is not a valid copy of this kind
};

class SettingsStore {
public:
    /// Bytes of the record header before the caller's data.
    static constexpr std::uint32_t header_bytes = 24;

    /// Settings of `kind` (the caller's tag: a copy of another kind is never loaded) over
    /// `device`, whose blocks are split into two slots; `page` holds program_bytes.
    SettingsStore(BlockDevice& device, std::uint8_t kind, std::byte* page) noexcept
        : dev_(device), kind_(kind), page_(page) {}

    /// The largest blob a slot holds; 0 if the device cannot hold two slots.
    std::uint32_t capacity() const noexcept;

    /// Reads the newest valid copy into out (at most `capacity` bytes). found = false when no
    /// slot holds a valid copy (never saved, or both damaged: invalid_slots says which).
    /// no_space if the newest copy is longer than `capacity` (nothing read); io_error if the
    /// device failed.
    Expected<SettingsLoad> load(void* out, std::uint32_t capacity) noexcept;

    /// Saves `bytes` of data as the new newest copy and returns its generation once it has been
    /// synced, read back and found exact. invalid_argument if it does not fit a slot (nothing
    /// touched); io_error if the device failed or the copy read back differs — the previous copy
    /// is still whole in the other slot either way.
    Expected<std::uint32_t> save(const void* data, std::uint32_t bytes) noexcept;

private:
    struct Slot {
        bool valid = false;
        bool erased = false;
        std::uint32_t generation = 0;
        std::uint32_t bytes = 0;
    };
    std::uint32_t slot_blocks() const noexcept;
    Expected<Slot> inspect(std::uint32_t slot) noexcept;
    Expected<void> read_header(std::uint32_t slot, std::byte* header) noexcept;
    /// Reads the slot's data (after the header) into out when out is not null, and returns the
    /// CRC32C continued over it from `crc` (the header's first 20 bytes).
    Expected<std::uint32_t> read_data(std::uint32_t slot, std::uint32_t bytes, std::uint32_t crc, void* out) noexcept;

    BlockDevice& dev_;
    std::uint8_t kind_;
    std::byte* page_;
};

} // namespace ss
