// One sensor's store: a chain of sectors from the shared pool and three cursors over it.
//
//   head ──pending── pend ──unsent── tail      (design.md §3)
//
// A cursor is (sector, record offset in that sector). A cursor sits at the end of a sector only
// if that sector is the tail: every operation that could leave one at the end of another sector
// moves it to the start of the next. Every record has a sequence number: a sector's records are
// consecutive from the first_seq in its header, and gaps (dropped records) fall only between
// sectors.
//
// Locking: every public member takes the store's own lock; pool operations take the pool lock
// inside it (store → pool, never the other way round).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ss/batch_copy.hpp"
#include "ss/cold_tier.hpp"
#include "ss/counter.hpp"
#include "ss/expected.hpp"
#include "ss/port.hpp"
#include "ss/sector_format.hpp"
#include "ss/sector_pool.hpp"
#include "ss/sensor_storage.h"

namespace ss {

/// SsVerifyLevel: when a sealed sector's CRC is checked (seed 004: minimal, standard, full,
/// critical). after_write reads like every_read in RAM; the disk tier also reads back what it
/// writes for the sensor.
enum class VerifyLevel : std::uint8_t { off = 0, first_read = 1, every_read = 2, after_write = 3 };

/// Where a bounded scrub of one sensor's stream stands, between calls. Sequence numbers only
/// grow along a stream, so a position by number stays valid whatever happens between two calls
/// (records consumed, erased, spilled to disk, dropped): the next call resumes at the first
/// unit holding a record at or after next_seq.
struct ScrubCursor {
    std::uint64_t next_seq = 0; ///< first sequence number this pass has not checked yet
    /// RAM: the sector the last call stopped at, and the sequence number it started with; a
    /// hint that saves walking to it again, checked before it is used.
    std::uint64_t hint_seq = 0;
    SectorIndex hint = no_sector;
    bool finished = false;      ///< the pass has reached the end of what it covers
};

/// Where a range read through one store stands between its lock holds: the sector the last hold
/// copied from and the sequence number it starts with. A hint that saves walking the chain's
/// headers from the head again; checked before it is used (as ScrubCursor's).
struct RangeHint {
    SectorIndex sector = no_sector;
    std::uint64_t first_seq = 0;
};

/// What an operator's clear of one store discarded (SensorStore::clear).
struct StoreClear {
    std::uint64_t records = 0;  ///< retained records discarded (pending + unsent)
    std::uint64_t pending = 0;  ///< of them, pending
    std::uint64_t next_seq = 0; ///< where numbering goes on: every discarded record is below it
};

class SensorStore;

/// Engine-wide settings and services every store operation needs.
struct StoreContext {
    SectorPool* pool = nullptr;
    const port::LockOps* lock_ops = nullptr;
    std::uint32_t sector_bytes = 0;
    std::uint32_t capacity_ts = 0;  ///< records per sector, by type
    std::uint32_t capacity_evt = 0;
    std::uint32_t max_sectors_per_sensor = 0; ///< 0 = no cap
    bool crc_enabled = true;
    /// Only with crc_enabled: checksum each record as it is added (the running CRC of
    /// sector::start_running_crc) rather than the whole sector when it is sealed. Where there is
    /// no CRC instruction (the MCU) this spreads the seal's ~1 200 instructions over the adds, a
    /// few per record, so that no add stalls an ISR-fed pipeline; where there is one, sealing
    /// whole is cheaper. The sealed sectors are the same bytes either way.
    bool crc_on_add = false;
    /// The store locks are the CPU's interrupt mask (port::LockOps::interrupt_mask) on an
    /// M-profile CPU, and records are checksummed as added (crc_on_add): the single add masks
    /// inline and extends the CRC with no further test (one flag: each test is counted in the
    /// MCU's add budget). Without CRCs the MCU's single adds take the general add.
    bool masked_add_with_crc = false;
    VerifyLevel verify = VerifyLevel::first_read;
    /// The boot number every sector opened in this session records.
    std::uint32_t boot = 0;
    /// The time a sector's first record gets when its writer gave none (sector::utc_flag for
    /// UTC): read once per sector, never per record. nullptr = such times are unknown.
    std::uint64_t (*record_clock)(void* ctx) = nullptr;
    void* record_clock_ctx = nullptr;
    /// SS_HEALTH_* bits, raised by stores as things happen.
    std::atomic<std::uint32_t>* health = nullptr;
    /// Asks the other stores for a sector when the pool is empty and the requester has none
    /// of its own to recycle; returns an unchained sector or no_sector. nullptr = never.
    SectorIndex (*borrow)(void* owner, const SensorStore& requester) = nullptr;
    void* borrow_owner = nullptr;
    /// Store locks sit in an array parallel to the stores (no pointer per store: on the MCU
    /// every byte of per-sensor metadata is paid a hundred times). locks nullptr = no locks;
    /// lock_stride 0 with locks set = one shared lock (port::LockOps::shared).
    const SensorStore* stores = nullptr;
    std::byte* locks = nullptr;
    std::size_t lock_stride = 0;

