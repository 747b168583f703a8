// The on-flash log behind the MCU cold tier (issue 15): sealed sectors of every sensor appended
// as CRC-checked units to one circular log over a BlockDevice's erase blocks, acknowledgements
// kept as ack units, space given back in ring order once nothing in a block is needed.
// docs/flash-format.md describes the format byte by byte, the mount, the full policy and what a
// power cut leaves.
//
// Freestanding: no heap, no exceptions, no OS calls, no clock. The caller hands in every byte of
// RAM the log uses (FlashLogMemory); nothing is allocated.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ss/block_device.hpp"
#include "ss/expected.hpp"
#include "ss/sector_format.hpp"

namespace ss {

/// One stream of the log: one sensor's sectors (source, id, record type).
struct FlashStreamKey {
    std::uint32_t source = 0;
    std::uint32_t id = 0;
    RecordType type = RecordType::ts;
    friend bool operator==(const FlashStreamKey&, const FlashStreamKey&) = default;
};

/// Where a unit lies: the sequence number of its block and its first page in that block.
struct FlashLocation {
    std::uint32_t block_seq = 0;
    std::uint32_t page = 0;
};

/// The RAM the log keeps per stream (FlashLogMemory::streams holds one per sensor): 72 bytes, so
/// 7.2 KiB for the MCU's 100 sensors. Fields ordered so that no padding is wasted on either target.
struct FlashStream {
    FlashStreamKey key;
    bool used = false;
    bool ack_dirty = false;           ///< acked_end not yet in an ack unit on the device
    std::uint32_t mark_block = 0;     ///< block sequence of the newest ack entry on the device
    std::uint32_t dropped_units = 0;  ///< units dropped unsent (the device was full), since mount
    std::uint64_t acked_end = 0;      ///< records below this are acknowledged
    std::uint64_t sent_end = 0;       ///< records below this were handed out (pending if ≥ acked_end)
    std::uint64_t dropped_end = 0;    ///< records below this were dropped (the device was full)
    std::uint64_t last_end = 0;       ///< end of the newest unit appended: appends continue from it
    std::uint64_t dropped_records = 0;
    FlashLocation cursor;             ///< where the search for the next unsent unit starts
};
static_assert(sizeof(FlashStream) == 72, "the per-stream RAM docs/flash-format.md states");

/// Memory the caller gives the log: `stream_capacity` stream slots and one page buffer of the
/// device's program_bytes (any alignment).
struct FlashLogMemory {
    FlashStream* streams = nullptr;
    std::uint32_t stream_capacity = 0;
    std::byte* page = nullptr;
};

struct FlashLogStats {
    std::uint64_t units_appended = 0;   ///< data units written since mount
    std::uint64_t payload_bytes = 0;    ///< sector bytes in them
    std::uint64_t bytes_programmed = 0; ///< everything programmed (units, ack units, block headers)
    std::uint64_t erases = 0;
    std::uint64_t ack_units = 0;        ///< ack units written (acknowledgements and checkpoints)
    std::uint64_t live_units = 0;       ///< valid data units found by the mount in live blocks
    std::uint64_t dropped_units = 0;    ///< unsent units dropped to make room (all streams)
    std::uint64_t dropped_records = 0;
    std::uint64_t refused_appends = 0;  ///< appends refused: the oldest block holds pending data
    std::uint64_t corrupt_units = 0;    ///< invalid units skipped (mount, and reads since)
    std::uint32_t corrupt_blocks = 0;   ///< blocks whose header is neither valid nor erased
    bool formatted = false;             ///< the mount found a blank device and formatted it
};

/// Erase counts read from the block headers (blocks never written count as 0).
struct FlashWear {
    std::uint32_t min = 0;
    std::uint32_t max = 0;
};

/// A data unit handed out by read_next.
struct FlashUnitInfo {
    std::uint64_t first_seq = 0;
    std::uint32_t count = 0;
    std::uint32_t bytes = 0;
    FlashLocation at;
    std::uint32_t corrupt_skipped = 0; ///< find_unit: units of the stream skipped on the way, failing their CRC
    std::uint64_t corrupt_records = 0; ///< the records their headers named
};

class FlashLog {
public:
    FlashLog(BlockDevice& device, const FlashLogMemory& memory) noexcept : dev_(device), mem_(memory) {}

    /// Finds the log's state from the device alone. A device that is entirely erased is
    /// formatted; anything else is never formatted here: invalid blocks and units are skipped
    /// and counted. invalid_argument if the geometry or memory cannot hold the log; io_error if
    /// the device fails or holds no valid block but is not blank.
    Expected<void> mount() noexcept;
    /// Erases the whole device and starts an empty log (the only call that discards data).
    Expected<void> format() noexcept;

