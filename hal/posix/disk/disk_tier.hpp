// The Linux disk tier: each sensor's older records in <root>/<host|app|can>/sensor_<id>.dat,
// its acknowledged boundary and sequence reservation in sensor_<id>.meta (design.md §4,
// docs/storage-format.md). The engine decides what spills and hands over sealed sectors; each
// tick this writes them as append-only units, makes them durable (sync_scheduler.hpp), trims
// what was erased, enforces the quota (quota.hpp, with the policy's choice of victim) and
// replaces metas atomically (atomic_file.hpp). Recovery at open scans every data file
// (recovery.cpp); a clean stop writes the shutdown ledger (shutdown_ledger.cpp).
//
// Files: disk_tier.cpp (the stream: the ColdTier calls), tick.cpp (a tick's write, sync and meta
// passes), write_path.cpp (writing units, reading them back, claiming chunks, trimming),
// meta_writer.cpp, ack_log.cpp, recovery.cpp, scrub.cpp, shutdown_ledger.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "posix/disk/quota.hpp"
#include "posix/disk/sensor_state.hpp"
#include "posix/disk/sync_scheduler.hpp"
#include "ss/cold_tier.hpp"
#include "ss/disk_format.hpp"
#include "ss/engine.hpp"
#include "ss/hal/disk_tier.hpp"
#include "ss/hal/file_system.hpp"
#include "ss/text.hpp"

namespace ss::hal {

class DiskTier final : public ColdTier {
public:
    DiskTier(const SsInitCfg& cfg, Engine& engine, FileSystem& fs, SsLogFn log, void* log_ctx);
    ~DiskTier();
    DiskTier(const DiskTier&) = delete;
    DiskTier& operator=(const DiskTier&) = delete;

    /// Opens the root and recovers every sensor file below it.
    Expected<void> open(Text& why) noexcept;

    // ColdTier
    Expected<std::uint64_t> attach(std::uint32_t slot, SsSource source, std::uint32_t id,
                                   RecordType type) noexcept override;
    void lock(std::uint32_t slot) noexcept override;
    void unlock(std::uint32_t slot) noexcept override;
    std::uint64_t retained(std::uint32_t slot) const noexcept override;
    std::uint64_t pending(std::uint32_t slot) const noexcept override;
    Expected<Batch> consume(std::uint32_t slot, void* out, std::uint32_t max, BatchTime time) noexcept override;
    void erase_all_pending(std::uint32_t slot) noexcept override;
    /// Units wholly acknowledged leave the stream (their RAM copies go back to the pool, their
    /// chunks are punched out by the next trim); a unit the run ends inside stays on disk as
    /// written, its start moved up. The meta's head_seq carries that position within the unit.
    void erase_pending_until(std::uint32_t slot, std::uint64_t end_seq) noexcept override;
    Expected<void> read_at(std::uint32_t slot, std::uint64_t offset, void* out) noexcept override;
    RangeStep read_range(std::uint32_t slot, std::uint64_t from, BatchCopy& copy) noexcept override;
    /// Records the new boundary in a durable meta at once (so a restart serves nothing below
    /// it, and its reservation keeps numbering safe once the units that showed it are gone),
    /// then empties the data file (truncate, sync; retried at ticks if that fails).
    Expected<void> clear(std::uint32_t slot, std::uint64_t head_seq) noexcept override;
    bool accepts(std::uint32_t slot) const noexcept override;
    void accept(std::uint32_t slot, const DetachedSector* sectors, std::uint32_t n) noexcept override;
    std::uint64_t seq_limit(std::uint32_t slot) const noexcept override;
    void add_stats(std::uint32_t slot, SsSensorStats& out) const noexcept override;
    /// The stream's head (the acknowledged boundary, or the first record recovered), or past
    /// its newest unit.
    std::uint64_t seek_floor(std::uint32_t slot) const noexcept override;
    /// The first unit not yet written and synced, or any unit while its data file's name is
    /// not yet durable in its directory (created this session, before the tick's directory sync).
    std::uint64_t durable_end(std::uint32_t slot) const noexcept override;
    void tick(const Tick& tick) noexcept override;
    bool flushed() const noexcept override;
    void add_system_stats(SsSystemStats& out) const noexcept override;
    std::uint32_t health_flags() const noexcept override { return health_.load(std::memory_order_relaxed); }

    /// Bytes of disk in use (allocation units held) over all sensors.
    std::uint64_t used_bytes() const noexcept { return quota_.used_bytes(); }

    /// scrub_disk_units (ss/hal/disk_tier.hpp). Takes scrub_mutex_, then the cold lock.
    std::uint32_t scrub(std::uint32_t slot, ScrubCursor& at, std::uint32_t max, SsScrubReport& report) noexcept;
    /// set_disk_space_limit and disk_space (ss/hal/disk_tier.hpp).
    void set_space_limit(std::uint64_t bytes) noexcept { quota_.set_space_limit(bytes); }
    DiskSpace space() const noexcept;

