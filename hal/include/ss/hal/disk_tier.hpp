// The Linux disk tier: each sensor's older records in <root>/<host|app|can>/sensor_<id>.dat,
// its acknowledged boundary and sequence reservation in sensor_<id>.meta (design.md §4,
// docs/storage-format.md). The engine spills sealed RAM sectors into it; the manager tick writes
// them as append-only units, syncs each file once per tick (or the whole file system once), trims what was erased, enforces the
// quota and replaces metas atomically. Recovery at construction scans every data file.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ss/cold_tier.hpp"
#include "ss/disk_format.hpp"
#include "ss/engine.hpp"
#include "ss/hal/file_system.hpp"
#include "ss/text.hpp"

namespace ss::hal {

/// Health bits the disk tier raises (SsSystemStats::health_flags).
inline constexpr std::uint32_t health_disk_error = SS_HEALTH_DISK_ERROR;
inline constexpr std::uint32_t health_disk_full = SS_HEALTH_DISK_FULL;

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
    Expected<Batch> consume(std::uint32_t slot, void* out, std::uint32_t max) noexcept override;
    void erase_all_pending(std::uint32_t slot) noexcept override;
    Expected<void> read_at(std::uint32_t slot, std::uint64_t offset, void* out) noexcept override;
    bool accepts(std::uint32_t slot) const noexcept override;
    void accept(std::uint32_t slot, const DetachedSector* sectors, std::uint32_t n) noexcept override;
    std::uint64_t seq_limit(std::uint32_t slot) const noexcept override;
    void add_stats(std::uint32_t slot, SsSensorStats& out) const noexcept override;
    void tick(const Tick& tick) noexcept override;
    bool flushed() const noexcept override;
    void add_system_stats(SsSystemStats& out) const noexcept override;

    /// Bytes of disk in use (allocation units held) over all sensors.
    std::uint64_t used_bytes() const noexcept;

    /// Sequence numbers reserved ahead of use, so that a restart after a crash never reuses a
    /// number that may have been handed out: a crash leaves a gap of at most this many.
    static constexpr std::uint64_t seq_reservation = 1u << 20;

    /// A meta that only records a new acknowledged boundary is rewritten at most this often per
    /// sensor: each rewrite costs two syncs, and a stale boundary only means re-sends after a
    /// crash (at-least-once), never loss. Reservations and shutdown write at once.
    static constexpr std::uint64_t ack_meta_interval_ms = 1000;
    /// After a failed sync_all, files are synced one by one this long, so a lasting fault shows
    /// which file it is in.
    static constexpr std::uint64_t sync_all_refusal_ms = 10'000;

private:
    struct Unit {
        std::uint64_t offset;
        std::uint64_t first_seq;
        std::uint16_t count;
        std::uint16_t start;       // first retained record
        SectorIndex ram;           // pool sector while the unit is in RAM, else no_sector
        bool durable;              // written and synced
    };

    struct Sensor {
        bool attached = false;
        bool recovered = false;    // found on disk at open
        SsSource source = SS_SOURCE_HOST;
        std::uint32_t id = 0;
        RecordType type = RecordType::ts;
        int fd = -1;
        std::deque<Unit> units;    // oldest first; units[0].start is the head
        std::size_t pend_unit = 0; // pend = (units[pend_unit], pend_off)
        std::uint16_t pend_off = 0;
        std::uint64_t retained = 0;
        std::uint64_t pending = 0;
        std::uint64_t append_offset = 0;  // where the next unit goes
        std::set<std::uint64_t> chunks;   // allocation units held (index = offset / chunk)
        std::uint64_t head_seq = 0;       // first retained (or next) sequence number
        std::uint64_t head_seq_durable = 0;
        std::uint64_t seq_reserved = 0;   // the consume limit (cap_for)
        std::uint64_t reserved_durable = 0; // the reservation of the durable meta
        std::uint64_t ledger_next = ~std::uint64_t{0}; // what the durable ledger records, if any
        std::uint64_t ledger_staged = 0;
        std::uint64_t resume_seq = 0;     // where numbering continues after recovery
        std::uint64_t recovered_records = 0; // retained at recovery (accepted by an earlier run)
        std::uint64_t staged_reserved = 0;   // written to the meta, durable once its directory is
        std::uint64_t staged_head = 0;
        bool meta_staged = false;
        std::uint64_t meta_written_at_ms = 0;
        bool meta_ever_written = false;
        std::uint64_t erased = 0;
        std::uint64_t dropped_quota = 0;
        std::uint64_t dropped_corrupt = 0;
        std::uint64_t lifetime_dropped_quota = 0;
        std::uint64_t lifetime_corrupt = 0;
        bool meta_dirty = false;
        bool trim_due = false;
        // Its files could not be fully read (an I/O error at recovery, or its source directory):
        // what was read is served, but nothing is written to them this session, so nothing on
        // disk is overwritten or truncated on the strength of a partial view.
        bool disk_failed = false;
        std::uint32_t write_failures = 0;
        std::vector<std::byte> cache; // one verified unit read from disk
        std::uint64_t cache_offset = ~std::uint64_t{0};
        std::uint64_t ram_verified = ~std::uint64_t{0}; // RAM unit whose CRC was checked
    };

