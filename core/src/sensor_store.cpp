#include "ss/sensor_store.hpp"

#include <algorithm>
#include <cstring>

#include "ss/counter.hpp"
#include "sensor_store_add.hpp"

namespace ss {

namespace {
// The store's record counts are RecordCount wide (16 bits on bare metal, where the pool is
// bounded by validate_config): these keep -Wconversion quiet at the few places they move by more
// than one, within what the counts can hold.
void count_add(SensorStore::RecordCount& c, std::uint64_t n) noexcept { c = static_cast<SensorStore::RecordCount>(c + n); }
void count_sub(SensorStore::RecordCount& c, std::uint64_t n) noexcept { c = static_cast<SensorStore::RecordCount>(c - n); }
} // namespace

SensorStore::SensorStore(const StoreContext& ctx, SsSource source, std::uint32_t id, RecordType type,
                         SectorIndex first_sector, std::uint64_t first_seq) noexcept
    : seq_before_tail_(first_seq),
      id_(id),
      head_{no_sector, 0},
      pend_{no_sector, 0},
      tail_(no_sector),
      source_(static_cast<std::uint8_t>(source)),
      type_(static_cast<std::uint8_t>(type)),
      flags_(static_cast<std::uint8_t>(static_cast<unsigned>(type) << type_shift)),
      verify_(static_cast<std::uint8_t>(ctx.verify)) {
    append_tail(ctx, first_sector);
}

void SensorStore::add_sectors(int delta) noexcept {
    sectors_.store(static_cast<std::uint16_t>(sectors_.load(std::memory_order_relaxed) + delta),
                   std::memory_order_relaxed);
}

std::uint32_t SensorStore::count_of(const SectorPool& pool, SectorIndex s) const noexcept {
    return s == tail_ ? tail_count_ : sector::count(pool.data(s));
}

void SensorStore::note_health(const StoreContext& ctx, std::uint32_t bit) const noexcept {
    if (ctx.health != nullptr) ctx.health->fetch_or(bit, std::memory_order_relaxed);
}

void SensorStore::seal_tail(const StoreContext& ctx) noexcept {
    // Sealed under the store lock, the lock that guards the writes: no record can change
    // between the write and its checksum (seed 004).
    if (ctx.crc_on_add && tail_count_ == capacity(ctx))
        sector::seal_full_with_running_crc(ctx.pool->data(tail_), tail_count_);
    else
        sector::seal(ctx.pool->data(tail_), tail_count_, type(), ctx.crc_enabled);
    flags_ |= tail_sealed;
}

void SensorStore::append_tail(const StoreContext& ctx, SectorIndex s, std::uint32_t period) noexcept {
    SectorPool& pool = *ctx.pool;
    const Cursor old_end{tail_, tail_count_};
    if (tail_ != no_sector) period = open_period(pool);
    sector::format(pool.data(s), type(), next_seq_now(), ctx.boot, period);
    pool.set_next(s, no_sector);
    if (tail_ != no_sector) pool.set_next(tail_, s);
    tail_ = s;
    set_tail_count(0);
    flags_ &= static_cast<std::uint8_t>(~tail_sealed);
    add_sectors(1);
    // A cursor left without a sector moves to the new start, and so does pend at the end of
    // the old tail. head never sits there: that would mean an empty store, which make_room
    // restarts in place instead (a sector before head would never be freed).
    if (head_.sector == no_sector) head_ = {s, 0};
    if (pend_.sector == no_sector || (pend_.sector == old_end.sector && pend_.offset == old_end.offset)) {
        pend_ = {s, 0};
        flags_ &= static_cast<std::uint8_t>(~pend_verified);
    }
}

SectorIndex SensorStore::prev_of(const SectorPool& pool, SectorIndex s) const noexcept {
    SectorIndex prev = no_sector;
    for (SectorIndex cur = head_.sector; cur != s; cur = pool.next(cur)) prev = cur;
    return prev;
}

std::uint32_t SensorStore::pending_in(const SectorPool& pool, SectorIndex s, std::uint64_t before) const noexcept {
    if (s == pend_.sector) return pend_.offset - start_of(s);
    return before < pending_ ? count_of(pool, s) - start_of(s) : 0;
}

bool SensorStore::drop_sector(const StoreContext& ctx, SectorIndex s, SectorIndex prev, std::uint32_t pending_in_s,
                              bool corrupt) noexcept {
    SectorPool& pool = *ctx.pool;
    const std::uint32_t held = count_of(pool, s) - start_of(s);
    count_sub(retained_before_tail_, held);
    count_sub(pending_, pending_in_s);
    if (corrupt) {
        saturating_add(dropped_corrupt_, held);
        saturating_add(corrupt_sectors_, 1);
        note_health(ctx, SS_HEALTH_CORRUPTION);
    } else {
        saturating_add(dropped_recycled_, held);
        note_health(ctx, SS_HEALTH_DROPPING);
    }
    const SectorIndex next = pool.next(s);
    if (prev != no_sector) pool.set_next(prev, next);
    if (head_.sector == s) head_ = {next, 0};
    if (pend_.sector == s) {
        pend_ = {next, 0};
        flags_ &= static_cast<std::uint8_t>(~pend_verified);
    }
    pool.set_next(s, no_sector);
    add_sectors(-1);
    if (s != tail_) return false;
    // The predecessor, sealed long ago, stands in as tail until a new open sector is appended.
    tail_ = prev;
    set_tail_count(prev == no_sector ? std::uint16_t{0} : sector::count(pool.data(prev)));
    flags_ |= tail_sealed;
    if (prev != no_sector) {
        // Cursors that were in s now sit at the end of the new tail (the cursor invariant).
        if (head_.sector == no_sector) head_ = {prev, tail_count_};
        if (pend_.sector == no_sector) pend_ = {prev, tail_count_};
    }
    return true;
}

SectorIndex SensorStore::oldest_unsent_sector(const SectorPool& pool) const noexcept {
    // pend's sector holds pending records unless pend sits at its first retained record.
    return pend_.offset > start_of(pend_.sector) ? pool.next(pend_.sector) : pend_.sector;
}

Expected<void> SensorStore::make_room(const StoreContext& ctx) noexcept {
    if (retained_now() == 0) {
        // Everything was erased: the full tail is the only sector and holds nothing; start it
        // over rather than take another.
        const SectorIndex s = tail_;
        const std::uint32_t period = open_period(*ctx.pool);
        head_ = pend_ = {no_sector, 0};
        tail_ = no_sector;
        add_sectors(-1);
        append_tail(ctx, s, period);
        return {};
    }
    const bool capped = ctx.max_sectors_per_sensor != 0 && sector_count() >= ctx.max_sectors_per_sensor;
    SectorIndex fresh = capped ? no_sector : ctx.pool->acquire();
    if (fresh != no_sector) {
        append_tail(ctx, fresh);
        return {};
    }
    // No free sector: recycle our own oldest sector that holds no pending record, to keep the
    // newest data (003 §12). Every sector but the open one is sealed, and the open one is full
    // here, so the victim is sealed.
    if (const SectorIndex victim = oldest_unsent_sector(*ctx.pool); victim != no_sector) {
        drop_sector(ctx, victim, prev_of(*ctx.pool, victim), 0, false);
        append_tail(ctx, victim);
        return {};
    }
    // Only pending data of ours is left. Before dropping the new record, take an unsent sector
    // from a store holding more than its share: otherwise a sensor whose one sector holds a
    // pending record would lose every new record while others keep old unsent data.
    if (!capped && ctx.borrow != nullptr && (fresh = ctx.borrow(ctx.borrow_owner, *this)) != no_sector) {
        append_tail(ctx, fresh);
        return {};
    }
    return std::unexpected(Errc::no_space);
}

SectorIndex SensorStore::donate_sector(const StoreContext& ctx, std::uint32_t more_than) noexcept {
    // try_lock: the requester holds its own lock, so waiting here could deadlock.
    void* const lock = ctx.lock_of(*this);
    if (lock != nullptr && !ctx.lock_ops->try_lock(lock)) return no_sector;
    SectorIndex s = no_sector;
    if (sector_count() > more_than) {
        s = oldest_unsent_sector(*ctx.pool);
        // The open sector is still being written: never give it away. A full, sealed tail may
        // go; its predecessor then stands in as tail until our next add.
        if (s != no_sector && is_sealed(s))
            drop_sector(ctx, s, prev_of(*ctx.pool, s), 0, false);
        else
            s = no_sector;
    }
    if (lock != nullptr) ctx.lock_ops->unlock(lock);
    return s;
}

void SensorStore::stamp_open_sector(const StoreContext& ctx, std::uint64_t time) noexcept {
    if (time == sector::time_unknown && ctx.record_clock != nullptr) time = ctx.record_clock(ctx.record_clock_ctx);
    std::byte* const open = ctx.pool->data(tail_);
    sector::set_first_time(open, time);
    if (ctx.crc_on_add) sector::start_running_crc(open, static_cast<std::uint16_t>(capacity(ctx)));
}

void SensorStore::start_new_sector(const StoreContext& ctx) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    // A sealed tail counts as full: the next add opens a fresh sector through make_room, as after
    // the manager's forced seal.
    if ((flags_ & tail_sealed) == 0 && tail_count_ != 0) seal_tail(ctx);
}