    [[gnu::always_inline]] void* lock_of(const SensorStore& s) const noexcept;
};


/// A build for a bare-metal MCU (no OS): every byte of per-sensor metadata is paid a hundred
/// times inside the 32 KiB budget there, so the store packs tighter (below).
#if defined(__ARM_ARCH) && !defined(__linux__)
inline constexpr bool bare_metal_store = true;
#else
inline constexpr bool bare_metal_store = false;
#endif

/// Stores sit side by side in the arena. On 64-bit hosts, where writer threads run on several
/// cores, each store has its own cache lines so that neighbouring sensors never contend; on the
/// MCU (one core, every byte counted) they are packed to 4 bytes, their sequence number
/// included (the Cortex-M4 loads a 64-bit word from any word address).
inline constexpr std::size_t store_alignment = sizeof(void*) == 8 ? 64 : bare_metal_store ? 4 : alignof(std::uint64_t);
/// The alignment the arena's start is given (Engine::arena_align, or the stores' if more):
/// lock objects may ask for up to this much.
inline constexpr std::size_t arena_base_alignment = store_alignment > 8 ? store_alignment : 8;

class alignas(store_alignment) SensorStore {
public:
    /// Records a store counts in RAM (retained, pending): 16 bits on bare metal, where
    /// validate_config bounds the pool to what that holds (65 535 TS records: a 256 KiB pool).
    using RecordCount = std::conditional_t<bare_metal_store, std::uint16_t, std::uint32_t>;

    /// Sets the store up with its first sector (already taken from the pool); its records
    /// are numbered from first_seq (0 for a new sensor, where the disk left off otherwise).
    SensorStore(const StoreContext& ctx, SsSource source, std::uint32_t id, RecordType type,
                SectorIndex first_sector, std::uint64_t first_seq = 0) noexcept;
    SensorStore(const SensorStore&) = delete;
    SensorStore& operator=(const SensorStore&) = delete;

    SsSource source() const noexcept { return static_cast<SsSource>(source_); }
    std::uint32_t id() const noexcept { return id_; }
    RecordType type() const noexcept { return static_cast<RecordType>(type_); }

    /// Appends one record of this store's type (rec points at its packed bytes), taken at `time`
    /// (sector::utc_flag for UTC; time_unknown: now, by ctx.record_clock). The time is kept only
    /// when the record opens a sector: the others' times follow from the sample period.
    /// no_space: dropped (counted; its sequence number is skipped).
    Expected<void> add(const StoreContext& ctx, const void* rec, std::uint64_t time = sector::time_unknown) noexcept;
    /// add() for an event store, the record given by value: it goes to the sector straight from
    /// registers instead of through the caller's stack.
    /// Inline (core/src/sensor_store_add.hpp), for the C API's single adds.
    inline Expected<void> add_event(const StoreContext& ctx, std::uint32_t value, std::uint64_t ts_ms) noexcept;
    /// add() for a time-series store, the value given by value (as add_event: from a register
    /// to the sector). Inline as add_event.
    inline Expected<void> add_value(const StoreContext& ctx, std::uint32_t value,
                                    std::uint64_t time = sector::time_unknown) noexcept;
    /// The MCU's inline single add: true if the record was stored mid-sector (the locks are the
    /// interrupt mask and the open sector already holds a record and has room); false if nothing
    /// was done and the caller must add() it. Always false where there is no interrupt mask.
    inline bool add_value_mid_sector(const StoreContext& ctx, std::uint32_t value) noexcept;
    inline bool add_event_mid_sector(const StoreContext& ctx, std::uint32_t value, std::uint64_t ts_ms) noexcept;

