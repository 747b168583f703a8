// The decisions about moving data between the RAM pool and a cold tier below it: when open
// sectors are sealed by age, which sealed sectors spill, when a sensor is disk-first and when it
// returns to RAM, when a shutdown stops flushing, and what the disk quota drops. They are made
// here, in the freestanding core, from figures and the time handed in; the tier below (the
// Linux disk tier in hal/) carries out the I/O it is told to do. Nothing here reads a clock,
// takes a lock or touches a file, so every rule is unit-tested on plain numbers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ss::policy {

/// Sealed sectors the RAM watermarks ask to move to the cold tier now: none below the high
/// watermark, else down to the low one. Both marks are capped so that the pool keeps a free
/// sector for every registered sensor (each may cross a sector boundary before the next tick).
/// `pool_capacity` is what registered sensors may use (the pool less its reserve for sensors not
/// yet registered): measured against the whole pool, a large reserve would let acquire() fail,
/// and records recycle, before the high watermark was ever reached.
std::uint64_t spill_target(std::uint64_t pool_capacity, std::uint64_t pool_in_use, std::uint32_t sensors,
                           std::uint32_t high_pct, std::uint32_t low_pct) noexcept;

/// A sensor with records in the cold tier is disk-first (003 §2, §9): its sealed sectors follow
/// its backlog every tick, so the stream stays in order and RAM stays free for open sectors.
/// Once the uploader has drained the backlog it is RAM-first again.
constexpr bool disk_first(std::uint64_t cold_records) noexcept { return cold_records > 0; }

/// One store's claim on the spill: the sectors it holds.
struct SpillCandidate {
    std::uint32_t held;
    std::uint32_t slot;
};

/// Orders candidates so that the stores holding the most sectors spill first (ties: the higher
/// slot first, which keeps the order total and the tick deterministic).
void order_spill(SpillCandidate* candidates, std::uint32_t n) noexcept;

/// Seals open sectors by age: every `interval_ms` all non-empty open sectors are sealed and
/// spilled, so a power cut loses at most about one interval of data. 0 = never.
class ForceSealTimer {
public:
    constexpr explicit ForceSealTimer(std::uint32_t interval_ms = 0) noexcept : interval_ms_(interval_ms) {}
    /// True once per interval (at the first tick at or past start + interval_ms); the first
    /// call starts the interval, and each due tick starts the next.
    bool due(std::uint64_t now_ms) noexcept;

private:
    std::uint32_t interval_ms_;
    std::uint64_t last_ms_ = 0;
    bool started_ = false;
};

/// The shutdown flush's budget: from the first tick that sees a shutdown, flushing goes on for
/// budget_ms; past it the manager gives up (what is not flushed stays in RAM, and
/// ss_shutdown_complete() stays false) rather than hold the process hostage.
class ShutdownBudget {
public:
    constexpr explicit ShutdownBudget(std::uint32_t budget_ms = 0) noexcept : budget_ms_(budget_ms) {}
    /// What this tick may do: a tick exactly budget_ms after the first still runs; the first
    /// one past it is just_spent (the tier logs it once), every later one spent.
    enum class Verdict : std::uint8_t { run, just_spent, spent };
    Verdict at(std::uint64_t now_ms, bool shutdown) noexcept;
    /// True once the budget of the shutdown in progress ran out.
    bool spent() const noexcept { return spent_; }

private:
    std::uint32_t budget_ms_;
    std::uint64_t since_ms_ = 0;
    bool started_ = false;
    bool spent_ = false;
};

// ---- the disk quota ---------------------------------------------------------------------------

/// A sensor's claim on the quota: the allocation chunks it holds.
struct ChunkHolder {
    std::uint64_t chunks;
    std::uint32_t slot;
};

/// Fair share: the sensor holding the most disk gives up its oldest unsent chunk first.
void order_quota_victims(ChunkHolder* holders, std::uint32_t n) noexcept;

/// What a sensor's stream looks like to the quota: its units in file order and the uploader's
/// position in them.
struct UnitView {
    std::uint64_t offset; ///< in the data file
    std::uint16_t start;  ///< first retained record
    bool durable;         ///< written and synced
};

/// The units [first, last) that make up the chunk `chunk`.
struct ChunkDrop {
    std::size_t first = 0;
    std::size_t last = 0;
    std::uint64_t chunk = 0;
};

/// The oldest chunk whose units may be dropped at the quota: it holds no pending record, it is
/// whole (not the chunk being appended to) and every unit in it is durable. `units(i)` returns
/// UnitView for unit i of n; the uploader's next unsent record is at (pend_unit, pend_off).
/// Pending data is never a candidate. Returns false if there is none.
template <class Units>
bool oldest_unsent_chunk(const Units& units, std::size_t n, std::size_t pend_unit, std::uint16_t pend_off,
                         std::uint64_t append_offset, std::uint32_t chunk_bytes, ChunkDrop& out) noexcept {
    std::size_t i = pend_unit;
    if (i >= n) return false;
    std::uint64_t chunk = units(i).offset / chunk_bytes;
    // The chunk of the next unsent record also holds pending ones if the uploader is inside it.
    const bool pending_in_chunk = pend_off > units(i).start || (i > 0 && units(i - 1).offset / chunk_bytes == chunk);
    if (pending_in_chunk) {
        while (i < n && units(i).offset / chunk_bytes == chunk) ++i;
        if (i >= n) return false;
        chunk = units(i).offset / chunk_bytes;
    }
    if (chunk >= append_offset / chunk_bytes && append_offset % chunk_bytes != 0) return false;
    std::size_t j = i;
    while (j < n && units(j).offset / chunk_bytes == chunk) {
        if (!units(j).durable) return false;
        ++j;
    }
    out = ChunkDrop{i, j, chunk};
    return true;
}

/// While the file system is full before the quota, the space in use (less a chunk) stands in
/// for the quota, so the quota rule drops the oldest unsent data instead of failing forever.
/// It holds for `hold_ms` from the first tick after the disk filled, then the configured quota
/// is tried again.
class DiskFullQuota {
public:
    static constexpr std::uint64_t hold_ms = 10'000;

    /// The quota in chunks while lowered, given the chunks in use when the disk filled.
    static constexpr std::uint64_t lowered(std::uint64_t used_chunks) noexcept {
        return used_chunks > 1 ? used_chunks - 1 : 1;
    }
    void lower() noexcept {
        lowered_ = true;
        stamped_ = false;
    }
    /// True at the first tick more than hold_ms after the first tick that followed lower().
    bool restore_due(std::uint64_t now_ms) noexcept;
    bool is_lowered() const noexcept { return lowered_; }

private:
    std::uint64_t since_ms_ = 0;
    bool lowered_ = false;
    bool stamped_ = false;
};

} // namespace ss::policy
