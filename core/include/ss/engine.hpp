// The engine: one arena carved into the sector pool, the per-sensor stores and their locks;
// the sensor registry; and the manager's periodic duties. The C API drives one engine; the
// runtimes (CAF actors, the STM32 scheduler) drive the same object.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ss/cold_tier.hpp"
#include "ss/expected.hpp"
#include "ss/port.hpp"
#include "ss/sector_pool.hpp"
#include "ss/sensor_storage.h"
#include "ss/sensor_store.hpp"
#include "ss/text.hpp"
#include "ss/tier_policy.hpp"

// Whether this build carries a tier below RAM (the Linux disk tier): a bare-metal build leaves
// it out by default, about 1.5 KiB of flash the MCU never runs (spilling, its ordering, sector
// detaching). A firmware with a tier of its own builds the core with SS_WITH_COLD_TIER=1.
#ifndef SS_WITH_COLD_TIER
#if defined(__ARM_ARCH) && !defined(__linux__)
#define SS_WITH_COLD_TIER 0
#else
#define SS_WITH_COLD_TIER 1
#endif
#endif

namespace ss {

inline constexpr bool with_cold_tier = SS_WITH_COLD_TIER != 0;

/// Where each part of the engine lives in the arena (offsets in bytes from its start).
struct ArenaLayout {
    std::size_t stores = 0;
    std::size_t locks = 0;
    std::size_t index = 0;           ///< the registry's hash index: index_slots slots
    std::uint32_t index_slots = 0;
    std::uint32_t index_slot_bytes = 2; ///< 1 when every slot + 1 fits a byte (under 255 sensors)
    std::size_t links = 0;
    std::size_t sectors = 0;
    std::size_t spill_order = 0;     ///< with a cold tier: a SpillCandidate per sensor
    std::size_t total = 0;
    std::uint32_t sector_count = 0;
    std::size_t lock_stride = 0;
    bool lock_shared = false;        ///< one lock object for everything (port::LockOps::shared)
};

/// The arena the engine needs for max_sensors stores and sector_count sectors.
constexpr ArenaLayout arena_layout(std::uint32_t max_sensors, std::uint32_t sector_count, std::uint32_t sector_bytes,
                                   std::size_t lock_size, std::size_t lock_align, bool lock_shared = false,
                                   bool cold_tier = false) noexcept {
    auto up = [](std::size_t v, std::size_t a) { return (v + a - 1) / a * a; };
    ArenaLayout l;
    l.sector_count = sector_count;
    l.stores = 0;
    std::size_t at = std::size_t{max_sensors} * sizeof(SensorStore);
    const std::size_t align = lock_align < 1 ? 1 : lock_align;
    l.lock_stride = lock_size == 0 ? 0 : up(lock_size, align);
    l.lock_shared = lock_size != 0 && lock_shared;
    l.locks = up(at, align);
    // A lock per store, one for the pool and one for the registry; or the one shared lock.
    at = l.locks + (l.lock_shared ? 1 : std::size_t{max_sensors} + 2) * l.lock_stride;
    // The registry's index: open addressing over a power of two at least 5/4 of the sensors, so
    // a lookup is a probe or two instead of a scan of every store (2048 registrations would
    // otherwise compare 2 million pairs).
    l.index_slots = 1;
    while (l.index_slots < max_sensors + max_sensors / 4 + 1) l.index_slots <<= 1;
    // 8-bit slots where they suffice: 128 bytes of the 32 KB an MCU gives 100 sensors.
    l.index_slot_bytes = max_sensors < 255 ? 1 : 2;
    l.index = up(at, l.index_slot_bytes);
    at = l.index + std::size_t{l.index_slots} * l.index_slot_bytes;
    l.links = up(at, alignof(SectorIndex));
    at = l.links + std::size_t{sector_count} * sizeof(SectorIndex);
    l.sectors = up(at, 8);
    at = l.sectors + std::size_t{sector_count} * sector_bytes;
    // The spill policy orders the stores by the sectors they hold: scratch for that, only where
    // there is a tier to spill to (never on the MCU).
    l.spill_order = up(at, alignof(policy::SpillCandidate));
    if (cold_tier) at = l.spill_order + std::size_t{max_sensors} * sizeof(policy::SpillCandidate);
    // The caller's arena need only be 8-byte aligned; the stores may want more (a cache line),
    // so the plan leaves room to align the start.
    l.total = at + (alignof(SensorStore) > 8 ? alignof(SensorStore) - 8 : 0);
    return l;
}

class Engine {
public:
    static constexpr std::size_t arena_align = 8;