std::uint32_t SensorStore::sample_period_us(const StoreContext& ctx) const noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    return open_period(*ctx.pool);
}

Expected<void> SensorStore::set_sample_period_us(const StoreContext& ctx, std::uint32_t period_us) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    std::byte* open = ctx.pool->data(tail_);
    if (sector::period_us(open) == period_us) return {};
    if (tail_count_ != 0 || (flags_ & tail_sealed) != 0) {
        // Its records were taken at the old period: they keep it, the next ones start a sector.
        // A free one only: a period change is no reason to recycle anybody's records.
        const bool capped = ctx.max_sectors_per_sensor != 0 && sector_count() >= ctx.max_sectors_per_sensor;
        const SectorIndex fresh = capped ? no_sector : ctx.pool->acquire();
        if (fresh == no_sector) return std::unexpected(Errc::no_space);
        if ((flags_ & tail_sealed) == 0) seal_tail(ctx);
        append_tail(ctx, fresh);
        open = ctx.pool->data(tail_);
    }
    sector::set_time_base(open, sector::time_unknown, period_us);
    return {};
}

Expected<void> SensorStore::add(const StoreContext& ctx, const void* rec, std::uint64_t time) noexcept {
    // Copies of constant size: a few moves instead of a call to memcpy.
    if (type() == RecordType::ts)
        return add_one<sector::ts_record_bytes>(ctx, time,
                                                [rec](std::byte* dst) { std::memcpy(dst, rec, sector::ts_record_bytes); });
    return add_one<sector::evt_record_bytes>(ctx, time,
                                             [rec](std::byte* dst) { std::memcpy(dst, rec, sector::evt_record_bytes); });
}

