#include "ss/destination_fanout.hpp"

#include "ss/sector_format.hpp"

namespace ss {

Expected<void> DestinationFanout::init(Engine& engine, std::uint32_t destinations, std::uint32_t max_sensors,
                                       DestinationCursor* cursors, std::size_t cursor_count, std::byte* scratch,
                                       std::size_t scratch_bytes, const port::LockOps& locks,
                                       void* lock_memory) noexcept {
    if (!engine.ready() || destinations == 0 || destinations > max_destinations || max_sensors == 0 ||
        cursors == nullptr || cursor_count < cursors_needed(max_sensors, destinations) || scratch == nullptr ||
        scratch_bytes < std::size_t{min_scratch_records} * sector::evt_record_bytes ||
        (locks.size != 0 && (lock_memory == nullptr || locks.init == nullptr || locks.lock == nullptr ||
                             locks.unlock == nullptr)))
        return std::unexpected(Errc::invalid_argument);
    deinit();
    engine_ = &engine;
    destinations_ = destinations;
    max_sensors_ = max_sensors;
    cursors_ = cursors;
    for (std::size_t i = 0; i < cursors_needed(max_sensors, destinations); ++i) cursors_[i] = DestinationCursor{};
    scratch_ = scratch;
    scratch_records_ = static_cast<std::uint32_t>(scratch_bytes / sector::evt_record_bytes);
    lock_ops_ = locks;
    if (locks.size != 0) {
        cursor_lock_ = lock_memory;
        store_lock_ = static_cast<std::byte*>(lock_memory) + lock_stride(locks);
        locks.init(cursor_lock_);
        locks.init(store_lock_);
    }
    return {};
}

void DestinationFanout::deinit() noexcept {
    if (cursor_lock_ != nullptr && lock_ops_.destroy != nullptr) {
        lock_ops_.destroy(cursor_lock_);
        lock_ops_.destroy(store_lock_);
    }
    cursor_lock_ = store_lock_ = nullptr;
    engine_ = nullptr;
    cursors_ = nullptr;
    destinations_ = 0;
}

bool DestinationFanout::valid(std::uint32_t d, const SensorStore& s) const noexcept {
    return engine_ != nullptr && d < destinations_ && engine_->store_of(&s) == &s &&
           engine_->slot_of(s) < max_sensors_;
}

void DestinationFanout::place(std::uint32_t slot, std::uint64_t head_seq) noexcept {
    for (std::uint32_t d = 0; d < destinations_; ++d) {
        DestinationCursor& c = at(slot, d);
        if (c.ready) continue;
        c.next_seq = c.acked_seq = head_seq;
        c.ready = true;
    }
}

std::uint64_t DestinationFanout::lowest_next(std::uint32_t slot) noexcept {
    std::uint64_t v = ~std::uint64_t{0};
    for (std::uint32_t d = 0; d < destinations_; ++d) v = at(slot, d).next_seq < v ? at(slot, d).next_seq : v;
    return v;
}

std::uint64_t DestinationFanout::lowest_acked(std::uint32_t slot) noexcept {
    std::uint64_t v = ~std::uint64_t{0};
    for (std::uint32_t d = 0; d < destinations_; ++d) v = at(slot, d).acked_seq < v ? at(slot, d).acked_seq : v;
    return v;
}

void DestinationFanout::restore(std::uint32_t d, const SensorStore& s, std::uint64_t acked_seq) noexcept {
    if (!valid(d, s)) return;
    SsSensorStats st{};
    engine_->stats(s, st);
    port::LockGuard g(lock_ops_, cursor_lock_);
    const std::uint32_t slot = engine_->slot_of(s);
    DestinationCursor& c = at(slot, d);
    const std::uint64_t start = acked_seq > st.head_seq ? acked_seq : st.head_seq;
    // Never past what the store has numbered: a cursor file from another store's life would
    // otherwise make this destination skip records it never saw.
    c.next_seq = c.acked_seq = start < st.next_seq ? start : st.next_seq;
    c.ready = true;
}

void DestinationFanout::settle(SensorStore& s, std::uint64_t pend, std::uint64_t head) noexcept {
    port::LockGuard g(lock_ops_, store_lock_);
    const std::uint32_t record_bytes = static_cast<std::uint32_t>(sector::record_bytes(s.type()));
    const std::uint32_t room = static_cast<std::uint32_t>(
        std::uint64_t{scratch_records_} * sector::evt_record_bytes / record_bytes);
    SsSensorStats st{};
    engine_->stats(s, st);
    // The slowest destination has read up to pend: what lies before is pending. Consumed into
    // the scratch in steps; each call stops at a gap or a segment's end, so this loops. A read
    // error leaves the cursor short, which only keeps more records from being dropped.
    while (st.pending_seq < pend && st.pending_seq < st.next_seq) {
        const std::uint64_t want = pend - st.pending_seq;
        auto got = engine_->consume(s, scratch_, want < room ? static_cast<std::uint32_t>(want) : room);
        if (!got) break;
        engine_->stats(s, st);
    }
    // Every destination acknowledged what lies below head; never past what is pending (the
    // engine's rule), never below what is gone already.
    const std::uint64_t erase_to = head < st.pending_seq ? head : st.pending_seq;
    if (erase_to > st.head_seq) (void)engine_->erase_pending_until(s, erase_to);
}

Expected<Batch> DestinationFanout::read(std::uint32_t d, SensorStore& s, void* out, std::uint32_t max,
                                        BatchTime time) noexcept {
    if (!valid(d, s) || out == nullptr || max == 0) return std::unexpected(Errc::invalid_argument);
    const std::uint32_t slot = engine_->slot_of(s);
    SsSensorStats st{};
    engine_->stats(s, st);
    std::uint64_t from, pend, head;
    {
        port::LockGuard g(lock_ops_, cursor_lock_);
        place(slot, st.head_seq);
        from = at(slot, d).next_seq;
        pend = lowest_next(slot);
        head = lowest_acked(slot);
    }
    if (from >= st.next_seq) {
        // Nothing new, but cursors restored past the store's boundary (a restart after acks the
        // store had not yet recorded) still free what every destination acknowledged.
        if (head > st.head_seq && st.retained != 0) settle(s, pend, head);
        return std::unexpected(Errc::try_again);
    }
    auto got = engine_->read_range(s, from, out, max, time);
    if (!got) return got;
    {
        port::LockGuard g(lock_ops_, cursor_lock_);
        DestinationCursor& c = at(slot, d);
        // Only this destination's reader moves its cursor: it is still at `from`.
        if (got->first_seq > c.next_seq) {
            c.dropped += got->first_seq - c.next_seq;
            // A drop is as good as an acknowledgement: nothing will ever come for it.
            if (c.acked_seq == c.next_seq) c.acked_seq = got->first_seq;
        }
        c.next_seq = got->first_seq + got->count;
        c.read += got->count;
        pend = lowest_next(slot);
        head = lowest_acked(slot);
    }
    settle(s, pend, head);
    return got;
}

Expected<void> DestinationFanout::acknowledge(std::uint32_t d, SensorStore& s, std::uint64_t end_seq) noexcept {
    if (!valid(d, s)) return std::unexpected(Errc::invalid_argument);
    const std::uint32_t slot = engine_->slot_of(s);
    std::uint64_t pend, head;
    {
        port::LockGuard g(lock_ops_, cursor_lock_);
        DestinationCursor& c = at(slot, d);
        if (!c.ready || end_seq > c.next_seq) return std::unexpected(Errc::invalid_argument);
        if (end_seq <= c.acked_seq) return {};
        c.acked_seq = end_seq;
        pend = lowest_next(slot);
        head = lowest_acked(slot);
    }
    settle(s, pend, head);
    return {};
}

DestinationCursor DestinationFanout::cursor(std::uint32_t d, const SensorStore& s) noexcept {
    if (!valid(d, s)) return {};
    SsSensorStats st{};
    engine_->stats(s, st);
    port::LockGuard g(lock_ops_, cursor_lock_);
    const std::uint32_t slot = engine_->slot_of(s);
    place(slot, st.head_seq);
    return at(slot, d);
}

DestinationTotals DestinationFanout::totals(std::uint32_t d) noexcept {
    DestinationTotals t;
    if (engine_ == nullptr || d >= destinations_) return t;
    const std::uint32_t n = engine_->sensor_count() < max_sensors_ ? engine_->sensor_count() : max_sensors_;
    for (std::uint32_t i = 0; i < n; ++i) {
        SsSensorStats st{};
        engine_->stats(engine_->store_at(i), st);
        port::LockGuard g(lock_ops_, cursor_lock_);
        place(i, st.head_seq);
        const DestinationCursor& c = at(i, d);
        t.read += c.read;
        t.dropped += c.dropped;
        const std::uint64_t from = c.acked_seq > st.head_seq ? c.acked_seq : st.head_seq;
        if (st.next_seq > from) t.behind += st.next_seq - from;
    }
    return t;
}

} // namespace ss