    constexpr Engine() noexcept = default;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Validates cfg and tells the arena bytes it needs with these locks.
    static Expected<ArenaLayout> plan(const SsInitCfg& cfg, const port::LockOps& locks, Text& why) noexcept;

    /// Builds the engine in `arena` (arena_align-aligned, at least plan().total bytes).
    Expected<void> init(const SsInitCfg& cfg, std::byte* arena, std::size_t arena_bytes, const port::LockOps& locks,
                        Text& why) noexcept;
    /// Puts a cold tier below the RAM pool; before any sensor is registered.
    void attach_cold_tier(ColdTier* tier) noexcept { cold_ = tier; }
    /// The boot number sectors record from now on (a cold tier sets its persisted counter's
    /// before any sensor is registered).
    void set_boot(std::uint32_t boot) noexcept { ctx_.boot = boot; }
    /// The clock that stamps a sector's first record when its writer gave no time (see
    /// StoreContext::record_clock); before any sensor is registered.
    void set_record_clock(std::uint64_t (*read)(void* ctx), void* ctx) noexcept {
        ctx_.record_clock = read;
        ctx_.record_clock_ctx = ctx;
    }
    /// The tier attached, or nullptr; always nullptr in a build without cold tiers
    /// (with_cold_tier), so that their code drops out of it.
    [[gnu::always_inline]] ColdTier* cold_tier() const noexcept { return with_cold_tier ? cold_ : nullptr; }
    /// Destroys locks and stores; the arena may then be freed or reused.
    void deinit() noexcept;
    bool ready() const noexcept { return stores_ != nullptr; }

    /// Registers (source, id) with its first sector. invalid_argument: duplicate or bad type;
    /// no_space: max_sensors registered.
    Expected<SensorStore*> register_sensor(SsSource source, std::uint32_t id, RecordType type, Text& why) noexcept;
    SensorStore* find(SsSource source, std::uint32_t id) const noexcept;
    /// The store a C handle points at, or nullptr if it is not one of this engine's stores.
    SensorStore* store_of(const void* handle) const noexcept;
    [[gnu::always_inline]] std::uint32_t sensor_count(std::memory_order order = std::memory_order_acquire) const noexcept {
        return registered_.load(order);
    }
    [[gnu::always_inline]] SensorStore& store_at(std::uint32_t i) const noexcept { return stores_[i]; }

    [[gnu::always_inline]] const StoreContext& context() const noexcept { return ctx_; }
    std::uint32_t slot_of(const SensorStore& s) const noexcept { return static_cast<std::uint32_t>(&s - stores_); }
    const SectorPool& pool() const noexcept { return pool_; }