std::uint32_t SensorStore::add_many(const StoreContext& ctx, const void* recs, std::uint32_t n,
                                    std::uint64_t first_time) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    const std::size_t rb = record_bytes();
    const auto* src = static_cast<const std::byte*>(recs);
    std::uint32_t stored = 0;
    while (stored < n) {
        if (open_sector_full(ctx)) {
            if ((flags_ & tail_sealed) == 0) seal_tail(ctx);
            if (!make_room(ctx)) {
                // With the lock held nothing can free room before the next record either.
                const std::uint32_t dropped = n - stored;
                seq_before_tail_ += dropped;
                saturating_add(dropped_new_, dropped);
                note_health(ctx, SS_HEALTH_DROPPING);
                break;
            }
        }
        if (tail_count_ == 0) stamp_open_sector(ctx, sector::record_time(first_time, open_period(*ctx.pool), stored));
        // As many as the open sector takes, in one copy.
        const std::uint32_t fit = std::min<std::uint32_t>(n - stored, capacity(ctx) - tail_count_);
        std::byte* const records = open_payload(*ctx.pool) + std::size_t{tail_count_} * rb;
        std::memcpy(records, src + std::size_t{stored} * rb, std::size_t{fit} * rb);
        if (ctx.crc_on_add)
            sector::extend_running_crc(ctx.pool->data(tail_), records, std::size_t{fit} * rb);
        // One more in the open sector: next_seq and retained follow (seq_before_tail_).
        tail_count_ = static_cast<std::uint16_t>(tail_count_ + fit);
        stored += fit;
    }
    return stored;
}

bool SensorStore::verified(const StoreContext& ctx, SectorIndex s) noexcept {
    const VerifyLevel level = verify_level();
    if (level == VerifyLevel::off || !ctx.crc_enabled || !is_sealed(s)) return true;
    const bool is_pend = s == pend_.sector;
    if (level == VerifyLevel::first_read && is_pend && (flags_ & pend_verified) != 0) return true;
    if (!sector::verify(ctx.pool->data(s), type(), ctx.sector_bytes)) return false;
    if (is_pend) flags_ |= pend_verified;
    return true;
}

