// The MCU's cold tier over the flash log (ss/flash_cold_tier.hpp).
#include "ss/flash_cold_tier.hpp"

#include <cstring>

#include "ss/batch_copy.hpp"
#include "ss/engine.hpp"

namespace ss {

namespace {
std::uint64_t max64(std::uint64_t a, std::uint64_t b) noexcept { return a > b ? a : b; }
std::uint64_t min64(std::uint64_t a, std::uint64_t b) noexcept { return a < b ? a : b; }
} // namespace

void FlashColdTier::lock(std::uint32_t) noexcept {
    if (lock_ops_ && lock_) lock_ops_->lock(lock_);
}

void FlashColdTier::unlock(std::uint32_t) noexcept {
    if (lock_ops_ && lock_) lock_ops_->unlock(lock_);
}

void FlashColdTier::note_io(bool ok) noexcept {
    if (ok) {
        failures_in_row_ = 0;
        return;
    }
    if (++failures_in_row_ >= failures_for_error) health_ |= SS_HEALTH_DISK_ERROR;
}

void FlashColdTier::note_corrupt(FlashColdSensor& s, const FlashUnitInfo& u) noexcept {
    if (u.corrupt_skipped == 0) return;
    const std::uint64_t lost = min64(u.corrupt_records, s.retained - s.pending);
    s.corrupt_units += u.corrupt_skipped;
    s.corrupt_records += lost;
    s.retained -= lost;
    health_ |= SS_HEALTH_CORRUPTION;
}

void FlashColdTier::note_dropped() noexcept {
    if (log_.stats().dropped_records == log_dropped_) return;
    log_dropped_ = log_.stats().dropped_records;
    health_ |= SS_HEALTH_DROPPING;
    const std::uint32_t n = engine_.sensor_count();
    for (std::uint32_t i = 0; i < n && i < mem_.sensor_capacity; ++i) {
        FlashColdSensor& s = at(i);
        const FlashStream* st = s.attached ? log_.stream(s.key) : nullptr;
        if (!st || st->dropped_records == s.log_dropped) continue;
        const std::uint64_t lost = min64(st->dropped_records - s.log_dropped, s.retained - s.pending);
        s.log_dropped = st->dropped_records;
        s.dropped_full += lost;
        s.retained -= lost;
        if (st->dropped_end > s.unsent_seq) {
            s.unsent_seq = st->dropped_end;
            s.unsent_at = {};
        }
    }
}

Expected<std::uint64_t> FlashColdTier::count_records(const FlashColdSensor& s, std::uint64_t from,
                                                     std::uint64_t to, bool with_corrupt) noexcept {
    std::uint64_t n = 0;
    FlashLocation hint{};
    while (from < to) {
        auto u = log_.find_unit(s.key, from, hint, nullptr, 0);
        if (!u) return std::unexpected(u.error());
        if (with_corrupt) n += u->corrupt_records;
        if (u->count == 0 || u->first_seq >= to) break;
        const std::uint64_t lo = max64(from, u->first_seq);
        const std::uint64_t hi = min64(to, u->first_seq + u->count);
        n += hi - lo;
        from = u->first_seq + u->count;
        hint = u->at;
    }
    return n;
}

Expected<std::uint64_t> FlashColdTier::attach(std::uint32_t slot, SsSource source, std::uint32_t id,
                                              RecordType type) noexcept {
    if (slot >= mem_.sensor_capacity || !log_.mounted()) return std::unexpected(Errc::invalid_argument);
    const FlashStreamKey key{static_cast<std::uint32_t>(source), id, type};
    const FlashStreamKey other{key.source, id, type == RecordType::ts ? RecordType::evt : RecordType::ts};
    if (log_.stream(other)) {
        auto u = log_.find_unit(other, 0, {}, nullptr, 0);
        if (!u) return std::unexpected(u.error());
        if (u->count != 0) return std::unexpected(Errc::invalid_argument);
    }
    FlashColdSensor s{};
    s.key = key;
    if (const FlashStream* st = log_.stream(key)) {
        // Everything pending before the restart is unsent again: the cloud may not have it.
        s.acked_seq = st->acked_end;
        s.unsent_seq = max64(st->acked_end, st->dropped_end);
        s.appended_end = max64(st->last_end, s.unsent_seq);
        s.log_dropped = st->dropped_records;
        s.durable_end = s.appended_end;
        // Units that fail their CRC (a unit a cut tore) are counted too: consume skips them and
        // takes their records off `retained` then (note_corrupt), as for a unit that rots later.
        // Left out here they were taken off twice: retained fell below pending, serving stopped
        // short of durable records and the acknowledgement after it wrapped the count around.
        auto n = count_records(s, s.unsent_seq, s.appended_end, true);
        if (!n) return std::unexpected(n.error());
        s.retained = *n;
        if (auto r = log_.mark_sent(key, s.unsent_seq); !r) return std::unexpected(r.error());
    }
    s.attached = true;
    at(slot) = s;
    return s.appended_end;
}

void FlashColdTier::accept(std::uint32_t slot, const DetachedSector* sectors, std::uint32_t n) noexcept {
    FlashColdSensor& s = at(slot);
    SectorPool& pool = *engine_.context().pool;
    for (std::uint32_t i = 0; i < n; ++i) {
        const DetachedSector& d = sectors[i];
        const std::byte* data = pool.data(d.sector);
        const std::uint64_t first = sector::first_seq(data);
        const std::uint64_t retained_from = first + d.start;
        // Records the store already handed out stay pending; those it erased are acknowledged
        // in the log with the unit, so that a restart does not serve them again.
        if (s.retained == s.pending) s.unsent_seq = max64(s.unsent_seq, retained_from + d.pending);
        bool ok = log_.mark_sent(s.key, s.unsent_seq).has_value();
        // The store erases in order: records it erased in this sector end an acknowledged run.
        if (ok && d.start != 0 && retained_from > s.acked_seq) {
            ok = log_.acknowledge(s.key, retained_from).has_value();
            if (ok) s.acked_seq = retained_from;
        }
        const std::uint32_t used = static_cast<std::uint32_t>(
            sector::header_size(data) + std::size_t{d.count} * sector::record_bytes(s.key.type));
        Expected<FlashLocation> put = std::unexpected(Errc::io_error);
        if (ok) put = log_.append(s.key, data, used);
        synced_ = false;
        const std::uint64_t kept = std::uint64_t{d.count} - d.start;
        if (put) {
            s.retained += kept;
            s.pending += d.pending;
            s.appended_end = first + d.count;
            note_dropped();
            note_io(true);
        } else {
            // The device is full of pending data (nothing may be dropped for this sector) or
            // failing: the sector is lost, and counted. Later sectors stay in RAM (accepts).
            if (put.error() == Errc::no_space) refusing_ = true;
            lost_records_ += kept;
            s.dropped_full += kept;
            health_ |= SS_HEALTH_DROPPING;
            if (put.error() != Errc::no_space) note_io(false);
            if (d.pending != 0) s.unsent_seq = max64(s.unsent_seq, first + d.count);
        }
        pool.release(d.sector);
    }
}

Expected<Batch> FlashColdTier::consume(std::uint32_t slot, void* out, std::uint32_t max, BatchTime time) noexcept {
    FlashColdSensor& s = at(slot);
    const std::size_t rb = sector::record_bytes(s.key.type);
    BatchCopy copy(out, rb, max, s.durable_end, time);
    const std::uint32_t capacity = engine_.context().sector_bytes;
    while (!copy.full() && s.retained > s.pending) {
        auto u = log_.find_unit(s.key, s.unsent_seq, s.unsent_at, mem_.unit, capacity);
        if (!u) {
            note_io(false);
            if (copy.empty()) return std::unexpected(u.error());
            break;
        }
        note_corrupt(s, *u);
        if (u->count == 0) {
            // The log holds no more of it (units lost since attach): the count follows the log.
            s.retained = s.pending;
            break;
        }
        const std::uint64_t from = max64(s.unsent_seq, u->first_seq);
        if (!copy.wants(from)) break;
        const auto off = static_cast<std::uint32_t>(from - u->first_seq);
        const std::uint32_t taken = copy.take_sector(mem_.unit, off, u->count - off);
        if (taken == 0) break;
        s.pending += taken;
        s.unsent_seq = from + taken;
        s.unsent_at = u->at;
    }
    if (copy.empty()) return std::unexpected(Errc::try_again);
    if (auto r = log_.mark_sent(s.key, s.unsent_seq); !r) note_io(false);
    return copy.batch();
}

void FlashColdTier::erase_all_pending(std::uint32_t slot) noexcept { erase_pending_until(slot, at(slot).unsent_seq); }

void FlashColdTier::erase_pending_until(std::uint32_t slot, std::uint64_t end_seq) noexcept {
    FlashColdSensor& s = at(slot);
    if (end_seq <= s.acked_seq) return;
    std::uint64_t erased = s.pending;
    if (end_seq < s.unsent_seq) {
        auto n = count_records(s, s.acked_seq, end_seq);
        // A failed read leaves the counts where they were; the acknowledgement still goes to
        // the log, which alone decides what a restart serves.
        erased = n ? min64(*n, s.pending) : 0;
        if (!n) note_io(false);
    }
    // The engine's run may go on into the store's RAM pending records: acknowledged in the
    // log too, the numbering after a restart continues above them.
    s.unsent_seq = max64(s.unsent_seq, end_seq);
    if (!log_.mark_sent(s.key, s.unsent_seq) || !log_.acknowledge(s.key, end_seq)) note_io(false);
    s.acked_seq = end_seq;
    refusing_ = false;
    s.pending -= erased;
    s.retained -= erased;
    s.erased += erased;
    synced_ = false;
}

Expected<void> FlashColdTier::read_at(std::uint32_t slot, std::uint64_t offset, void* out) noexcept {
    FlashColdSensor& s = at(slot);
    if (offset >= s.retained) return std::unexpected(Errc::invalid_argument);
    const std::size_t rb = sector::record_bytes(s.key.type);
    std::uint64_t from = s.acked_seq;
    FlashLocation hint{};
    for (;;) {
        auto u = log_.find_unit(s.key, from, hint, mem_.unit, engine_.context().sector_bytes);
        if (!u) return std::unexpected(u.error());
        if (u->count == 0) return std::unexpected(Errc::io_error);
        const std::uint64_t lo = max64(from, u->first_seq);
        const std::uint64_t here = u->first_seq + u->count - lo;
        if (offset < here) {
            std::memcpy(out, sector::payload(mem_.unit) + (lo - u->first_seq + offset) * rb, rb);
            return {};
        }
        offset -= here;
        from = u->first_seq + u->count;
        hint = u->at;
    }
}

RangeStep FlashColdTier::read_range(std::uint32_t slot, std::uint64_t from, BatchCopy& copy) noexcept {
    FlashColdSensor& s = at(slot);
    from = max64(from, s.acked_seq);
    auto u = log_.find_unit(s.key, from, {}, mem_.unit, engine_.context().sector_bytes);
    if (!u) return RangeStep::io_error;
    if (u->count == 0) return RangeStep::past_end;
    const std::uint64_t lo = max64(from, u->first_seq);
    if (!copy.wants(lo)) return RangeStep::copied;
    const auto off = static_cast<std::uint32_t>(lo - u->first_seq);
    copy.take(lo, sector::payload(mem_.unit) + std::size_t{off} * sector::record_bytes(s.key.type), u->count - off);
    return RangeStep::copied;
}

Expected<void> FlashColdTier::clear(std::uint32_t slot, std::uint64_t head_seq) noexcept {
    FlashColdSensor& s = at(slot);
    s.retained = 0;
    s.pending = 0;
    s.erased = 0;
    s.dropped_full = 0;
    s.corrupt_records = 0;
    s.corrupt_units = 0;
    s.unsent_seq = max64(s.unsent_seq, head_seq);
    s.unsent_at = {};
    auto r = log_.mark_sent(s.key, s.unsent_seq);
    if (r && s.unsent_seq > s.acked_seq) r = log_.acknowledge(s.key, s.unsent_seq);
    if (r) s.acked_seq = s.unsent_seq;
    refusing_ = false;
    if (r) r = log_.sync();
    note_io(r.has_value());
    if (!r) {
        synced_ = false;
        return std::unexpected(Errc::io_error);
    }
    s.appended_end = max64(s.appended_end, s.acked_seq);
    s.durable_end = max64(s.durable_end, s.acked_seq);
    return {};
}

void FlashColdTier::tick(const Tick& tick) noexcept {
    if (tick.budget_spent) return;
    lock(0);
    const bool ok = log_.sync().has_value();
    note_io(ok);
    if (ok) {
        const std::uint32_t n = engine_.sensor_count();
        bool acks_waiting = false;
        for (std::uint32_t i = 0; i < n && i < mem_.sensor_capacity; ++i) {
            FlashColdSensor& s = at(i);
            if (!s.attached) continue;
            s.durable_end = max64(s.durable_end, s.appended_end);
            // An acknowledgement the device had no room for yet stays in RAM (the log's rule):
            // numbers above the stream's end only become durable with it.
            const FlashStream* st = log_.stream(s.key);
            if (st && st->ack_dirty) acks_waiting = true;
            else s.durable_end = max64(s.durable_end, s.acked_seq);
        }
        synced_ = !acks_waiting;
    } else {
        ++failed_syncs_;
        synced_ = false;
    }
    unlock(0);
}

void FlashColdTier::add_stats(std::uint32_t slot, SsSensorStats& out) const noexcept {
    const FlashColdSensor& s = at(slot);
    out.disk_records = s.retained;
    out.dropped_quota = s.dropped_full;
    out.lost_units = s.corrupt_units;
    out.lost_records = s.corrupt_records;
    out.erased += s.erased;
    if (s.retained == 0) return;
    out.head_seq = s.acked_seq;
    if (s.retained > s.pending) out.pending_seq = s.unsent_seq;
    out.retained += s.retained;
    out.pending += s.pending;
    out.unsent = out.retained - out.pending;
}

void FlashColdTier::add_system_stats(SsSystemStats& out) const noexcept {
    std::uint64_t dropped = 0;
    std::uint32_t lost_units = 0;
    std::uint64_t lost = 0;
    const std::uint32_t n = engine_.sensor_count();
    for (std::uint32_t i = 0; i < n && i < mem_.sensor_capacity; ++i) {
        dropped += at(i).dropped_full;
        lost_units += at(i).corrupt_units;
        lost += at(i).corrupt_records;
    }
    out.dropped_quota = dropped;
    out.lost_units = lost_units;
    out.lost_records = lost;
    out.disk_bytes_used = std::uint64_t{log_.live_blocks()} * log_.geometry().erase_bytes;
    out.health_flags |= health_;
}

Expected<FlashColdTierFigures> FlashColdTier::figures() noexcept {
    lock(0);
    FlashColdTierFigures f;
    auto w = log_.wear();
    unlock(0);
    if (!w) return std::unexpected(w.error());
    f.wear = *w;
    const FlashLogStats& st = log_.stats();
    f.payload_bytes = st.payload_bytes;
    f.bytes_programmed = st.bytes_programmed;
    f.write_amplification_pct =
        st.payload_bytes == 0 ? 0 : static_cast<std::uint32_t>(st.bytes_programmed * 100 / st.payload_bytes);
    f.dropped_records = st.dropped_records;
    f.lost_records = lost_records_;
    f.failed_syncs = failed_syncs_;
    return f;
}

} // namespace ss