    /// Appends one sealed sector of `key`'s stream (its bytes as they are). invalid_argument
    /// (nothing written) for a sector that is not one of key.type, holds no record, starts below
    /// the stream's last end, does not fit a block, or when no stream slot is left; no_space
    /// (counted) when the oldest block holds pending data and no room is left.
    Expected<FlashLocation> append(const FlashStreamKey& key, const std::byte* sector, std::uint32_t bytes) noexcept;
    /// Copies the oldest unsent unit of the stream to `out` and marks it pending. try_again when
    /// there is none; invalid_argument for an unknown stream or an `out` too small (nothing moved).
    Expected<FlashUnitInfo> read_next(const FlashStreamKey& key, std::byte* out, std::uint32_t capacity) noexcept;
    /// Makes the stream's pending units unsent again (an upload failed).
    Expected<void> rewind(const FlashStreamKey& key) noexcept;
    /// Acknowledges the stream's records below end_seq, which may not pass what was handed out
    /// (invalid_argument). Kept in RAM and written by the next sync (one ack unit for all the
    /// streams acknowledged since) or the next checkpoint: a cut before that re-sends, never loses.
    Expected<void> acknowledge(const FlashStreamKey& key, std::uint64_t end_seq) noexcept;
    /// For a caller that serves records itself (the cold tier hands out parts of units and spills
    /// records already served from RAM): the stream's records below end_seq are handed out, so
    /// the full policy keeps those above the acknowledged ones as pending. Adds the stream if it
    /// is new (invalid_argument when no slot is left). end_seq may lie past the stream's end: an
    /// acknowledgement up to it then makes the numbering continue there after a mount.
    Expected<void> mark_sent(const FlashStreamKey& key, std::uint64_t end_seq) noexcept;
    /// Copies to `out` (nullptr: only checks) the first valid unit of the stream that holds a
    /// record at or above from_seq and above the acknowledged and dropped ones, searching from
    /// `hint` on (a location no such unit precedes; {0, 0} for the tail). Nothing moves and
    /// nothing is counted: units failing their CRC on the way are reported in the answer, which
    /// has count 0 when no unit was found. invalid_argument for an unknown stream or a small `out`.
    Expected<FlashUnitInfo> find_unit(const FlashStreamKey& key, std::uint64_t from_seq, FlashLocation hint,
                                      std::byte* out, std::uint32_t capacity) noexcept;
    /// Makes everything appended and acknowledged so far survive a power cut. An acknowledgement
    /// stays in RAM (FlashStream::ack_dirty) while the device is full of pending data.
    Expected<void> sync() noexcept;

    const FlashLogStats& stats() const noexcept { return stats_; }
    const BlockGeometry& geometry() const noexcept { return dev_.geometry(); }
    const FlashStream* stream(const FlashStreamKey& key) const noexcept;
    Expected<FlashWear> wear() noexcept;
    bool mounted() const noexcept { return mounted_; }
    /// Sequence numbers of the oldest live block and of the head block.
    std::uint32_t tail_seq() const noexcept { return tail_seq_; }
    std::uint32_t head_seq() const noexcept { return head_seq_; }
    /// Blocks in the ring (written since the tail), at most block_count.
    std::uint32_t live_blocks() const noexcept { return mounted_ ? head_seq_ - tail_seq_ + 1 : 0; }

private:
    struct UnitHeader;
    struct Walk;
    Expected<void> check_layout() const noexcept;
    Expected<void> start_empty(bool erase_all) noexcept;
    std::uint32_t phys_of(std::uint32_t seq) const noexcept;
    Expected<bool> is_member(std::uint32_t seq) noexcept;
    std::uint32_t pages_for(std::uint32_t bytes) const noexcept;
    bool page_erased() const noexcept;
    Expected<bool> read_block_header(std::uint32_t block, std::uint32_t& seq, std::uint32_t& tail,
                                     std::uint32_t& erase_count) noexcept;
    template <class Visit>
    Expected<void> walk(std::uint32_t block_seq, std::uint32_t from_page, Walk& w, Visit&& visit) noexcept;
    Expected<bool> payload_ok(std::uint32_t block, std::uint32_t page, const UnitHeader& h, std::byte* copy_to) noexcept;
    Expected<void> program_unit(UnitHeader& h, const std::byte* payload, bool acks) noexcept;
    Expected<FlashLocation> write_unit(UnitHeader& h, const std::byte* payload, bool acks) noexcept;
    Expected<void> move_head() noexcept;
    Expected<void> reclaim_tail(bool& checkpointed) noexcept;
    Expected<void> flush_acks() noexcept;
    FlashStream* find(const FlashStreamKey& key) const noexcept;
    FlashStream* find_or_add(const FlashStreamKey& key) noexcept;
    static void encode_ack_entry(const FlashStream& s, std::byte* entry) noexcept;
    Expected<void> read_ack_entry(std::uint32_t block, std::uint32_t page, std::uint32_t index, std::byte* entry) noexcept;
    Expected<void> program_block_header(std::uint32_t block, std::uint32_t seq, std::uint32_t erase_count) noexcept;

    BlockDevice& dev_;
    FlashLogMemory mem_;
    FlashLogStats stats_{};
    bool mounted_ = false;
    std::uint32_t pages_per_block_ = 0;
    std::uint32_t checkpoint_pages_ = 0; ///< pages of an ack unit naming every stream slot
    std::uint32_t head_block_ = 0;       ///< physical block of the head
    std::uint32_t head_seq_ = 0;
    std::uint32_t tail_seq_ = 0;         ///< oldest live block
    std::uint32_t head_page_ = 0;        ///< next free page of the head block
    std::uint32_t head_erase_count_ = 0; ///< the head block's erase count: the estimate for its successor
    std::uint32_t ack_leaving_seq_ = 0;  ///< while a checkpoint is written: the block leaving the ring
};

namespace flash_format {
inline constexpr std::uint32_t block_magic = 0x4C465353; // "SSFL"
inline constexpr std::uint8_t version = 1;
inline constexpr std::uint32_t block_header_bytes = 32;
inline constexpr std::uint8_t unit_magic = 0xF5;
inline constexpr std::uint32_t unit_header_bytes = 32;
inline constexpr std::uint8_t kind_data = 1;
inline constexpr std::uint8_t kind_acks = 2;
inline constexpr std::uint32_t ack_entry_bytes = 20;
inline constexpr std::uint32_t min_program_bytes = 64;
} // namespace flash_format

} // namespace ss