Expected<Batch> SensorStore::consume(const StoreContext& ctx, void* out, std::uint32_t max,
                                     std::uint64_t seq_limit, BatchTime time) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    SectorPool& pool = *ctx.pool;
    const std::size_t rb = record_bytes();
    BatchCopy copy(out, rb, max, seq_limit, time);
    while (!copy.full()) {
        const SectorIndex s = pend_.sector;
        const std::uint32_t n = count_of(pool, s);
        if (pend_.offset == n) break; // by the cursor invariant, s is the tail: all consumed
        if (!verified(ctx, s)) {
            if (drop_sector(ctx, s, prev_of(pool, s), pend_.offset - start_of(s), true)) append_tail(ctx, s);
            else pool.release(s);
            continue;
        }
        const std::uint32_t take = copy.take_sector(pool.data(s), pend_.offset, n - pend_.offset);
        if (take == 0) break;
        pend_.offset = static_cast<std::uint16_t>(pend_.offset + take);
        count_add(pending_, take);
        if (pend_.offset == n && s != tail_) {
            pend_ = {pool.next(s), 0};
            flags_ &= static_cast<std::uint8_t>(~pend_verified);
        }
    }
    if (copy.empty()) return std::unexpected(Errc::try_again);
    return copy.batch();
}

std::uint32_t SensorStore::detach_front(const StoreContext& ctx, DetachedSector* out, std::uint32_t max) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    SectorPool& pool = *ctx.pool;
    std::uint32_t n = 0;
    while (n < max) {
        const SectorIndex s = head_.sector;
        SectorIndex fresh = no_sector;
        if (s == tail_) {
            // The open sector is still being written; a sealed tail with records left goes
            // only if the store can open a new one at once.
            if ((flags_ & tail_sealed) == 0 || head_.offset == tail_count_) break;
            if ((fresh = pool.acquire()) == no_sector) break;
        }
        const std::uint32_t count = count_of(pool, s);
        const std::uint32_t pending_in_s = s == pend_.sector ? pend_.offset - head_.offset : count - head_.offset;
        out[n++] = DetachedSector{s, head_.offset, static_cast<std::uint16_t>(count),
                                  static_cast<std::uint16_t>(pending_in_s)};
        count_sub(retained_before_tail_, count - head_.offset);
        count_sub(pending_, pending_in_s);
        const SectorIndex next = pool.next(s);
        pool.set_next(s, no_sector);
        add_sectors(-1);
        if (pend_.sector == s) flags_ &= static_cast<std::uint8_t>(~pend_verified);
        if (fresh != no_sector) {
            const std::uint32_t period = sector::period_us(pool.data(s)); // s was the sealed tail
            head_ = pend_ = {no_sector, 0};
            tail_ = no_sector;
            append_tail(ctx, fresh, period);
            break;
        }
        if (pend_.sector == s) pend_ = {next, 0};
        head_ = {next, 0};
    }
    return n;
}

void SensorStore::erase_all_pending(const StoreContext& ctx) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    SectorPool& pool = *ctx.pool;
    if (head_.sector != pend_.sector) {
        // Every sector before pend's is wholly pending: hand them back under one pool lock.
        const SectorIndex first = head_.sector;
        SectorIndex last = first;
        std::uint32_t n = 1;
        while (pool.next(last) != pend_.sector) {
            last = pool.next(last);
            ++n;
        }
        pool.release_chain(first, last, n);
        add_sectors(-static_cast<int>(n));
    }
    saturating_add(erased_, pending_);
    count_sub(retained_before_tail_, pending_);
    pending_ = 0;
    head_ = pend_;
}

std::uint64_t SensorStore::seq_at(const SectorPool& pool, const Cursor& c) const noexcept {
    return c.offset == count_of(pool, c.sector) ? next_seq_now() : sector::first_seq(pool.data(c.sector)) + c.offset;
}

