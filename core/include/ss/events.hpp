// Storage events (seed 001: new data, overflow, drops by cause, erased, health changes), derived
// at the manager tick from the counters the stores keep anyway (SsSensorStats, the health
// flags). Writers are never involved: they neither wait for a subscriber nor pay for one, and
// a subscriber that falls behind costs only its own events.
//
// EventTracker compares each sensor's counters with those of the tick before and publishes one
// coalesced event per kind (and per cause) that changed; EventQueue is the bounded FIFO a
// subscriber that is served asynchronously (the actor hub) gets, dropping and counting what does
// not fit. Both live in memory the caller hands in.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ss/sensor_storage.h"

namespace ss {

class Engine;

static_assert(sizeof(SsEvent) == 32, "an event is four words: it travels by value through queues and messages");

/// A subscription's kinds: SS_EVENT_MASK bits, at least one, none unknown.
constexpr bool valid_event_kinds(std::uint32_t kinds) noexcept {
    return kinds != 0 && (kinds & ~std::uint32_t{SS_EVENTS_ALL}) == 0;
}

/// Where a tick's events go, in the order they are derived.
class EventSink {
public:
    virtual void publish(const SsEvent& event) noexcept = 0;

protected:
    ~EventSink() = default;
};

struct TrackerConfig {
    /// Ticks in a row without a loss for lack of space that end a sensor's overflow (>= 1). More
    /// than one, so that a store that recycles a sector every few ticks is one overflow, not a
    /// flicker of them.
    std::uint16_t overflow_quiet_ticks = 10;
};

class EventTracker {
public:
    /// What the tracker keeps of one sensor. Counters are kept as their low 32 bits: a tick
    /// needs only the difference, and no counter moves by 2^31 between two ticks, so a smaller
    /// reading than the last means the counter went back (lost_records does, once the
    /// acknowledged boundary passes the lost units) and is taken as the new reference.
    struct SensorView {
        std::uint32_t head_seq;
        std::uint32_t written;
        std::uint32_t erased;
        std::uint32_t lost[6];        ///< by SsDropCause
        std::uint32_t clears;         ///< SsSensorStats::clears: a change means the counters restarted
        std::uint32_t overflow_lost;  ///< records lost for lack of space since the overflow began
        std::uint16_t quiet_ticks;    ///< ticks in a row without such a loss, while overflowing
        std::uint8_t seen;            ///< observed before (else its reference is its registration)
        std::uint8_t overflowing;
    };

    static constexpr std::size_t memory_align = alignof(SensorView);
    static constexpr std::size_t bytes_needed(std::uint32_t max_sensors) noexcept {
        return std::size_t{max_sensors} * sizeof(SensorView);
    }

    /// Takes `memory` (memory_align-aligned, bytes_needed(max_sensors) bytes) for max_sensors
    /// store slots; every sensor starts unseen. False if the memory or the config does not do.
    bool init(void* memory, std::size_t bytes, std::uint32_t max_sensors, TrackerConfig config = {}) noexcept;
    bool ready() const noexcept { return views_ != nullptr; }

    /// Makes the engine's counters as they are now the reference of the next tick, publishing
    /// nothing: a first subscriber hears of what happens after it subscribed.
    void rebase(const Engine& engine) noexcept;
    void rebase(std::uint32_t slot, const SsSensorStats& now) noexcept;
    void rebase_health(std::uint32_t flags) noexcept { health_ = flags; }

    /// One tick: every registered sensor in slot order (Engine::stats; no lock is held while
    /// the sink runs, so a sink may call into the engine), then the health flags.
    void track(const Engine& engine, EventSink& sink) noexcept;
    /// The events of one sensor, from its counters now. A sensor not seen before is compared
    /// with its registration (all counters 0), so what it did before its first tick, and what
    /// recovery found lost on its disk, is reported too.
    void observe(std::uint32_t slot, const SsSensorStats& now, EventSink& sink) noexcept;
    void observe_health(std::uint32_t flags, EventSink& sink) noexcept;

private:
    SensorView* views_ = nullptr;
    std::uint32_t max_sensors_ = 0;
    std::uint32_t health_ = 0;
    // Not a TrackerConfig: an all-zero tracker is zero-initialised (.bss, not .data on the MCU).
    std::uint16_t overflow_quiet_ticks_ = 0;
};

/// An event as a bounded queue holds it: with the number of events the queue had to drop just
/// before it (the subscriber learns where it lost events, not only how many in all).
struct QueuedEvent {
    SsEvent event;
    std::uint32_t missed_before;
};

/// A fixed-capacity FIFO of events for one subscriber, in memory the caller hands in. When full,
/// the new event is dropped and counted; order is kept for everything delivered. One thread.
class EventQueue {
public:
    /// capacity >= 1 slots at `slots`. False (and unusable) otherwise.
    bool init(QueuedEvent* slots, std::uint32_t capacity) noexcept;

    /// False if the queue was full: the event is dropped, counted in dropped(), and the next
    /// event that fits carries the count in missed_before.
    bool push(const SsEvent& event) noexcept;
    /// The oldest event; false if there is none.
    bool pop(QueuedEvent& out) noexcept;

    std::uint32_t size() const noexcept { return size_; }
    std::uint32_t capacity() const noexcept { return capacity_; }
    /// Events dropped since init.
    std::uint64_t dropped() const noexcept { return dropped_; }

private:
    QueuedEvent* slots_ = nullptr;
    std::uint32_t capacity_ = 0;
    std::uint32_t head_ = 0;
    std::uint32_t size_ = 0;
    std::uint32_t missed_ = 0; ///< dropped since the last event that fitted
    std::uint64_t dropped_ = 0;
};

} // namespace ss