    Sensor& at(std::uint32_t slot) const noexcept { return *sensors_[slot]; }
    std::uint32_t capacity(const Sensor& s) const noexcept;
    std::size_t record_bytes(const Sensor& s) const noexcept { return sector::record_bytes(s.type); }
    std::string file_name(std::uint32_t id, const char* ext) const;
    int source_dir(SsSource source, bool create) noexcept;
    void log(int level, const Text& t) const noexcept;

    enum class Read { ok, corrupt, io_error };
    /// The unit's bytes (RAM, or a verified read into the cache) in `data`. A read error is not
    /// evidence about the data: it is io_error, and nothing is dropped for it.
    Read unit_data(Sensor& s, const Unit& u, const std::byte*& data) noexcept;
    void drop_unit(Sensor& s, std::size_t i, bool corrupt) noexcept;
    void release_ram(Unit& u) noexcept;

    // Recovery.
    struct Found {
        bool meta = false;
        bool data = false;
    };
    /// Opens (if need be) and lists source directory src into `found`; false on an I/O error.
    bool scan_source(int src, std::map<std::pair<int, std::uint32_t>, Found>& found) noexcept;
    /// Reads a sensor's files again after recovery failed on them (global_ held).
    bool retry_recovery(SsSource source, std::uint32_t id) noexcept;
    void recover_file(SsSource source, int dir, std::uint32_t id, bool have_meta, bool have_data) noexcept;

    // The manager's steps, each under the sensor's cold lock.
    enum class Wrote { nothing, some, failed };
    /// Writes s's units that are not durable yet, without a sync: `end` is the file offset they
    /// reach, `whole` whether every unit of s is then written (a quota may stop it short).
    Wrote write_units(Sensor& s, std::uint64_t& end, bool& whole) noexcept;
    /// Marks the units below `end` durable once their file is synced, and frees their RAM.
    void units_synced(Sensor& s, std::uint64_t end) noexcept;
    /// Whether this many files to sync in one tick go through one sync_all.
    bool batch_syncs(std::size_t files) const noexcept;
    /// One sync_all of the data root's file system for this many files; on an error (logged
    /// once, not per file) the next ticks sync file by file for a while. -ENOSYS: never again.
    int sync_all(std::size_t files) noexcept;
    /// Claims chunk c for s under the quotas, dropping oldest unsent chunks if needed.
    bool claim_chunk(Sensor& s, std::uint64_t c) noexcept;
    void release_chunk(Sensor& s, std::uint64_t c) noexcept;
    bool drop_oldest_unsent_chunk(Sensor& s) noexcept;
    void trim(Sensor& s) noexcept;
    /// Writes s's meta to its temporary file (synced if sync_now; else a sync_all must follow).
    bool stage_meta(Sensor& s, std::uint64_t next, bool sync_now) noexcept;
    /// Renames the durable temporary meta over the meta; durable at the next directory sync.
    bool commit_meta(Sensor& s) noexcept;
    std::uint64_t hot_next_seq(std::uint32_t slot) const noexcept;
    // The shutdown ledger (disk_format.hpp): exact numbering across a clean stop.
    static constexpr const char* ledger_name = "shutdown.ledger";
    static constexpr const char* ledger_tmp_name = "shutdown.ledger.tmp";
    /// The highest consume limit s may have now: its durable reservation, and while a ledger is
    /// on disk no more than what the ledger records (or its resume point).
    std::uint64_t cap_for(const Sensor& s) const noexcept;
    void read_ledger() noexcept;
    bool write_ledger() noexcept;
    bool remove_ledger() noexcept;
    void note_failure(Sensor& s, int err, const char* what, bool log_it = true) noexcept;
    /// ENOSPC: the disk-full flag, and the space in use taken as the quota for a while (global_ held).
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
    int dir_fd_[3] = {-1, -1, -1};
    bool dir_failed_[3] = {false, false, false}; // could not be opened or listed at recovery
    int dir_error_[3] = {0, 0, 0};               // why (negative errno)
    bool dir_dirty_[3] = {false, false, false};
    std::vector<std::unique_ptr<Sensor>> sensors_;  // by engine slot
    std::unique_ptr<std::mutex[]> locks_;
    std::map<std::pair<int, std::uint32_t>, std::unique_ptr<Sensor>> recovered_; // not yet attached
    std::vector<std::byte> recovery_buffer_;
    // Quota figures, recovered_, health. Taken after a cold lock, never before one.
    mutable std::mutex global_;
    std::uint64_t used_chunks_ = 0;
    std::uint64_t quota_chunks_;
    std::uint32_t health_ = 0;
    policy::DiskFullQuota disk_full_{};
    std::uint64_t now_ms_ = 0; // the time of the tick in progress (the last one between ticks)
    bool sync_all_unsupported_ = false;
    // A ledger is (or may be) on disk. Written by the manager (and open), read by attach too.
    std::atomic<bool> ledger_on_disk_{false};
    std::map<std::pair<int, std::uint32_t>, std::uint64_t> ledger_at_open_; // as read at open        // the kernel cannot report syncfs errors
    std::uint64_t sync_all_refused_until_ms_ = 0; // after a failed sync_all: file by file
    bool flushed_ = false;
};

/// The POSIX port's factory for ss::port::Platform::cold_tier_create.
Expected<ColdTier*> create_disk_tier(const SsInitCfg& cfg, Engine& engine, SsLogFn log, void* log_ctx, Text& why);
void destroy_disk_tier(ColdTier* tier);

} // namespace ss::hal