    /// Appends n records (packed, consecutive) under one lock: the same as n calls of add, at a
    /// fraction of the cost for a capture buffer; the first was taken at first_time and the
    /// others one sample period apart. Returns how many were stored, a prefix; once one is
    /// dropped for lack of room the rest are too (counted, their numbers skipped).
    std::uint32_t add_many(const StoreContext& ctx, const void* recs, std::uint32_t n,
                           std::uint64_t first_time = sector::time_unknown) noexcept;

    /// Copies up to max of the oldest unsent records into out; they become pending.
    /// try_again if nothing is unsent. Stops at a sequence gap, before seq_limit, and, with
    /// BatchTime::continuous, where the records' time base changes (Batch carries the first's).
    Expected<Batch> consume(const StoreContext& ctx, void* out, std::uint32_t max,
                            std::uint64_t seq_limit = ~std::uint64_t{0},
                            BatchTime time = BatchTime::first_segment) noexcept;

    /// The nominal sample period (µs, 0 = none) of the open sector's records. It lives in the
    /// open sector's header and each new sector takes it from the one before: no store byte
    /// pays for it (on the MCU every byte of per-sensor metadata is paid a hundred times). A
    /// tail dropped as corrupt takes it along: the period is then 0 (times unknown, never wrong)
    /// until it is set again.
    std::uint32_t sample_period_us(const StoreContext& ctx) const noexcept;
    /// Sets the period of the records added from now on. An open sector that already holds
    /// records at another period is sealed and a new one opened (as a full one would be);
    /// no_space if there is no room for it (nothing changed).
    Expected<void> set_sample_period_us(const StoreContext& ctx, std::uint32_t period_us) noexcept;

    /// Seals the open sector if it holds any record, so that the next add opens a sector of its
    /// own and keeps that add's time: for values that do not continue the previous ones' time
    /// grid (a pre-trigger window after the last one). A sector records one time base, so this is
    /// the only way such values get their own times. The next add takes its sector as any add
    /// does (the store's full policy applies there); nothing is dropped here.
    void start_new_sector(const StoreContext& ctx) noexcept;

    /// A writer-numbered (relayed) store: the next record added gets number seq. Above the next
    /// number, the numbers in between are a gap (as records dropped by policy, but not counted as
    /// drops: nothing was lost). Below it only down to the floor: the end of the newest record
    /// retained in RAM, and no lower than `floor` (what the engine knows beyond RAM: the cold
    /// tier's acknowledged boundary and newest record); with `head_bounds` and RAM holding no
    /// record, no lower than next (without a cold tier RAM's head is the acknowledged boundary).
    /// An open sector holding records is sealed first and a new one started at seq (a sector's
    /// numbers are consecutive), the new one had as an add's is (make_room's full policy).
    /// seq == next is a no-op. invalid_argument: seq below the floor or above sector::max_seq;
    /// no_space: no sector to start at seq (only pending data left); nothing changed then.
    Expected<void> seek(const StoreContext& ctx, std::uint64_t seq, std::uint64_t floor, bool head_bounds) noexcept;
    /// The lowest number seek() takes now, with the same `floor` and `head_bounds`.
    std::uint64_t seek_floor(const StoreContext& ctx, std::uint64_t floor, bool head_bounds) const noexcept;
    /// The first sequence number held in RAM (next_seq if RAM holds no record): every record
    /// below it was erased, dropped or handed to the cold tier.
    std::uint64_t first_in_ram(const StoreContext& ctx) const noexcept;
    /// ss_sensor_flush: seals the open sector if it holds records and, where `mark`, asks the
    /// next manager tick to spill every sealed sector (take_flush_request).
    void request_flush(const StoreContext& ctx, bool mark) noexcept;
    /// Whether a flush was requested since the last call; clears the request. Skips the store
    /// (false, the request kept) if its lock is busy.
    bool take_flush_request(const StoreContext& ctx) noexcept;

