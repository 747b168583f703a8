// The MCU's cold tier (issue 15): the engine's ColdTier over the flash log (ss/flash_log.hpp),
// so that a board with SPI NOR flash or an SD card keeps what the RAM pool cannot hold, behind
// the same engine interface as the Linux disk tier. docs/flash-format.md describes how the tier
// uses the log; docs/porting.md what a board hands in.
//
// Each sensor is one stream of the log. Spilled sectors are appended at once (under the tier's
// lock, by the manager's tick); a tick syncs the device, which makes the appends and the
// acknowledgements since durable together. The log is shared by every stream, so one lock
// serves every sensor: lock(slot) takes it whatever the slot.
//
// Numbering: a restart continues above the newest record the log holds or acknowledged, so a
// number may only be handed out once it is durably in the log (seq_limit): RAM records become
// uploadable when a spill and a sync have carried them to flash (the engine's periodic seal and
// spill bounds that delay).
//
// Freestanding: no heap, no exceptions, no clock; the caller hands in every byte it uses.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ss/cold_tier.hpp"
#include "ss/flash_log.hpp"
#include "ss/port.hpp"

namespace ss {

class Engine;

/// The tier's RAM for one sensor (FlashColdTierMemory::sensors holds one per engine slot).
struct FlashColdSensor {
    FlashStreamKey key;
    bool attached = false;
    std::uint64_t retained = 0;        ///< records in the log not yet acknowledged or dropped
    std::uint64_t pending = 0;         ///< of them, handed out
    std::uint64_t acked_seq = 0;       ///< records below this are acknowledged
    std::uint64_t unsent_seq = 0;      ///< the next record to hand out is the first at or above this
    std::uint64_t appended_end = 0;    ///< past the newest record appended
    std::uint64_t durable_end = 0;     ///< numbers below this are durable in the log (seq_limit)
    std::uint64_t erased = 0;          ///< records erased after acknowledgement, since attach
    std::uint64_t dropped_full = 0;    ///< unsent records dropped because the device was full
    std::uint64_t corrupt_records = 0; ///< records lost with units that failed their CRC
    std::uint64_t log_dropped = 0;     ///< the log's count of the stream's dropped records, as last seen
    std::uint32_t corrupt_units = 0;
    FlashLocation unsent_at;           ///< where the unit holding unsent_seq was found
};
static_assert(sizeof(FlashColdSensor) == 112, "the per-sensor RAM docs/flash-format.md states");

/// Memory the caller gives the tier: a FlashColdSensor per engine sensor slot and a buffer of
/// the engine's sector_bytes for reading one unit back.
struct FlashColdTierMemory {
    FlashColdSensor* sensors = nullptr;
    std::uint32_t sensor_capacity = 0;
    std::byte* unit = nullptr;
};

/// Figures of the whole tier beyond SsSystemStats.
struct FlashColdTierFigures {
    FlashWear wear;                  ///< erase counts over the device's blocks
    std::uint64_t payload_bytes = 0; ///< sector bytes appended since mount
    std::uint64_t bytes_programmed = 0;
    std::uint32_t write_amplification_pct = 0; ///< bytes_programmed over payload_bytes, percent
    std::uint64_t dropped_records = 0;         ///< unsent records dropped at full (all sensors)
    std::uint64_t lost_records = 0;            ///< records lost because an append failed
    std::uint32_t failed_syncs = 0;
};

class FlashColdTier final : public ColdTier {
public:
    /// `log` must be mounted. `lock` (a lock object of lock_ops, initialised by the caller) may
    /// be nullptr where the manager and the uploader run in one context (the MCU scheduler):
    /// it must not be the interrupt mask, since flash I/O is done under it.
    FlashColdTier(Engine& engine, FlashLog& log, const FlashColdTierMemory& memory,
                  const port::LockOps* lock_ops = nullptr, void* lock = nullptr) noexcept
        : engine_(engine), log_(log), mem_(memory), lock_ops_(lock_ops), lock_(lock) {}