    // A sensor's stream across the tiers: the cold tier's records, then the store's.
    Expected<Batch> consume(SensorStore& s, void* out, std::uint32_t max,
                            BatchTime time = BatchTime::first_segment) noexcept;
    void erase_all_pending(SensorStore& s) noexcept;
    /// Erases the pending records numbered below end_seq across the tiers: an acknowledged
    /// batch [first, end_seq) at the front of pending, so that one ack frees exactly its batch
    /// while later batches stay pending. end_seq must lie in [head_seq, pending_seq] as
    /// SsSensorStats reports them (end_seq == head_seq erases nothing); invalid_argument
    /// otherwise, nothing changed.
    Expected<void> erase_pending_until(SensorStore& s, std::uint64_t end_seq) noexcept;
    Expected<void> read_at(SensorStore& s, std::uint64_t offset, void* out) noexcept;
    /// Copies up to max retained records from sequence number `from` on (the first retained
    /// one at or after it) into out, across the tiers, without moving a cursor: exactly
    /// [first_seq, first_seq + count), stopping before a gap. One cold-lock and one store-lock
    /// hold per segment (disk unit, RAM sector). invalid_argument: from is past the next
    /// sequence number; try_again: nothing retained from there on; io_error: the first unit
    /// could not be read. Numbers the cold tier has not durably reserved are not returned.
    /// `time` as for consume.
    Expected<Batch> read_range(SensorStore& s, std::uint64_t from, void* out, std::uint32_t max,
                               BatchTime time = BatchTime::first_segment) noexcept;
    /// The newest run of up to max consecutive retained records, as read_range copies them.
    Expected<Batch> read_latest(SensorStore& s, void* out, std::uint32_t max) noexcept;
    /// What an operator's clear discarded.
    struct Cleared {
        std::uint64_t records = 0;      ///< in all (pending + unsent, RAM + disk)
        std::uint64_t pending = 0;
        std::uint64_t disk_records = 0; ///< of them, in the cold tier
        std::uint64_t next_seq = 0;     ///< where numbering goes on
        bool durable = true;            ///< false: the cold tier could not yet make it stick
    };
    /// An operator's clear of s across the tiers (SensorStore::clear, ColdTier::clear), under
    /// s's cold lock: the uploader and the manager see the sensor before or after, never half.
    Cleared clear(SensorStore& s) noexcept;
    /// ss_sensor_seek: the next record added to s gets number seq (SensorStore::seek), with the
    /// floor the cold tier adds (ColdTier::seek_floor), under s's cold lock so that nothing
    /// spills or is acknowledged in between.
    Expected<void> seek(SensorStore& s, std::uint64_t seq) noexcept;
    /// The lowest number seek(s, ...) takes now: a writer that sends records again from below it
    /// finds them held already (or acknowledged and erased).
    std::uint64_t seek_floor(SensorStore& s) const noexcept;
    /// ss_sensor_flush: seals s's open sector if it holds records and, with a cold tier, has the
    /// next tick spill every sealed sector of s, whatever the watermarks.
    void flush(SensorStore& s) noexcept;
    /// ss_get_durable_end: every record of s numbered below the result is erased, dropped or in
    /// the cold tier and durable there; without a cold tier, the first record RAM holds.
    std::uint64_t durable_end(SensorStore& s) const noexcept;
    std::uint64_t retained(SensorStore& s) const noexcept;
    std::uint64_t pending(SensorStore& s) const noexcept;
    void stats(const SensorStore& s, SsSensorStats& out) const noexcept;

    /// The manager's periodic duty at monotonic time now_ms (the engine reads no clock; the C
    /// API passes the platform's, a runtime or a test its own). Seals full open sectors (every
    /// non-empty one while a shutdown is in progress, or when the force-seal interval is due)
    /// so their data is CRC-protected; with a cold tier, spills what tier_policy.hpp chooses
    /// and then runs the tier's tick. Skips busy stores.
    void tick(std::uint64_t now_ms) noexcept;
    void set_shutdown(bool in_progress) noexcept { shutdown_.store(in_progress, std::memory_order_relaxed); }
    bool shutdown_in_progress() const noexcept { return shutdown_.load(std::memory_order_relaxed); }
    /// True once the shutdown in progress spent its budget (shutdown_budget_ms of tick time):
    /// the manager has stopped flushing and flushed() will not turn true. Read by the thread
    /// that ticks.
    bool shutdown_budget_spent() const noexcept { return shutdown_budget_.spent(); }
    /// True when nothing retained lives only in RAM (always false without a cold tier if
    /// anything is retained: RAM does not survive a stop).
    bool flushed() const noexcept;