Expected<std::uint64_t> SensorStore::erase_pending_until(const StoreContext& ctx, std::uint64_t end_seq) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    SectorPool& pool = *ctx.pool;
    if (end_seq > seq_at(pool, pend_)) return std::unexpected(Errc::invalid_argument);
    // Sectors before pend's are wholly pending (bar head's erased front): those whose last
    // record is below end_seq go back to the pool under one pool lock.
    std::uint64_t erased = 0;
    SectorIndex last_freed = no_sector;
    std::uint32_t freed = 0;
    SectorIndex s = head_.sector;
    while (s != pend_.sector) {
        const std::uint32_t n = count_of(pool, s);
        if (sector::first_seq(pool.data(s)) + n > end_seq) break;
        erased += n - start_of(s);
        last_freed = s;
        ++freed;
        s = pool.next(s);
    }
    if (freed != 0) {
        pool.release_chain(head_.sector, last_freed, freed);
        add_sectors(-static_cast<int>(freed));
        head_ = {s, 0};
    }
    // The acknowledged run may end inside the sector the head now sits in: the head stops there.
    // In pend's sector it stops at pend at most: end_seq may lie in a gap after its records
    // (numbers of dropped adds), which holds nothing to erase.
    const std::uint64_t first = sector::first_seq(pool.data(head_.sector));
    if (end_seq > first + head_.offset) {
        std::uint64_t to = end_seq - first;
        if (head_.sector == pend_.sector && to > pend_.offset) to = pend_.offset;
        erased += to - head_.offset;
        head_.offset = static_cast<std::uint16_t>(to);
    }
    saturating_add(erased_, erased);
    count_sub(retained_before_tail_, erased);
    count_sub(pending_, erased);
    return erased;
}

StoreClear SensorStore::clear(const StoreContext& ctx, std::uint64_t elsewhere) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    SectorPool& pool = *ctx.pool;
    const StoreClear done{retained_now(), pending_, next_seq_now()};
    // Every sector before the tail goes back under one pool lock; the tail starts over.
    if (head_.sector != tail_) {
        SectorIndex last = head_.sector;
        std::uint32_t n = 1;
        while (pool.next(last) != tail_) {
            last = pool.next(last);
            ++n;
        }
        pool.release_chain(head_.sector, last, n);
        add_sectors(-static_cast<int>(n));
    }
    const SectorIndex keep = tail_;
    head_ = pend_ = {no_sector, 0};
    tail_ = no_sector;
    add_sectors(-1);
    append_tail(ctx, keep);
    retained_before_tail_ = 0; // the tail was started over: it holds none
    pending_ = 0;
    erased_ = 0;
    dropped_new_ = 0;
    dropped_recycled_ = 0;
    dropped_corrupt_ = 0;
    corrupt_sectors_ = 0;
    clear_counts_.add(done.records + elsewhere);
    return done;
}

std::uint64_t SensorStore::next_seq(const StoreContext& ctx) const noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    return next_seq_now();
}

std::uint64_t SensorStore::newest_end(const SectorPool& pool) const noexcept {
    // The header's first_seq, not seq_before_tail_: a new record dropped while the tail is full
    // moves the latter past the tail's records.
    const SectorIndex s = tail_count_ > start_of(tail_) ? tail_ : prev_of(pool, tail_);
    return sector::first_seq(pool.data(s)) + count_of(pool, s);
}

Expected<void> SensorStore::seek(const StoreContext& ctx, std::uint64_t seq, std::uint64_t floor,
                                 bool head_bounds) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    SectorPool& pool = *ctx.pool;
    const std::uint64_t next = next_seq_now();
    if (seq == next) return {};
    if (seq < floor_locked(pool, floor, head_bounds) || seq > sector::max_seq)
        return std::unexpected(Errc::invalid_argument);
    if (tail_count_ != 0 || (flags_ & tail_sealed) != 0) {
        if (retained_now() == 0) {
            // Everything in the tail was erased: it starts over in place (as make_room does).
            const SectorIndex s = tail_;
            const std::uint32_t period = open_period(pool);
            head_ = pend_ = {no_sector, 0};
            tail_ = no_sector;
            add_sectors(-1);
            append_tail(ctx, s, period);
        } else {
            // The sector is had as an add's would be (make_room): a free one, else our own oldest
            // unsent sealed sector recycled (counted), else one borrowed; but before the open
            // sector is sealed, so that nothing changes if there is none. A relayed writer that
            // could not seek would have to stop: its next numbers would be wrong.
            const bool capped = ctx.max_sectors_per_sensor != 0 && sector_count() >= ctx.max_sectors_per_sensor;
            SectorIndex fresh = capped ? no_sector : pool.acquire();
            if (fresh == no_sector) {
                const SectorIndex victim = oldest_unsent_sector(pool);
                if (victim != no_sector && victim != tail_) {
                    drop_sector(ctx, victim, prev_of(pool, victim), 0, false);
                    fresh = victim;
                } else if (!capped && ctx.borrow != nullptr) {
                    fresh = ctx.borrow(ctx.borrow_owner, *this);
                }
            }
            if (fresh == no_sector) return std::unexpected(Errc::no_space);
            if ((flags_ & tail_sealed) == 0) seal_tail(ctx);
            append_tail(ctx, fresh);
        }
    }
    // The open sector is empty (its time is stamped by its first add): it starts at seq.
    seq_before_tail_ = seq;
    sector::format(pool.data(tail_), type(), seq, ctx.boot, open_period(pool));
    return {};
}