    /// Detaches up to max sealed sectors from the front (oldest first) into out, for a cold
    /// tier, and returns how many. A sealed tail goes too if a fresh open sector can be had.
    std::uint32_t detach_front(const StoreContext& ctx, DetachedSector* out, std::uint32_t max) noexcept;

    /// Drops every pending record and frees the sectors that empties.
    void erase_all_pending(const StoreContext& ctx) noexcept;

    /// Drops the pending records numbered below end_seq (an acknowledged run at the front of
    /// pending) and frees the sectors that empties; the head may stop mid-sector. Records below
    /// end_seq that are gone already (erased, or held by a cold tier) are nothing to do.
    /// Returns the records erased; invalid_argument (nothing changed) if a record below end_seq
    /// is unsent: an acknowledgement can only cover what was handed out.
    Expected<std::uint64_t> erase_pending_until(const StoreContext& ctx, std::uint64_t end_seq) noexcept;

    /// Record `offset` places after head; cursors do not move.
    Expected<void> read_at(const StoreContext& ctx, std::uint64_t offset, void* out) noexcept;

    /// One lock hold of a range read: offers `copy` the records of the sector holding the first
    /// retained record numbered `from` or later, from that record on. Cursors do not move. At
    /// VerifyLevel::every_read and above a sealed sector is checked first; a corrupt one is
    /// dropped and counted (dropped). past_end if no retained record is numbered from or later.
    RangeStep read_range(const StoreContext& ctx, std::uint64_t from, BatchCopy& copy, RangeHint& hint) noexcept;

    /// An operator's clear: every record goes (pending and unsent), every sector but one goes
    /// back to the pool and the one kept starts over, empty, at the next sequence number; the
    /// loss and throughput counters restart from 0. The clear is counted (clears, and
    /// cleared_records, to which `elsewhere` records discarded from a cold tier are added) where
    /// the store keeps those (see clear_counts_).
    StoreClear clear(const StoreContext& ctx, std::uint64_t elsewhere) noexcept;

    /// The sequence number the next add will get.
    std::uint64_t next_seq(const StoreContext& ctx) const noexcept;
    std::uint64_t retained(const StoreContext& ctx) const noexcept;
    std::uint64_t pending(const StoreContext& ctx) const noexcept;
    std::uint64_t unsent(const StoreContext& ctx) const noexcept;
    void stats(const StoreContext& ctx, SsSensorStats& out) const noexcept;

    /// Verifies every sealed sector and drops the corrupt ones; adds to the report.
    void scrub(const StoreContext& ctx, SsScrubReport& report) noexcept;

    /// Verifies up to max sealed sectors that hold unsent records, from `at` on, dropping the
    /// corrupt ones as scrub does; adds to the report and moves `at` past what it checked. Sets
    /// at.finished once no sealed sector is left after `at` (report.sensors counts that pass).
    /// Pending records are not checked: they were handed out already, and an acknowledgement
    /// erases them. Returns the sectors checked.
    std::uint32_t scrub_from(const StoreContext& ctx, ScrubCursor& at, std::uint32_t max,
                             SsScrubReport& report) noexcept;

    /// This store's VerifyLevel (ctx.verify at registration); readable from any thread.
    VerifyLevel verify_level() const noexcept { return static_cast<VerifyLevel>(verify_.load(std::memory_order_relaxed)); }
    /// Changes it from the next read on; the caller checked that the level has a CRC to verify.
    void set_verify_level(VerifyLevel level) noexcept {
        verify_.store(static_cast<std::uint8_t>(level), std::memory_order_relaxed);
    }

    /// Sectors this store holds; readable from any thread (a relaxed snapshot).
    std::uint32_t sector_count() const noexcept { return sectors_.load(std::memory_order_relaxed); }

    /// Gives up this store's oldest sealed sector that holds no pending record, if the store
    /// holds more than `more_than` sectors and its lock is free right now. The sector's records
    /// count as recycled. Returns the sector, unchained, or no_sector.
    SectorIndex donate_sector(const StoreContext& ctx, std::uint32_t more_than) noexcept;