    /// The clocks the core reads (the host's SsInitCfg::clock_ops, or the platform's): set once
    /// by whoever builds the engine, before the first tick; a runtime that passes its own time
    /// to tick() may leave it unset.
    void set_clock(const port::Clock& clock) noexcept { clock_ = clock; }
    const port::Clock& clock() const noexcept { return clock_; }

    void system_stats(SsSystemStats& out) const noexcept;
    /// SsSystemStats::health_flags alone, without summing every store's figures (read at every
    /// tick by the event tracker).
    std::uint32_t health_flags() const noexcept;
    /// Verifies every sealed sector in RAM (every store at once; see scrub_sensor for a
    /// bounded step).
    void scrub(SsScrubReport& out) noexcept;
    /// One bounded step of a scrub of s's sectors in RAM: verifies up to max sealed sectors
    /// holding unsent records from `at` on (SensorStore::scrub_from), so a caller can spread a
    /// pass over a big store across many calls. The cold tier's units are the tier's to scrub
    /// (the disk tier's: ss/hal/disk_tier.hpp). Returns the sectors checked.
    std::uint32_t scrub_sensor(SensorStore& s, ScrubCursor& at, std::uint32_t max, SsScrubReport& out) noexcept;

    /// Sets how often s's sectors are verified (the cold tier reads it too: after_write makes
    /// the disk tier read back what it writes for s). invalid_argument if level is not a
    /// VerifyLevel, or needs a CRC that crc_enabled = 0 leaves out.
    Expected<void> set_verify_level(SensorStore& s, VerifyLevel level) noexcept;

private:
    void* lock_at(std::uint32_t i) const noexcept;
    std::uint32_t lock_objects() const noexcept { return layout_.lock_shared ? 1 : max_sensors_ + 2; }
    /// Moves up to max sealed sectors from the front of store `slot` into the cold tier; the
    /// caller holds the slot's cold lock. Returns how many moved.
    std::uint32_t spill(std::uint32_t slot, std::uint32_t max) noexcept;
    /// Everything sealed (a shutdown, a force-seal), else the disk-first sensors and what the
    /// watermarks ask for, biggest stores first.
    void spill_to_cold(bool everything) noexcept;
    static SectorIndex borrow_sector(void* self, const SensorStore& requester) noexcept;

    StoreContext ctx_{};
    SectorPool pool_{};
    port::LockOps lock_ops_{};
    std::byte* arena_ = nullptr;
    ArenaLayout layout_{};
    SensorStore* stores_ = nullptr;
    // Registry index: slot + 1 of a registered store, 0 = empty, in 8- or 16-bit slots
    // (ArenaLayout::index_slot_bytes). Written under the registry lock before the store is
    // published; read by lookups without it.
    std::uint32_t index_entry(std::uint32_t at, std::memory_order order) const noexcept;
    void set_index_entry(std::uint32_t at, std::uint32_t entry) noexcept;
    std::byte* index_ = nullptr;
    std::uint32_t index_mask_ = 0;
    std::uint32_t max_sensors_ = 0;
    void* registry_lock_ = nullptr;
    std::atomic<std::uint32_t> registered_{0};
    std::atomic<std::uint32_t> health_{0};
    std::atomic<bool> shutdown_{false};
    ColdTier* cold_ = nullptr;
    port::Clock clock_{};
    // Clears over all sensors (SsSystemStats), under the registry lock: plain integers, since a
    // 64-bit atomic is no lock-free instruction on the MCU.
    std::uint64_t cleared_records_ = 0;
    std::uint32_t clears_ = 0;
    // The manager's state: only the thread that ticks touches it.
    policy::ForceSealTimer force_seal_{};
    policy::ShutdownBudget shutdown_budget_{};
    std::uint8_t high_watermark_pct_ = 0;
    std::uint8_t low_watermark_pct_ = 0;
    policy::SpillCandidate* spill_order_ = nullptr;
};

} // namespace ss