std::uint64_t SensorStore::floor_locked(const SectorPool& pool, std::uint64_t floor, bool head_bounds) const noexcept {
    if (retained_now() != 0) return std::max(floor, newest_end(pool));
    if (head_bounds) return std::max(floor, next_seq_now());
    return floor;
}

std::uint64_t SensorStore::seek_floor(const StoreContext& ctx, std::uint64_t floor, bool head_bounds) const noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    return floor_locked(*ctx.pool, floor, head_bounds);
}

std::uint64_t SensorStore::first_in_ram(const StoreContext& ctx) const noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    return seq_at(*ctx.pool, head_);
}

void SensorStore::request_flush(const StoreContext& ctx, bool mark) noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    if ((flags_ & tail_sealed) == 0 && tail_count_ != 0) seal_tail(ctx);
    if (mark) flags_ |= flush_requested;
}

bool SensorStore::take_flush_request(const StoreContext& ctx) noexcept {
    // The manager's, at every tick for every store: a busy store keeps its request for the next
    // tick rather than have the manager wait for its writer (as seal_open_sector).
    void* const lock = ctx.lock_of(*this);
    if (lock != nullptr && !ctx.lock_ops->try_lock(lock)) return false;
    const bool requested = (flags_ & flush_requested) != 0;
    flags_ &= static_cast<std::uint8_t>(~flush_requested);
    if (lock != nullptr) ctx.lock_ops->unlock(lock);
    return requested;
}

bool SensorStore::seal_open_sector(const StoreContext& ctx, bool force) noexcept {
    void* const lock = ctx.lock_of(*this);
    if (lock != nullptr && !ctx.lock_ops->try_lock(lock)) return false;
    bool sealed = false;
    if ((flags_ & tail_sealed) == 0 && (tail_count_ == capacity(ctx) || (force && tail_count_ != 0))) {
        seal_tail(ctx);
        sealed = true;
    }
    if (lock != nullptr) ctx.lock_ops->unlock(lock);
    return sealed;
}

std::uint64_t SensorStore::retained(const StoreContext& ctx) const noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    return retained_now();
}

std::uint64_t SensorStore::pending(const StoreContext& ctx) const noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    return pending_;
}

std::uint64_t SensorStore::unsent(const StoreContext& ctx) const noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    return retained_now() - pending_;
}

void SensorStore::stats(const StoreContext& ctx, SsSensorStats& out) const noexcept {
    port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    const SectorPool& pool = *ctx.pool;
    out = SsSensorStats{};
    out.sensor_id = id_;
    out.source = source_;
    out.type = static_cast<std::uint8_t>(type());
    out.retained = retained_now();
    out.pending = pending_;
    out.unsent = retained_now() - pending_;
    out.next_seq = next_seq_now();
    out.head_seq = seq_at(pool, head_);
    out.pending_seq = seq_at(pool, pend_);
    out.erased = erased_;
    out.dropped_new = dropped_new_;
    out.dropped_recycled = dropped_recycled_;
    out.dropped_corrupt = dropped_corrupt_;
    out.written = out.retained + out.erased + out.dropped_recycled + out.dropped_corrupt;
    out.corrupt_sectors = corrupt_sectors_;
    out.sectors = sector_count();
    out.verify_level = verify_.load(std::memory_order_relaxed);
    out.sample_period_us = open_period(pool);
    clear_counts_.report(out);
}

} // namespace ss
