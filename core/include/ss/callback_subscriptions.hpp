// The C API's event subscriptions (ss_subscribe): up to SS_MAX_SUBSCRIBERS callbacks,
// registered and ended from any thread, called by the thread that ticks.
//
// Why no queue per subscriber here: the callbacks run on the ticking thread, so a queue in
// front of them would only hold events until the same thread drained it a moment later; it
// could never take load off the tick, only drop events and cost RAM the MCU does not have
// (32 bytes per event, a tick's worth per subscriber). Instead each event goes to the callbacks
// as soon as it is derived, between two sensors' stats, with no store, pool or registry lock
// held: writers never wait for a callback, and a callback may call back into the API. Bounded
// queues belong where delivery is asynchronous (the actor hub, ss/actors/event_hub.hpp).
//
// Everything lives in the memory handed to create() — the object, its two locks and the
// tracker's table — so a system without subscriptions pays no static RAM for them (the MCU's
// 32 KB store budget counts the C API's statics).
//
// Two platform locks:
//   registry  guards the slots; held only to read or change them, never across a callback.
//   pass      held by the tick for its whole event pass, so an unsubscribe from another thread
//             can wait for a delivery in progress; and by the first subscribe, which sets the
//             tracker's reference (the tracker belongs to whoever holds the pass lock).
// Lock order: pass, then registry. A callback runs with the pass lock held by its own thread:
// an unsubscribe or subscribe made inside it must not take that lock again, and tells that
// case by the platform's thread id.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ss/events.hpp"
#include "ss/expected.hpp"
#include "ss/port.hpp"
#include "ss/sensor_storage.h"

namespace ss {

class CallbackSubscriptions {
public:
    static constexpr std::uint32_t max_subscribers = SS_MAX_SUBSCRIBERS;
    /// A C subscriber hears that an overflow ended after about a second of 100 ms ticks.
    static constexpr std::uint16_t overflow_quiet_ticks = 10;

    CallbackSubscriptions(const CallbackSubscriptions&) = delete;
    CallbackSubscriptions& operator=(const CallbackSubscriptions&) = delete;

    /// Bytes of memory create() needs for max_sensors with these locks, at any 8-byte alignment.
    static std::size_t bytes_needed(std::uint32_t max_sensors, const port::LockOps& locks) noexcept;

    /// Builds the subscriptions in `memory` (8-byte aligned, bytes_needed bytes), or returns
    /// nullptr if it does not do. `locks` must outlive them (the platform's); thread_id as in
    /// port::Platform. `epoch` differs from one system to the next (the C API's init count):
    /// a token from an earlier system never names a subscription of this one.
    static CallbackSubscriptions* create(void* memory, std::size_t bytes, std::uint32_t max_sensors,
                                         const port::LockOps& locks, std::uintptr_t (*thread_id)(),
                                         std::uint32_t epoch) noexcept;
    /// Ends every subscription and destroys the object; the memory may then go. Must not race
    /// with any other call.
    void destroy() noexcept;

    /// A token (never 0) for fn(ctx, event) on the events of `kinds` (SS_EVENT_MASK bits), from
    /// the next pass on (also when made inside a callback, during a pass). invalid_argument:
    /// no fn, no kind, an unknown kind; no_space: every slot taken.
    Expected<std::uint32_t> subscribe(const Engine& engine, std::uint32_t kinds, SsEventFn fn, void* ctx) noexcept;
    /// Ends the subscription; on return its callback is not running and will not run again.
    /// invalid_argument if the token names no live subscription.
    Expected<void> unsubscribe(std::uint32_t token) noexcept;
    /// The event pass after a tick of `engine`, on the ticking thread: nothing without a
    /// subscription.
    void deliver(const Engine& engine) noexcept;

private:
    struct Slot {
        SsEventFn fn = nullptr;
        void* ctx = nullptr;
        std::uint32_t generation = 0; ///< bumped by every subscribe into the slot: old tokens miss
        std::uint8_t kinds = 0;
        bool active = false;
        bool from_next_pass = false; ///< subscribed since the current pass began: not yet called
    };
    // The sink the tracker publishes to.
    class Fanout;

    CallbackSubscriptions() noexcept = default;
    ~CallbackSubscriptions() = default;
    void publish(const SsEvent& event) noexcept;
    std::uintptr_t this_thread() const noexcept { return thread_id_ != nullptr ? thread_id_() : 1; }
    void lock(void* l) const noexcept {
        if (l != nullptr) locks_->lock(l);
    }
    void unlock(void* l) const noexcept {
        if (l != nullptr) locks_->unlock(l);
    }

    const port::LockOps* locks_ = nullptr;
    void* registry_lock_ = nullptr;
    void* pass_lock_ = nullptr;
    std::uintptr_t (*thread_id_)() = nullptr;
    Slot slots_[max_subscribers]{};
    // Changed under the registry lock with every change of a slot: the pass keeps a copy of the
    // slots and refreshes it, under that lock, whenever this moved, so an event costs one atomic
    // read instead of a lock per subscriber.
    std::atomic<std::uint32_t> version_{0};
    std::atomic<std::uint32_t> active_{0};
    std::atomic<std::uintptr_t> delivering_thread_{0}; ///< the thread in a pass, 0 when none
    // The pass's own: touched only with the pass lock held.
    EventTracker tracker_{};
    std::uint32_t copy_version_ = 0;
    Slot copy_[max_subscribers]{};
};

} // namespace ss