    /// Sequence numbers reserved ahead of use, so that a restart after a crash never reuses a
    /// number that may have been handed out: a crash leaves a gap of at most this many.
    static constexpr std::uint64_t seq_reservation = 1u << 20;

    /// A meta that only records a new acknowledged boundary is rewritten at most this often per
    /// sensor: each rewrite costs two syncs, and a stale boundary only means re-sends after a
    /// crash (at-least-once), never loss. Reservations and shutdown write at once.
    static constexpr std::uint64_t ack_meta_interval_ms = 1000;
    /// After a failed sync_all, files are synced one by one this long.
    static constexpr std::uint64_t sync_all_refusal_ms = tier::SyncScheduler::refusal_ms;

private:
    using Sensor = tier::Sensor;
    using Unit = tier::Unit;
    using Key = std::pair<int, std::uint32_t>; // (source, id)

    Sensor& at(std::uint32_t slot) const noexcept { return *sensors_[slot]; }
    std::size_t record_bytes(const Sensor& s) const noexcept { return sector::record_bytes(s.type); }
    int source_dir(SsSource source, bool create) noexcept;
    void log(int level, const Text& t) const noexcept;
    void raise_health(std::uint32_t bits) noexcept { health_.fetch_or(bits, std::memory_order_relaxed); }

    // The stream (disk_tier.cpp).
    enum class Read { ok, corrupt, io_error };
    /// The unit's bytes (RAM, checked as the sensor's level asks, or a verified read into the
    /// cache) in `data`. A read error is not evidence about the data: it is io_error, and
    /// nothing is dropped for it.
    Read unit_data(Sensor& s, const Unit& u, VerifyLevel level, const std::byte*& data) noexcept;
    /// Whether `data` (unit_bytes_) is a good image of unit u: header, CRC, sequence number.
    bool unit_intact(const Sensor& s, const Unit& u, const std::byte* data) const noexcept;
    VerifyLevel level_of(std::uint32_t slot) const noexcept { return engine_.store_at(slot).verify_level(); }
    void drop_unit(Sensor& s, std::size_t i, tier::DropCause cause) noexcept;
    /// Drops unit i (at or past the unsent position), found bad by a scrub, counting it as
    /// recovery counts a lost unit; returns the unsent records lost with it.
    std::uint64_t drop_lost_unit(Sensor& s, std::size_t i) noexcept;
    void release_ram(Unit& u) noexcept;
    /// A unit leaves the front of s's stream, erased: its cache entry and RAM copy go.
    void unit_gone(Sensor& s, Unit& u) noexcept;

    // Recovery (recovery.cpp).
    struct Found {
        bool meta = false;
        bool data = false;
    };
    /// Opens (if need be) and lists source directory src into `found`; false on an I/O error.
    bool scan_source(int src, std::map<Key, Found>& found) noexcept;
    /// Reads a sensor's files again after recovery failed on them (global_ held).
    bool retry_recovery(SsSource source, std::uint32_t id) noexcept;
    void recover_file(SsSource source, int dir, std::uint32_t id, bool have_meta, bool have_data) noexcept;
    /// Scans s's data file into its stream; the losses it finds are added to `found`.
    void scan_data(Sensor& s, const char* name, bool type_known, std::uint64_t& end_seq, tier::Loss& found) noexcept;

    // Writing (write_path.cpp), each under the sensor's cold lock.
    enum class Wrote { nothing, some, failed };
    /// Writes s's units that are not durable yet, without a sync: they span the file offsets
    /// [begin, end); `whole` says whether every unit of s is then written (a quota may stop it
    /// short).
    Wrote write_units(Sensor& s, std::uint64_t& begin, std::uint64_t& end, bool& whole) noexcept;
    /// Marks the units below `end` durable once their file is synced, and frees their RAM.
    void units_synced(Sensor& s, std::uint64_t end) noexcept;
    /// After the sync, for a sensor at VerifyLevel::after_write: reads [begin, end) of fd back
    /// from the device into read_back_ (without the cold lock); false if the read failed.
    bool read_back(int fd, std::uint64_t begin, std::uint64_t end) noexcept;
    /// Then, under the cold lock: the units that read back as written are durable; from the
    /// first that differs on, they stay in RAM and are written again next tick (a write error).
    void units_read_back(Sensor& s, std::uint64_t begin, std::uint64_t end, bool read_ok) noexcept;
    /// Claims chunk c for s under the quotas, dropping oldest unsent chunks if needed.
    bool claim_chunk(Sensor& s, std::uint64_t c) noexcept;
    void release_chunk(Sensor& s, std::uint64_t c) noexcept;
    bool drop_oldest_unsent_chunk(Sensor& s) noexcept;
    void trim(Sensor& s) noexcept;

    // A tick's passes (tick.cpp).
    /// Writes every sensor's new units, makes them durable together, marks them durable.
    bool flush_data(std::uint64_t now) noexcept;
    /// Writes the metas that are due; false if any failed.
    bool flush_metas(std::uint64_t now, bool shutdown, bool& dirs_ok) noexcept;
    bool meta_due(Sensor& s, std::uint32_t slot, std::uint64_t now, bool shutdown, std::uint64_t& next) const noexcept;

