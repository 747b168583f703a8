// The event hub: storage events (seed 001; ss/events.hpp) for actors. Every period of the actor
// clock it derives the events of one engine with the core's EventTracker — from the stores'
// counters, so the writers never meet it — and hands each subscriber the events of the kinds it
// asked for, in order.
//
// Subscribing is a message: (subscribe_atom, handle, kinds mask). The hub monitors every
// subscriber, so one that terminates is removed without an unsubscribe.
//
// Delivery is bounded per subscriber, so a slow or dead one costs only its own events:
//   * an event is a request; the subscriber's ok_atom is the credit for the next one. At most
//     max_in_flight requests are unanswered at a time, so a subscriber's mailbox never holds
//     more than that many of the hub's events;
//   * the rest wait in the subscriber's EventQueue (queue_capacity events); what does not fit is
//     dropped and counted for that subscriber alone, and the next event it gets says how many
//     it missed just before (the uint32 beside the event).
// The hub never waits for a reply: it ticks on, and the other subscribers are served as before.
//
// Given an EventHubMemory, the hub keeps its subscriptions and its tracker there rather than in
// itself: a hub the supervisor restarts after a failure finds every subscriber again (events
// queued for them included) and derives the events of the gap from the counters where the last
// one stopped, so a subscriber neither subscribes again nor misses what happened meanwhile.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "ss/actors/messages.hpp"
#include "ss/engine.hpp"
#include "ss/events.hpp"

namespace ss::actors {

/// A subscriber: takes an event and the number of events it missed just before it (its queue
/// at the hub was full), and answers when it is ready for the next.
using event_subscriber_actor =
    caf::typed_actor<caf::replies_to<StorageEvent, std::uint32_t>::with<caf::ok_atom>>;

/// tick_atom: its own period (scheduled by itself).
/// (subscribe_atom, subscriber, kinds): SS_EVENT_MASK bits; again with the same subscriber
///   changes its kinds. Error invalid_argument for no kind or an unknown one, or when
///   max_subscribers are subscribed.
/// (unsubscribe_atom, subscriber): ends its subscription; events in flight may still arrive.
/// (get_atom, subscriber): its SubscriberStats; error invalid_argument if not subscribed.
/// get_atom: the hub's EventHubStats.
using event_hub_actor = caf::typed_actor<
    caf::reacts_to<caf::tick_atom>,
    caf::replies_to<caf::subscribe_atom, event_subscriber_actor, std::uint32_t>::with<caf::ok_atom>,
    caf::replies_to<caf::unsubscribe_atom, event_subscriber_actor>::with<caf::ok_atom>,
    caf::replies_to<caf::get_atom, event_subscriber_actor>::with<SubscriberStats>,
    caf::replies_to<caf::get_atom>::with<EventHubStats>>;

struct EventHubMemory;

struct EventHubConfig {
    /// The tick: the storage-flush stage's period, so events are coalesced per manager tick.
    caf::timespan period = std::chrono::milliseconds(100);
    std::uint32_t max_in_flight = 4; ///< unanswered events per subscriber (>= 1)
    /// Events waiting per subscriber. A tick's events arrive at once, so even a subscriber that
    /// keeps up needs room for a tick's worth beyond max_in_flight. 0 = that room for the
    /// engine's max_sensors: two events a sensor (new data and erased) and 16 more.
    std::uint32_t queue_capacity = 0;
    std::uint32_t max_subscribers = 64;
    std::uint16_t overflow_quiet_ticks = 10; ///< as TrackerConfig
    /// Where subscriptions and the tracker live across restarts; nullptr = in the hub itself.
    EventHubMemory* memory = nullptr;
};

/// What outlives one hub: the runtime owns it and hands it to each hub it spawns in turn (one
/// at a time). The mutex orders one hub's writes before the next one's reads.
struct EventHubMemory {
    struct Subscriber {
        event_subscriber_actor handle;
        std::uint64_t serial = 0; ///< names it in replies that come back after it left
        std::uint32_t kinds = 0;
        std::vector<QueuedEvent> slots;
        EventQueue queue;
        std::uint32_t in_flight = 0;
        std::uint64_t delivered = 0;
    };
    std::mutex mutex;
    bool ready = false; ///< a hub has set the tracker up
    std::vector<std::uint32_t> tracker_memory;
    EventTracker tracker{};
    // unique_ptr: a queue points into its subscriber's slots, which must not move.
    std::vector<std::unique_ptr<Subscriber>> subscribers;
    std::uint64_t next_serial = 1;
    EventHubStats stats{};
};

struct EventHubState {
    static inline const char* name = "event-hub";
    using Subscriber = EventHubMemory::Subscriber;
    const Engine* engine = nullptr;
    EventHubConfig config{};
    std::unique_ptr<EventHubMemory> own; ///< when spawned without one
    EventHubMemory* memory = nullptr;
    caf::actor_clock::time_point next{};
};

/// Spawn with sys.spawn(event_hub, &engine, config). The engine (and config.memory) must outlive
/// the actor; its
/// stores' counters are read under their own locks, so the hub may run beside the
/// storage-flush stage and the writers on any thread. Quits with invalid_argument if the
/// period, max_in_flight, max_subscribers or overflow_quiet_ticks is 0.
event_hub_actor::behavior_type event_hub(event_hub_actor::stateful_pointer<EventHubState> self, const Engine* engine,
                                         EventHubConfig config);

} // namespace ss::actors
