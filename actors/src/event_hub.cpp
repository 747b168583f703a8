#include "ss/actors/event_hub.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace ss::actors {

namespace {

using HubPointer = event_hub_actor::stateful_pointer<EventHubState>;
using Subscriber = EventHubMemory::Subscriber;
using Guard = std::lock_guard<std::mutex>;

Subscriber* find(EventHubMemory& m, const caf::actor_addr& who) {
    for (auto& s : m.subscribers)
        if (s->handle.address() == who) return s.get();
    return nullptr;
}

Subscriber* find(EventHubMemory& m, std::uint64_t serial) {
    for (auto& s : m.subscribers)
        if (s->serial == serial) return s.get();
    return nullptr;
}

void remove(EventHubMemory& m, const Subscriber* gone) {
    std::erase_if(m.subscribers, [gone](const std::unique_ptr<Subscriber>& s) { return s.get() == gone; });
    m.stats.subscribers = static_cast<std::uint32_t>(m.subscribers.size());
}

/// Sends a subscriber queued events while it has credit. The caller holds the memory's mutex.
void pump(HubPointer self, Subscriber& s) {
    QueuedEvent next{};
    while (s.in_flight < self->state.config.max_in_flight && s.queue.pop(next)) {
        ++s.in_flight;
        const std::uint64_t serial = s.serial;
        self->request(s.handle, caf::infinite, StorageEvent{next.event}, next.missed_before)
            .then(
                [self, serial](caf::ok_atom) {
                    EventHubMemory& m = *self->state.memory;
                    Guard g(m.mutex);
                    // The subscriber may have left since: its replies then concern no one.
                    Subscriber* sub = find(m, serial);
                    if (sub == nullptr) return;
                    --sub->in_flight;
                    ++sub->delivered;
                    pump(self, *sub);
                },
                [self, serial](caf::error& err) {
                    EventHubMemory& m = *self->state.memory;
                    Guard g(m.mutex);
                    Subscriber* sub = find(m, serial);
                    if (sub == nullptr) return;
                    // Gone (the down message would say so a moment later): nothing more goes to
                    // it. Any other failure concerns that one event; the credit comes back.
                    if (err == caf::sec::request_receiver_down) {
                        remove(m, sub);
                        return;
                    }
                    --sub->in_flight;
                    pump(self, *sub);
                });
    }
}

/// Hands each event to every subscriber that asked for its kind: sent at once while the
/// subscriber has credit, queued after that.
class Fanout final : public EventSink {
public:
    explicit Fanout(HubPointer self) noexcept : self_(self) {}
    void publish(const SsEvent& event) noexcept override {
        EventHubMemory& m = *self_->state.memory; // the tick holds its mutex
        ++m.stats.events;
        const std::uint32_t bit = SS_EVENT_MASK(event.kind);
        for (auto& s : m.subscribers) {
            if ((s->kinds & bit) == 0) continue;
            s->queue.push(event);
            pump(self_, *s);
        }
    }

private:
    HubPointer self_;
};

} // namespace

