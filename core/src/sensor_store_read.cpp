// A store's non-consuming reads: one record by offset, a range by sequence number.
#include "ss/sensor_store.hpp"

#include <cstring>

namespace ss {

Expected<void> SensorStore::read_at(const StoreContext& ctx, std::uint64_t offset, void* out) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    if (offset >= retained_now()) return std::unexpected(Errc::invalid_argument);
    SectorPool& pool = *ctx.pool;
    SectorIndex prev = no_sector;
    SectorIndex s = head_.sector;
    std::uint64_t before = 0; // retained records in sectors before s
    while (offset - before >= count_of(pool, s) - start_of(s)) {
        before += count_of(pool, s) - start_of(s);
        prev = s;
        s = pool.next(s);
    }
    if (verify_level() >= VerifyLevel::every_read && ctx.crc_enabled && is_sealed(s) &&
        !sector::verify(pool.data(s), type(), ctx.sector_bytes)) {
        if (drop_sector(ctx, s, prev, pending_in(pool, s, before), true)) append_tail(ctx, s);
        else pool.release(s);
        return std::unexpected(Errc::io_error);
    }
    const std::size_t rb = record_bytes();
    std::memcpy(out, sector::payload(pool.data(s)) + (start_of(s) + (offset - before)) * rb, rb);
    return {};
}

RangeStep SensorStore::read_range(const StoreContext& ctx, std::uint64_t from, BatchCopy& copy,
                                  RangeHint& hint) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    SectorPool& pool = *ctx.pool;
    if (retained_now() == 0) return RangeStep::past_end;
    // Where the last hold stopped, if that sector is still this store's and still holds what it
    // did (a sector recycled and taken again starts at a new sequence number): the links from
    // head to it cost two bytes a hop, the headers of a walk from head a cache line each.
    SectorIndex s = head_.sector;
    if (hint.sector != no_sector && hint.sector != s) {
        bool ours = false;
        for (SectorIndex x = s; !ours && x != tail_; x = pool.next(x)) ours = pool.next(x) == hint.sector;
        if (ours && sector::first_seq(pool.data(hint.sector)) == hint.first_seq) s = hint.sector;
    }
    // The sector holding the first retained record numbered `from` or later.
    while (s != no_sector &&
           (count_of(pool, s) == start_of(s) || sector::first_seq(pool.data(s)) + count_of(pool, s) <= from))
        s = s == tail_ ? no_sector : pool.next(s);
    if (s == no_sector) return RangeStep::past_end;
    if (verify_level() >= VerifyLevel::every_read && ctx.crc_enabled && is_sealed(s) &&
        !sector::verify(pool.data(s), type(), ctx.sector_bytes)) {
        SectorIndex prev = no_sector;
        std::uint64_t before = 0;
        for (SectorIndex x = head_.sector; x != s; x = pool.next(x)) {
            before += count_of(pool, x) - start_of(x);
            prev = x;
        }
        if (drop_sector(ctx, s, prev, pending_in(pool, s, before), true)) append_tail(ctx, s);
        else pool.release(s);
        hint = RangeHint{};
        return RangeStep::dropped;
    }
    const std::uint64_t first = sector::first_seq(pool.data(s));
    std::uint32_t off = start_of(s);
    if (from > first + off) off = static_cast<std::uint32_t>(from - first);
    copy.take(first + off, sector::payload(pool.data(s)) + std::size_t{off} * record_bytes(), count_of(pool, s) - off);
    hint = RangeHint{s, first};
    return RangeStep::copied;
}

} // namespace ss
