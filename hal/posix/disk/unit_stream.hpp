// One sensor's stream in the disk tier: its units in file order, the uploader's cursors over
// them and the counts its stats show. Bookkeeping only: no I/O, no locks (the caller holds the
// sensor's cold lock).
//
//   units[0].start ──pending── (pend_unit, pend_off) ──unsent── end
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>

#include "ss/cold_tier.hpp"
#include "ss/sector_pool.hpp"
#include "ss/sensor_storage.h"

namespace ss::hal::tier {

/// A sealed sector image at `offset` of the data file.
struct Unit {
    std::uint64_t offset;
    std::uint64_t first_seq;
    std::uint16_t count;
    std::uint16_t start; ///< first retained record
    SectorIndex ram;     ///< pool sector while the unit is in RAM, else no_sector
    bool durable;        ///< written and synced
};

/// Why records leave the stream other than by an acknowledgement.
enum class DropCause : std::uint8_t { quota, corrupt };

/// What recovery found lost and the stream has not yet moved past (persisted in the meta).
struct Loss {
    std::uint32_t units = 0;
    std::uint64_t records = 0;
    std::uint64_t until_seq = 0; ///< history once the acknowledged boundary reaches this
};

struct UnitStream {
    std::deque<Unit> units;
    std::size_t pend_unit = 0; ///< the uploader's next unsent record: (units[pend_unit], pend_off)
    std::uint16_t pend_off = 0;
    std::uint64_t retained = 0;
    std::uint64_t pending = 0;
    std::uint64_t head_seq = 0;      ///< first retained (or next) sequence number
    std::uint64_t append_offset = 0; ///< where the next unit goes
    std::uint64_t erased = 0;
    std::uint64_t dropped_quota = 0;
    std::uint64_t dropped_corrupt = 0;
    std::uint64_t lifetime_dropped_quota = 0; ///< carried across restarts in the meta
    std::uint64_t lifetime_corrupt_units = 0;
    std::uint64_t recovered_records = 0; ///< retained at recovery (accepted by an earlier run)
    Loss loss;

    /// Appends a sector detached from the store's front. True if the acknowledged boundary
    /// moved (records were erased while the sector was in RAM): the meta must say so.
    bool append(const DetachedSector& d, std::uint64_t first_seq, std::uint32_t unit_bytes) noexcept;
    /// The unit holding the next unsent record, or nullptr.
    const Unit* next_unsent() const noexcept { return pend_unit < units.size() ? &units[pend_unit] : nullptr; }
    std::uint64_t next_unsent_seq() const noexcept { return units[pend_unit].first_seq + pend_off; }
    /// `n` more records of the next unsent unit are now pending.
    void advance(std::uint32_t n) noexcept;
    /// Removes unit i (its RAM copy already released) and counts its retained records as
    /// dropped for `cause`. Returns how many records went.
    std::uint64_t drop(std::size_t i, DropCause cause) noexcept;
    /// Erases every pending record: `gone` is called with each unit that leaves the front
    /// (before it leaves) so its RAM copy and cache can go. Returns true if anything moved.
    template <class Gone>
    bool erase_pending(Gone&& gone) noexcept;
    /// Erases the pending records numbered below end_seq (no further than the pending cursor):
    /// units wholly below it leave the front (`gone` as for erase_pending), and the first unit
    /// left keeps a later start when the run ends inside it. Returns true if anything moved.
    template <class Gone>
    bool erase_pending_until(std::uint64_t end_seq, Gone&& gone) noexcept;
    /// The retained records before `offset` (a read position): (unit index, record in it).
    bool locate(std::uint64_t offset, std::size_t& unit, std::uint32_t& record) const noexcept;
    /// Loss figures are history once the acknowledged boundary has passed them.
    void forget_passed_loss() noexcept;
    /// Adds the stream's figures to a store's.
    void add_stats(SsSensorStats& out) const noexcept;
};

template <class Gone>
bool UnitStream::erase_pending(Gone&& gone) noexcept {
    if (pending == 0) return false;
    std::uint64_t end = head_seq;
    while (pend_unit > 0) {
        Unit& u = units.front();
        erased += u.count - u.start;
        end = u.first_seq + u.count;
        gone(u);
        units.pop_front();
        --pend_unit;
    }
    if (!units.empty()) {
        Unit& u = units.front();
        erased += pend_off - u.start;
        u.start = pend_off;
        head_seq = u.first_seq + u.start;
    } else {
        head_seq = end;
        pend_off = 0;
    }
    retained -= pending;
    pending = 0;
    forget_passed_loss();
    return true;
}

template <class Gone>
bool UnitStream::erase_pending_until(std::uint64_t end_seq, Gone&& gone) noexcept {
    if (pending == 0) return false;
    std::uint64_t gone_records = 0;
    std::uint64_t end = head_seq;
    // Units before pend_unit are wholly pending.
    while (pend_unit > 0 && units.front().first_seq + units.front().count <= end_seq) {
        Unit& u = units.front();
        gone_records += u.count - u.start;
        end = u.first_seq + u.count;
        gone(u);
        units.pop_front();
        --pend_unit;
    }
    if (!units.empty()) {
        // The run may end inside the front unit: its start moves up, never past the pending
        // cursor (in pend's unit) nor past its records.
        Unit& u = units.front();
        const std::uint16_t limit = pend_unit == 0 ? pend_off : u.count;
        if (end_seq > u.first_seq + u.start) {
            const auto to = static_cast<std::uint16_t>(std::min<std::uint64_t>(end_seq - u.first_seq, limit));
            gone_records += to - u.start;
            u.start = to;
        }
        head_seq = u.first_seq + u.start;
    } else {
        head_seq = end;
        pend_off = 0;
    }
    if (gone_records == 0) return false;
    erased += gone_records;
    retained -= gone_records;
    pending -= gone_records;
    forget_passed_loss();
    return true;
}

} // namespace ss::hal::tier