event_hub_actor::behavior_type event_hub(event_hub_actor::stateful_pointer<EventHubState> self, const Engine* engine,
                                         EventHubConfig config) {
    auto& st = self->state;
    st.engine = engine;
    SsSystemStats sys{};
    engine->system_stats(sys);
    if (config.queue_capacity == 0) config.queue_capacity = 2 * sys.max_sensors + 16;
    st.config = config;
    if (config.memory == nullptr) st.own = std::make_unique<EventHubMemory>();
    st.memory = config.memory != nullptr ? config.memory : st.own.get();
    EventHubMemory& m = *st.memory;
    bool valid = config.max_in_flight != 0 && config.max_subscribers != 0 && config.period > caf::timespan::zero() &&
                 config.overflow_quiet_ticks != 0;
    if (valid) {
        Guard g(m.mutex);
        if (!m.ready) {
            m.tracker_memory.resize(EventTracker::bytes_needed(sys.max_sensors) / sizeof(std::uint32_t) + 1);
            m.ready = m.tracker.init(m.tracker_memory.data(), m.tracker_memory.size() * sizeof(std::uint32_t),
                                     sys.max_sensors, TrackerConfig{config.overflow_quiet_ticks});
            valid = m.ready;
        } else {
            // A restart: the subscribers are ours now. The replies the last hub waited for will
            // never reach us, so their credit comes back; the events stay queued, and a
            // subscriber that went away meanwhile shows up through the monitor at once.
            for (auto& sub : m.subscribers) {
                sub->in_flight = 0;
                self->monitor(sub->handle);
            }
            for (auto& sub : m.subscribers) pump(self, *sub);
        }
    }
    if (!valid) {
        self->quit(caf::make_error(caf::sec::invalid_argument,
                                   "event hub: period, max_in_flight, max_subscribers and overflow_quiet_ticks "
                                   "must not be 0"));
    } else {
        // Absolute time points, as the storage-flush stage: the hub stays in step with its ticks.
        st.next = self->clock().now() + config.period;
        self->scheduled_send(self, st.next, caf::tick_atom::value);
    }
    self->set_down_handler([self](caf::down_msg& down) {
        EventHubMemory& mem = *self->state.memory;
        Guard g(mem.mutex);
        if (Subscriber* s = find(mem, down.source)) remove(mem, s);
    });
    return {
        [self](caf::tick_atom) {
            auto& s = self->state;
            EventHubMemory& mem = *s.memory;
            {
                Guard g(mem.mutex);
                ++mem.stats.ticks;
                // Without a subscriber nothing is derived; the first one to come sets the reference.
                if (!mem.subscribers.empty()) {
                    Fanout fanout(self);
                    mem.tracker.track(*s.engine, fanout);
                }
            }
            s.next += s.config.period;
            self->scheduled_send(self, s.next, caf::tick_atom::value);
        },
        [self](caf::subscribe_atom, event_subscriber_actor who, std::uint32_t kinds) -> caf::result<caf::ok_atom> {
            auto& s = self->state;
            EventHubMemory& mem = *s.memory;
            if (!who || !valid_event_kinds(kinds))
                return caf::make_error(caf::sec::invalid_argument, "event hub: no subscriber, or no or unknown kinds");
            Guard g(mem.mutex);
            if (Subscriber* known = find(mem, who.address())) {
                known->kinds = kinds;
                return caf::ok_atom::value;
            }
            if (mem.subscribers.size() >= s.config.max_subscribers)
                return caf::make_error(caf::sec::invalid_argument, "event hub: max_subscribers reached");
            // What happened before the first subscriber is no news to it.
            if (mem.subscribers.empty()) mem.tracker.rebase(*s.engine);
            auto sub = std::make_unique<Subscriber>();
            sub->handle = who;
            sub->serial = mem.next_serial++;
            sub->kinds = kinds;
            sub->slots.resize(s.config.queue_capacity);
            sub->queue.init(sub->slots.data(), s.config.queue_capacity);
            self->monitor(who);
            mem.subscribers.push_back(std::move(sub));
            mem.stats.subscribers = static_cast<std::uint32_t>(mem.subscribers.size());
            return caf::ok_atom::value;
        },
        [self](caf::unsubscribe_atom, event_subscriber_actor who) {
            EventHubMemory& mem = *self->state.memory;
            Guard g(mem.mutex);
            if (Subscriber* sub = find(mem, who.address())) {
                self->demonitor(who.address());
                remove(mem, sub);
            }
            return caf::ok_atom::value;
        },
        [self](caf::get_atom, event_subscriber_actor who) -> caf::result<SubscriberStats> {
            EventHubMemory& mem = *self->state.memory;
            Guard g(mem.mutex);
            Subscriber* sub = find(mem, who.address());
            if (sub == nullptr) return caf::make_error(caf::sec::invalid_argument, "event hub: not subscribed");
            return SubscriberStats{sub->delivered, sub->queue.dropped(), sub->queue.size(), sub->in_flight};
        },
        [self](caf::get_atom) {
            EventHubMemory& mem = *self->state.memory;
            Guard g(mem.mutex);
            return mem.stats;
        },
    };
}

} // namespace ss::actors