    /// Manager duty: seals the open sector if it is full, or (force) if it holds any record.
    /// Skips the store if its lock is busy. Returns true if it sealed.
    bool seal_open_sector(const StoreContext& ctx, bool force) noexcept;

private:
    struct Cursor {
        SectorIndex sector;
        std::uint16_t offset;
    };

    [[gnu::always_inline]] std::uint32_t capacity(const StoreContext& ctx) const noexcept {
        return type() == RecordType::ts ? ctx.capacity_ts : ctx.capacity_evt;
    }
    std::size_t record_bytes() const noexcept { return sector::record_bytes(type()); }
    std::uint32_t count_of(const SectorPool& pool, SectorIndex s) const noexcept;
    std::uint32_t start_of(SectorIndex s) const noexcept { return s == head_.sector ? head_.offset : 0; }
    bool is_sealed(SectorIndex s) const noexcept { return s != tail_ || (flags_ & tail_sealed) != 0; }
    [[gnu::always_inline]] bool open_sector_full(const StoreContext& ctx) const noexcept {
        return (flags_ & tail_sealed) != 0 || tail_count_ == capacity(ctx);
    }

    void seal_tail(const StoreContext& ctx) noexcept;
    /// add()'s body: room for one record of RecordBytes, then write(destination) puts its bytes
    /// in place.
    template <std::size_t RecordBytes, class Write>
    Expected<void> add_one(const StoreContext& ctx, std::uint64_t time, Write write) noexcept;
    /// add_value_mid_sector's and add_event_mid_sector's body.
    template <std::size_t RecordBytes, class Write>
    bool add_mid_sector(const StoreContext& ctx, Write write) noexcept;
    /// Links s (unchained, any content) after the tail as the new, empty open sector, with the
    /// tail's sample period, or `period` if there is no tail.
    void append_tail(const StoreContext& ctx, SectorIndex s, std::uint32_t period = 0) noexcept;
    /// The open sector's records. It is always in the version written (append_tail formats it),
    /// so the add path need not read its header to find them: that is a second cache line per add.
    std::byte* open_payload(const SectorPool& pool) const noexcept { return pool.data(tail_) + sector::header_bytes; }
    std::uint32_t open_period(const SectorPool& pool) const noexcept {
        return tail_ == no_sector ? 0 : sector::period_us(pool.data(tail_));
    }
    Expected<void> make_room(const StoreContext& ctx) noexcept;
    /// The oldest sector holding no pending record (sealed or not), or no_sector.
    SectorIndex oldest_unsent_sector(const SectorPool& pool) const noexcept;
    SectorIndex prev_of(const SectorPool& pool, SectorIndex s) const noexcept;
    /// Takes s out of the chain and its records out of the counts (as recycled or corrupt).
    /// Cursors that pointed into s move to the start of its successor (or to no_sector if s
    /// was the tail). Returns true if s was the tail: the store then needs a new open sector.
    bool drop_sector(const StoreContext& ctx, SectorIndex s, SectorIndex prev, std::uint32_t pending_in_s,
                     bool corrupt) noexcept;
    /// Pending records held in s, given the records of all sectors before it.
    std::uint32_t pending_in(const SectorPool& pool, SectorIndex s, std::uint64_t before) const noexcept;
    /// The sequence number of the record at c (next_seq_now() at the end of the tail).
    std::uint64_t seq_at(const SectorPool& pool, const Cursor& c) const noexcept;
    bool verified(const StoreContext& ctx, SectorIndex s) noexcept;
    std::uint64_t next_seq_now() const noexcept { return seq_before_tail_ + tail_count_; }
    RecordCount retained_now() const noexcept { return static_cast<RecordCount>(retained_before_tail_ + tail_count_); }
    /// Sets the open sector's count without changing next_seq or retained.
    void set_tail_count(std::uint16_t n) noexcept {
        seq_before_tail_ = seq_before_tail_ + tail_count_ - n;
        retained_before_tail_ = static_cast<RecordCount>(retained_before_tail_ + tail_count_ - n);
        tail_count_ = n;
    }
    /// Past the newest record retained in RAM (retained_now() != 0).
    std::uint64_t newest_end(const SectorPool& pool) const noexcept;
    /// seek_floor's rule; the caller holds the lock.
    std::uint64_t floor_locked(const SectorPool& pool, std::uint64_t floor, bool head_bounds) const noexcept;
    /// Gives the open sector, still empty, its first record's time.
    void stamp_open_sector(const StoreContext& ctx, std::uint64_t time) noexcept;
    void note_health(const StoreContext& ctx, std::uint32_t bit) const noexcept;
    void add_sectors(int delta) noexcept;