    // Metas (meta_writer.cpp).
    /// Writes s's meta to its temporary file (synced if sync_now; else a sync_all must follow).
    bool stage_meta(Sensor& s, std::uint64_t next, bool sync_now) noexcept;
    /// Renames the durable temporary meta over the meta; durable at the next directory sync.
    bool commit_meta(Sensor& s) noexcept;
    /// Writes s's meta and makes it durable now (temporary, sync, rename, directory sync), on
    /// the caller's thread under s's cold lock: an operator's clear. Touches none of the state
    /// the manager's meta pass shares between sensors. False if any step failed (meta_dirty).
    bool write_meta_now(Sensor& s, std::uint32_t slot) noexcept;
    std::uint64_t hot_next_seq(std::uint32_t slot) const noexcept;

    // The shutdown ledger (shutdown_ledger.cpp, format in disk_format.hpp): exact numbering
    // across a clean stop.
    static constexpr const char* ledger_name = "shutdown.ledger";
    static constexpr const char* ledger_tmp_name = "shutdown.ledger.tmp";
    /// The highest consume limit s may have now: its durable reservation, and while a ledger is
    /// on disk no more than what the ledger records (or its resume point).
    std::uint64_t cap_for(const Sensor& s) const noexcept;
    void read_ledger() noexcept;
    bool write_ledger() noexcept;
    bool remove_ledger() noexcept;

    // The acknowledgement log (ack_log.cpp, format in disk_format.hpp): each tick records the
    // boundaries that moved, durable with the tick's sync, so that a crash between two meta
    // rewrites re-sends only what was acknowledged since the last tick. Manager only.
    static constexpr const char* ack_log_name = "acks.log";
    static constexpr const char* ack_log_tmp_name = "acks.log.tmp";
    /// Reads `<root>/acks.log` into acks_at_open_: the highest valid entry per sensor.
    void read_ack_log() noexcept;
    /// Replaces the log, atomically, by one entry per sensor whose logged boundary is ahead of
    /// its durable meta (at open, and once appends have grown it past ack_log_rewrite_bytes()).
    bool rewrite_ack_log() noexcept;
    std::uint64_t ack_log_rewrite_bytes() const noexcept;
    /// Appends an entry for each sensor whose boundary moved past what its meta and the log
    /// record; durable with the data pass's sync_all, or settle_acks syncs the log itself.
    void append_acks() noexcept;
    void settle_acks() noexcept;

    void note_failure(Sensor& s, int err, const char* what, bool log_it = true) noexcept;
    /// ENOSPC: the disk-full flag, and the space in use taken as the quota for a while.
    void note_disk_full() noexcept;

    SsInitCfg cfg_;
    Engine& engine_;
    FileSystem& fs_;
    SsLogFn log_fn_;
    void* log_ctx_;
    std::string root_path_;
    std::uint32_t unit_bytes_;
    std::uint32_t chunk_bytes_;
    int root_fd_ = -1;
    /// Holds the store's lock (file_names.hpp's lock_file) while the tier is open; -1 where
    /// the file system has no locks.
    int lock_fd_ = -1;
    int dir_fd_[3] = {-1, -1, -1};
    bool dir_failed_[3] = {false, false, false}; // could not be opened or listed at recovery
    int dir_error_[3] = {0, 0, 0};               // why (negative errno)
    bool dir_dirty_[3] = {false, false, false};
    std::vector<std::unique_ptr<Sensor>> sensors_; // by engine slot
    std::unique_ptr<std::mutex[]> locks_;
    std::map<Key, std::unique_ptr<Sensor>> recovered_; // not yet attached
    std::vector<std::byte> recovery_buffer_;
    // The manager's read-back of what a tick wrote for one sensor: at most what the RAM pool
    // holds, since only units still in RAM are written.
    std::vector<std::byte> read_back_;
    // One scrub at a time, and its buffer. Taken before a cold lock, never after one.
    std::mutex scrub_mutex_;
    std::vector<std::byte> scrub_buffer_;
    tier::Quota quota_;
    tier::SyncScheduler syncs_;
    std::atomic<std::uint32_t> health_{0};
    // recovered_ and flushed_. Taken after a cold lock, never before one.
    mutable std::mutex global_;
    // A ledger is (or may be) on disk. Written by the manager (and open), read by attach too.
    std::atomic<bool> ledger_on_disk_{false};
    std::map<Key, std::uint64_t> ledger_at_open_; // as read at open
    std::map<Key, std::uint64_t> acks_at_open_;   // as read at open
    int ack_fd_ = -1;            // the log being appended to; -1: none this session
    std::uint64_t ack_end_ = 0;  // its length as written
    bool ack_failed_logged_ = false;
    bool synced_all_ = false;    // this tick's data pass made everything written so far durable
    struct AckStaged {
        std::uint32_t slot;
        std::uint64_t head;
    };
    std::vector<AckStaged> ack_staged_; // appended this tick, durable once settled
    std::vector<std::byte> ack_buf_;
    bool flushed_ = false;
};

} // namespace ss::hal