    Expected<std::uint64_t> attach(std::uint32_t slot, SsSource source, std::uint32_t id,
                                   RecordType type) noexcept override;
    void lock(std::uint32_t slot) noexcept override;
    void unlock(std::uint32_t slot) noexcept override;
    std::uint64_t retained(std::uint32_t slot) const noexcept override { return mem_.sensors[slot].retained; }
    std::uint64_t pending(std::uint32_t slot) const noexcept override { return mem_.sensors[slot].pending; }
    Expected<Batch> consume(std::uint32_t slot, void* out, std::uint32_t max, BatchTime time) noexcept override;
    void erase_all_pending(std::uint32_t slot) noexcept override;
    /// The log acknowledges by record number, so a run may end inside a unit: the unit stays
    /// on flash until its block is reclaimed, its acknowledged records are never served again.
    void erase_pending_until(std::uint32_t slot, std::uint64_t end_seq) noexcept override;
    Expected<void> read_at(std::uint32_t slot, std::uint64_t offset, void* out) noexcept override;
    RangeStep read_range(std::uint32_t slot, std::uint64_t from, BatchCopy& copy) noexcept override;
    /// Acknowledges everything below head_seq in the log and syncs it at once.
    Expected<void> clear(std::uint32_t slot, std::uint64_t head_seq) noexcept override;
    /// Not while the device refuses appends (full of pending data): sectors then stay in RAM
    /// under the RAM policy until an acknowledgement frees flash.
    bool accepts(std::uint32_t slot) const noexcept override { return mem_.sensors[slot].attached && !refusing_; }
    void accept(std::uint32_t slot, const DetachedSector* sectors, std::uint32_t n) noexcept override;
    std::uint64_t seq_limit(std::uint32_t slot) const noexcept override { return mem_.sensors[slot].durable_end; }
    void add_stats(std::uint32_t slot, SsSensorStats& out) const noexcept override;
    /// The acknowledged boundary, or past the newest record appended.
    std::uint64_t seek_floor(std::uint32_t slot) const noexcept override {
        const FlashColdSensor& s = mem_.sensors[slot];
        return s.appended_end > s.acked_seq ? s.appended_end : s.acked_seq;
    }
    /// Records appended since the last successful sync are not durable yet.
    std::uint64_t durable_end(std::uint32_t slot) const noexcept override {
        const FlashColdSensor& s = mem_.sensors[slot];
        return s.appended_end > s.durable_end ? s.durable_end : ~std::uint64_t{0};
    }
    void tick(const Tick& tick) noexcept override;
    bool flushed() const noexcept override { return synced_; }
    void add_system_stats(SsSystemStats& out) const noexcept override;
    std::uint32_t health_flags() const noexcept override { return health_; }

    /// Reads the erase counts from the device (under the tier's lock).
    Expected<FlashColdTierFigures> figures() noexcept;

    /// Appends or syncs failing this many times in a row raise SS_HEALTH_DISK_ERROR.
    static constexpr std::uint32_t failures_for_error = 3;

private:
    FlashColdSensor& at(std::uint32_t slot) const noexcept { return mem_.sensors[slot]; }
    /// Records of s retained in [from, to), walking the log; with_corrupt: also those named by
    /// the headers of units failing their CRC on the way (what consume will count as lost).
    Expected<std::uint64_t> count_records(const FlashColdSensor& s, std::uint64_t from, std::uint64_t to,
                                          bool with_corrupt = false) noexcept;
    void note_corrupt(FlashColdSensor& s, const FlashUnitInfo& u) noexcept;
    void note_io(bool ok) noexcept;
    /// An append may drop any stream's oldest unsent units: every sensor catches up with the log.
    void note_dropped() noexcept;

    Engine& engine_;
    FlashLog& log_;
    FlashColdTierMemory mem_;
    const port::LockOps* lock_ops_;
    void* lock_;
    std::uint32_t health_ = 0;
    std::uint32_t failures_in_row_ = 0;
    std::uint32_t failed_syncs_ = 0;
    std::uint64_t lost_records_ = 0;
    std::uint64_t log_dropped_ = 0; ///< the log's dropped_records, as last seen
    bool refusing_ = false; ///< the last append was refused: the device is full of pending data
    bool synced_ = true; ///< nothing appended or acknowledged since the last successful sync
};

} // namespace ss
