// What the real-time actor tests share: an actor system configured as the gateway runs on two
// cores ('sharing', two workers), and a synchronous subscription to an event hub.
#pragma once

#include <caf/all.hpp>

#include <cstdint>
#include <memory>

#include "ss/actors/event_hub.hpp"

namespace ss::actors::test {

struct ActorSystem {
    caf::actor_system_config cfg;
    std::unique_ptr<caf::actor_system> sys;
    ActorSystem() {
        cfg.set("scheduler.policy", caf::atom("sharing"));
        cfg.set("scheduler.max-threads", 2);
        sys = std::make_unique<caf::actor_system>(cfg);
    }
};

/// Subscribes `subscriber` to `kinds` at `hub` and waits for the answer; true if accepted.
inline bool subscribe(caf::actor_system& sys, const event_hub_actor& hub, const event_subscriber_actor& subscriber,
                      std::uint32_t kinds) {
    caf::scoped_actor self{sys};
    bool subscribed = false;
    self->request(hub, caf::infinite, caf::subscribe_atom::value, subscriber, kinds)
        .receive([&](caf::ok_atom) { subscribed = true; }, [](caf::error&) {});
    return subscribed;
}

} // namespace ss::actors::test
