// A store's integrity scrub: every sealed sector's CRC checked, the corrupt ones dropped and counted.
#include "ss/sensor_store.hpp"

namespace ss {

void SensorStore::scrub(const StoreContext& ctx, SsScrubReport& report) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    SectorPool& pool = *ctx.pool;
    ++report.sensors;
    if (!ctx.crc_enabled) return;
    SectorIndex prev = no_sector;
    SectorIndex s = head_.sector;
    std::uint64_t before = 0;
    while (s != no_sector) {
        const SectorIndex next = pool.next(s);
        if (!is_sealed(s)) break; // only the open tail is unsealed
        ++report.sectors_checked;
        const std::uint32_t held = count_of(pool, s) - start_of(s);
        if (sector::verify(pool.data(s), type(), ctx.sector_bytes)) {
            before += held;
            prev = s;
        } else {
            ++report.corrupt_sectors;
            report.records_dropped += held;
            if (drop_sector(ctx, s, prev, pending_in(pool, s, before), true)) {
                append_tail(ctx, s);
                break;
            }
            pool.release(s);
        }
        s = next;
    }
}

std::uint32_t SensorStore::scrub_from(const StoreContext& ctx, ScrubCursor& at, std::uint32_t max,
                                      SsScrubReport& report) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    SectorPool& pool = *ctx.pool;
    // Unsent records start in pend's sector. Where the last call stopped, the hint saves reading
    // the header of every sector before it; it counts only if that sector is still this store's
    // at or after pend (found on the links from pend to the tail: two bytes a hop) and still
    // holds what it did (a sector freed and taken again starts at a new sequence number).
    SectorIndex s = pend_.sector;
    if (at.hint != no_sector && at.hint != s) {
        bool ours = false;
        for (SectorIndex x = s; !ours && x != tail_; x = pool.next(x)) ours = pool.next(x) == at.hint;
        if (ours && sector::first_seq(pool.data(at.hint)) == at.hint_seq) s = at.hint;
    }
    at.hint = no_sector;
    std::uint32_t checked = 0;
    while (s != no_sector && is_sealed(s)) {
        const SectorIndex next = pool.next(s);
        const std::uint32_t count = count_of(pool, s);
        const std::uint64_t first_seq = sector::first_seq(pool.data(s));
        // A sector whose last record is below the cursor was checked earlier in this pass (an
        // empty one holds nothing to lose); pend's sector may hold pending records only.
        const bool due = (s != pend_.sector || pend_.offset < count) && first_seq + count > at.next_seq;
        if (!due || !ctx.crc_enabled) {
            s = next;
            continue;
        }
        if (checked == max) {
            at.hint = s;
            at.hint_seq = first_seq;
            break;
        }
        ++checked;
        at.next_seq = first_seq + count;
        if (sector::verify(pool.data(s), type(), ctx.sector_bytes)) {
            s = next;
            continue;
        }
        ++report.corrupt_sectors;
        report.records_dropped += count - start_of(s);
        // Every record from pend on is unsent: only pend's sector can hold pending ones.
        const std::uint32_t pending_in_s = s == pend_.sector ? pend_.offset - start_of(s) : 0;
        if (drop_sector(ctx, s, prev_of(pool, s), pending_in_s, true)) {
            append_tail(ctx, s);
            s = no_sector;
            break;
        }
        pool.release(s);
        s = next;
    }
    report.sectors_checked += checked;
    // Past the last sealed sector (the open tail, or the chain's end): nothing is left to check.
    if (s == no_sector || !is_sealed(s)) {
        at.finished = true;
        ++report.sensors;
    }
    return checked;
}

} // namespace ss