    static constexpr std::uint8_t tail_sealed = 0x1;   // the open sector got its CRC
    static constexpr std::uint8_t pend_verified = 0x2; // pend's sector passed its check
    // ss_sensor_flush asked the next tick to spill every sealed sector (bit 4: bits 2-3 are the
    // type, and the MCU's masked add tests only type_bits | tail_sealed).
    static constexpr std::uint8_t flush_requested = 0x10;
    // The record type is also in flags_ (bits 2-3, never changed after construction), where the
    // MCU's single add checks it with the open sector's seal in one load and compare, under the
    // lock. type_ is the copy read without the lock (the C API's checks): flags_ changes under
    // the lock, so reading the type from it there would race.
    static constexpr unsigned type_shift = 2;
    static constexpr std::uint8_t type_bits = 0x3 << type_shift;

    // 4-byte aligned on bare metal (store_alignment); a typedef is how GCC lowers an alignment.
    typedef std::uint64_t SequenceWord __attribute__((aligned(store_alignment < 8 ? store_alignment : 8)));
    // The next sequence number and the records in [head, tail), each less the open sector's
    // count: an add then moves tail_count_ alone (the MCU's add budget, stm32/bench). Read
    // through next_seq_now() and retained_now(); tail_count_ changes other than an add go
    // through set_tail_count, which keeps both. Modular: retained_before_tail_ may wrap below 0
    // while head sits inside the open sector.
    SequenceWord seq_before_tail_ = 0;
    std::uint32_t id_;
    RecordCount retained_before_tail_ = 0;
    RecordCount pending_ = 0;  // records in [head, pend)
    // size_t: 64-bit counters on Linux, 32-bit on the MCU where every byte of RAM counts.
    std::size_t erased_ = 0;
    std::size_t dropped_new_ = 0;
    std::size_t dropped_recycled_ = 0;
    std::size_t dropped_corrupt_ = 0;
    Cursor head_;
    Cursor pend_;
    SectorIndex tail_;
    std::uint16_t tail_count_ = 0;
    std::atomic<std::uint16_t> sectors_{0}; // written under the lock, read by other stores
    std::uint16_t corrupt_sectors_ = 0;
    std::uint8_t source_;
    std::uint8_t type_;  // immutable
    std::uint8_t flags_; // tail_sealed, pend_verified, the record type (type_bits)
    // Read without the lock by the disk tier (whether to read back what it writes).
    std::atomic<std::uint8_t> verify_;
    // Clears, kept across them unlike the counters above. Per store wherever an OS runs the
    // library (32-bit ARM Linux gateways included); on a bare-metal MCU every byte of per-sensor
    // metadata is paid a hundred times inside the 32 KB budget, and only the engine's sums are
    // kept (SsSensorStats::clears and cleared_records read 0 there).
    struct ClearCounts {
        std::size_t records = 0;
        std::uint32_t clears = 0;
        void add(std::uint64_t cleared) noexcept {
            saturating_add(records, cleared);
            saturating_add(clears, 1);
        }
        void report(SsSensorStats& out) const noexcept {
            out.clears = clears;
            out.cleared_records = records;
        }
    };
    struct NoClearCounts {
        void add(std::uint64_t) noexcept {}
        void report(SsSensorStats&) const noexcept {}
    };
    static constexpr bool counts_clears = !bare_metal_store;
    [[no_unique_address]] std::conditional_t<counts_clears, ClearCounts, NoClearCounts> clear_counts_{};
};

[[gnu::always_inline]] inline void* StoreContext::lock_of(const SensorStore& s) const noexcept {
    // The shared lock first: it is the MCU's, where every instruction of an add is counted.
    if (lock_stride == 0) return locks;
    return locks + static_cast<std::size_t>(&s - stores) * lock_stride;
}

} // namespace ss
