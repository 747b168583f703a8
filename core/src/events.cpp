#include "ss/events.hpp"

#include "ss/engine.hpp"

namespace ss {

static_assert((SS_HEALTH_CORRUPTION | SS_HEALTH_DROPPING | SS_HEALTH_DISK_ERROR | SS_HEALTH_DISK_FULL) <= 0xFFFFu,
              "SsEvent carries the health flags in 16 bits");

namespace {

constexpr std::uint32_t cause_count = SS_DROP_CLEARED + 1;
static_assert(cause_count == sizeof(EventTracker::SensorView::lost) / sizeof(std::uint32_t), "a counter per SsDropCause");

/// The loss counters in SsDropCause order.
void losses_of(const SsSensorStats& s, std::uint64_t (&out)[cause_count]) noexcept {
    out[SS_DROP_NEW] = s.dropped_new;
    out[SS_DROP_RECYCLED] = s.dropped_recycled;
    out[SS_DROP_CORRUPT] = s.dropped_corrupt;
    out[SS_DROP_QUOTA] = s.dropped_quota;
    out[SS_DROP_LOST] = s.lost_records;
    out[SS_DROP_CLEARED] = s.cleared_records;
}

/// How far a counter moved since `last`, which becomes its value now. A counter that went back
/// moved by 0 (see SensorView).
std::uint32_t advance(std::uint32_t& last, std::uint64_t now) noexcept {
    const auto low = static_cast<std::uint32_t>(now);
    const std::uint32_t moved = low - last;
    last = low;
    return moved > 0x7FFF'FFFFu ? 0 : moved;
}

std::uint32_t saturated_sum(std::uint32_t a, std::uint32_t b) noexcept {
    return a > 0xFFFF'FFFFu - b ? 0xFFFF'FFFFu : a + b;
}

SsEvent event_of(SsEventKind kind, const SsSensorStats& s) noexcept {
    SsEvent e{};
    e.kind = static_cast<std::uint8_t>(kind);
    e.source = s.source;
    e.sensor_id = s.sensor_id;
    return e;
}

} // namespace

bool EventTracker::init(void* memory, std::size_t bytes, std::uint32_t max_sensors, TrackerConfig config) noexcept {
    views_ = nullptr;
    if (memory == nullptr || reinterpret_cast<std::uintptr_t>(memory) % memory_align != 0 ||
        bytes < bytes_needed(max_sensors) || config.overflow_quiet_ticks == 0)
        return false;
    views_ = static_cast<SensorView*>(memory);
    max_sensors_ = max_sensors;
    overflow_quiet_ticks_ = config.overflow_quiet_ticks;
    health_ = 0;
    for (std::uint32_t i = 0; i < max_sensors; ++i) views_[i] = SensorView{};
    return true;
}

void EventTracker::rebase(std::uint32_t slot, const SsSensorStats& now) noexcept {
    if (!ready() || slot >= max_sensors_) return;
    SensorView& v = views_[slot];
    v = SensorView{};
    v.head_seq = static_cast<std::uint32_t>(now.head_seq);
    v.written = static_cast<std::uint32_t>(now.written);
    v.erased = static_cast<std::uint32_t>(now.erased);
    std::uint64_t lost[cause_count];
    losses_of(now, lost);
    for (std::uint32_t c = 0; c < cause_count; ++c) v.lost[c] = static_cast<std::uint32_t>(lost[c]);
    v.clears = static_cast<std::uint32_t>(now.clears);
    v.seen = 1;
}

void EventTracker::rebase(const Engine& engine) noexcept {
    if (!ready()) return;
    const std::uint32_t n = engine.sensor_count();
    for (std::uint32_t i = 0; i < n && i < max_sensors_; ++i) {
        SsSensorStats now;
        engine.stats(engine.store_at(i), now);
        rebase(i, now);
    }
    rebase_health(engine.health_flags());
}

void EventTracker::observe(std::uint32_t slot, const SsSensorStats& now, EventSink& sink) noexcept {
    if (!ready() || slot >= max_sensors_) return;
    SensorView& v = views_[slot];
    const bool seen = v.seen != 0;
    v.seen = 1;
    // ss_sensor_clear restarted the sensor's counters from 0 (all but cleared_records): what
    // they show now happened since the clear, so that is what they are compared with.
    if (static_cast<std::uint32_t>(now.clears) != v.clears) {
        v.clears = static_cast<std::uint32_t>(now.clears);
        v.written = 0;
        v.erased = 0;
        for (std::uint32_t c = 0; c < SS_DROP_CLEARED; ++c) v.lost[c] = 0;
    }

    std::uint64_t lost_now[cause_count];
    losses_of(now, lost_now);
    std::uint32_t lost[cause_count];
    for (std::uint32_t c = 0; c < cause_count; ++c) lost[c] = advance(v.lost[c], lost_now[c]);
    const std::uint32_t written = advance(v.written, now.written);
    const std::uint32_t erased = advance(v.erased, now.erased);
    const std::uint32_t head_before = v.head_seq;
    const auto head_now = static_cast<std::uint32_t>(now.head_seq);
    v.head_seq = head_now;

    // Every add, stored or dropped as new, took the next number: the numbers taken since the
    // last tick end just below next_seq. NEW_DATA and a DROP of new adds both carry them, so the
    // ranges of a sensor's events cover its numbering without a hole.
    const std::uint64_t taken = std::uint64_t{written} + lost[SS_DROP_NEW];
    const std::uint64_t first_taken = now.next_seq >= taken ? now.next_seq - taken : 0;
    if (written != 0) {
        SsEvent e = event_of(SS_EVENT_NEW_DATA, now);
        e.first_seq = first_taken;
        e.last_seq = now.next_seq - 1;
        e.count = written;
        sink.publish(e);
    }
    for (std::uint32_t c = 0; c < cause_count; ++c) {
        if (lost[c] == 0) continue;
        SsEvent e = event_of(SS_EVENT_DROP, now);
        e.cause = static_cast<std::uint8_t>(c);
        e.count = lost[c];
        if (c == SS_DROP_NEW && now.next_seq != 0) {
            e.first_seq = first_taken;
            e.last_seq = now.next_seq - 1;
        }
        sink.publish(e);
    }
    // Lack of space: the store or the disk quota was full. Corruption and recovery's finds are
    // losses too, but no overflow.
    const std::uint32_t no_room =
        saturated_sum(saturated_sum(lost[SS_DROP_NEW], lost[SS_DROP_RECYCLED]), lost[SS_DROP_QUOTA]);
    if (no_room != 0) {
        v.quiet_ticks = 0;
        if (v.overflowing == 0) {
            v.overflowing = 1;
            v.overflow_lost = 0;
            SsEvent e = event_of(SS_EVENT_OVERFLOW, now);
            e.overflow = SS_OVERFLOW_BEGAN;
            e.count = no_room;
            sink.publish(e);
        }
        v.overflow_lost = saturated_sum(v.overflow_lost, no_room);
    } else if (v.overflowing != 0 && ++v.quiet_ticks >= overflow_quiet_ticks_) {
        SsEvent e = event_of(SS_EVENT_OVERFLOW, now);
        e.overflow = SS_OVERFLOW_ENDED;
        e.count = v.overflow_lost;
        v.overflowing = 0;
        v.quiet_ticks = 0;
        v.overflow_lost = 0;
        sink.publish(e);
    }
    if (erased != 0 && now.head_seq != 0) {
        SsEvent e = event_of(SS_EVENT_ERASED, now);
        // The records erased lie between the oldest retained one at the last tick and the oldest
        // now. A sensor first seen has no last tick: its range is taken as just the erased ones.
        const std::uint32_t moved = seen ? head_now - head_before : erased;
        const std::uint64_t span = moved > erased ? moved : erased;
        e.first_seq = now.head_seq >= span ? now.head_seq - span : 0;
        e.last_seq = now.head_seq - 1;
        e.count = erased;
        sink.publish(e);
    }
}

void EventTracker::observe_health(std::uint32_t flags, EventSink& sink) noexcept {
    if (!ready() || flags == health_) return;
    SsEvent e{};
    e.kind = SS_EVENT_HEALTH;
    e.health_before = static_cast<std::uint16_t>(health_);
    e.health_after = static_cast<std::uint16_t>(flags);
    health_ = flags;
    sink.publish(e);
}

void EventTracker::track(const Engine& engine, EventSink& sink) noexcept {
    if (!ready()) return;
    const std::uint32_t n = engine.sensor_count();
    for (std::uint32_t i = 0; i < n && i < max_sensors_; ++i) {
        SsSensorStats now;
        engine.stats(engine.store_at(i), now);
        observe(i, now, sink);
    }
    observe_health(engine.health_flags(), sink);
}

bool EventQueue::init(QueuedEvent* slots, std::uint32_t capacity) noexcept {
    *this = EventQueue{};
    if (slots == nullptr || capacity == 0) return false;
    slots_ = slots;
    capacity_ = capacity;
    return true;
}

bool EventQueue::push(const SsEvent& event) noexcept {
    if (size_ == capacity_) {
        ++dropped_;
        if (missed_ != 0xFFFF'FFFFu) ++missed_;
        return false;
    }
    std::uint32_t at = head_ + size_;
    if (at >= capacity_) at -= capacity_;
    slots_[at] = QueuedEvent{event, missed_};
    missed_ = 0;
    ++size_;
    return true;
}

bool EventQueue::pop(QueuedEvent& out) noexcept {
    if (size_ == 0) return false;
    out = slots_[head_];
    head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
    --size_;
    return true;
}

} // namespace ss
