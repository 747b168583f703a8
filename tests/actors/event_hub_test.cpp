// The event hub under CAF's test coordinator: subscriptions by message, delivery by kind and in
// order per sensor in virtual time; a subscriber that never answers holds at most max_in_flight
// events, then fills its bounded queue, then loses events that are counted (and told with the
// next one it gets) while the other subscriber gets everything; unsubscribe; a subscriber that
// terminates is removed through the monitor; bad subscriptions are refused.
#include "caf_doctest_dsl.hpp"

#include <caf/all.hpp>

#include <map>
#include <vector>

#include "ss/actors/event_hub.hpp"
#include "ss/actors/storage_host.hpp"

using namespace std::chrono_literals;
using ss::actors::event_hub_actor;
using ss::actors::event_subscriber_actor;
using ss::actors::EventHubConfig;
using ss::actors::EventHubState;
using ss::actors::StorageEvent;
using ss::actors::SubscriberStats;

namespace {

void silent(void*, int, const char*) {}

/// RAM only, 256-byte sectors (56 TS records), 8 sensors, two sectors each.
SsInitCfg config() {
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_LINUX);
    cfg.max_sensors = 8;
    cfg.ram_sector_bytes = 256;
    cfg.ram_pool_bytes = 16 * 256;
    cfg.log = silent;
    return cfg;
}

struct Received {
    std::vector<SsEvent> events;
    std::vector<std::uint32_t> missed; ///< what came with each event
};

/// Answers every event at once.
event_subscriber_actor::behavior_type collector(event_subscriber_actor::pointer, Received* out) {
    return {
        [out](const StorageEvent& e, std::uint32_t missed) {
            out->events.push_back(e.event);
            out->missed.push_back(missed);
            return caf::ok_atom::value;
        },
    };
}

/// Keeps every event unanswered until told to answer the ones it holds.
using release_atom = caf::atom_constant<caf::atom("release")>;
using holding_subscriber_actor = event_subscriber_actor::extend<caf::reacts_to<release_atom>>;
struct HoldingState {
    Received* out = nullptr;
    std::vector<caf::typed_response_promise<caf::ok_atom>> held;
};
holding_subscriber_actor::behavior_type holder(holding_subscriber_actor::stateful_pointer<HoldingState> self, Received* out) {
    self->state.out = out;
    return {
        [self](const StorageEvent& e, std::uint32_t missed) -> caf::typed_response_promise<caf::ok_atom> {
            self->state.out->events.push_back(e.event);
            self->state.out->missed.push_back(missed);
            auto answer = self->make_response_promise<caf::ok_atom>();
            self->state.held.push_back(answer);
            return answer;
        },
        [self](release_atom) {
            auto held = std::move(self->state.held);
            self->state.held.clear();
            for (auto& answer : held) answer.deliver(caf::ok_atom::value);
        },
    };
}

/// What a request to the hub got back.
struct Reply {
    bool ok = false;
    bool failed = false;
    SubscriberStats stats{};
};

void subscribe_requester(caf::event_based_actor* me, event_hub_actor hub, event_subscriber_actor who, std::uint32_t kinds,
                         Reply* out) {
    me->request(hub, caf::infinite, caf::subscribe_atom::value, who, kinds)
        .then([out](caf::ok_atom) { out->ok = true; }, [out](caf::error&) { out->failed = true; });
}

void stats_requester(caf::event_based_actor* me, event_hub_actor hub, event_subscriber_actor who, Reply* out) {
    me->request(hub, caf::infinite, caf::get_atom::value, who)
        .then(
            [out](const SubscriberStats& s) {
                out->ok = true;
                out->stats = s;
            },
            [out](caf::error&) { out->failed = true; });
}

struct fixture : test_coordinator_fixture<> {
    fixture() {
        ss::Text why;
        auto h = ss::actors::StorageHost::open(config(), why);
        REQUIRE_MESSAGE(h, why.c_str());
        host = std::move(*h);
        for (std::uint32_t id = 0; id < 8; ++id) {
            auto s = engine().register_sensor(SS_SOURCE_APP, id, ss::RecordType::ts, why);
            REQUIRE(s);
            sensors.push_back(*s);
        }
    }
    ~fixture() {
        // A live ticker keeps the fixture's teardown firing timeouts forever.
        if (hub) caf::anon_send_exit(hub, caf::exit_reason::kill);
        sched.run();
    }
    ss::Engine& engine() { return host->engine(); }
    void start_hub(EventHubConfig c = {}) {
        hub = sys.spawn(ss::actors::event_hub, static_cast<const ss::Engine*>(&engine()), c);
        sched.run();
    }
    void step() {
        CHECK(sched.advance_time(100ms) == 1u);
        sched.run();
    }
    Reply subscribe(const event_subscriber_actor& who, std::uint32_t kinds) {
        Reply r;
        sys.spawn(subscribe_requester, hub, who, kinds, &r);
        sched.run();
        return r;
    }
    SubscriberStats stats_of(const event_subscriber_actor& who) {
        Reply r;
        sys.spawn(stats_requester, hub, who, &r);
        sched.run();
        REQUIRE(r.ok);
        return r.stats;
    }
    EventHubState& hub_state() { return deref<event_hub_actor::stateful_base<EventHubState>>(hub).state; }
    void add(std::uint32_t sensor, std::uint32_t n) {
        for (std::uint32_t v = 0; v < n; ++v) REQUIRE(sensors[sensor]->add(engine().context(), &v));
    }

    std::unique_ptr<ss::actors::StorageHost> host;
    std::vector<ss::SensorStore*> sensors;
    event_hub_actor hub;
};

constexpr std::uint32_t all_kinds = SS_EVENTS_ALL;

} // namespace

TEST_CASE_FIXTURE(fixture, "subscribers get the kinds they asked for, coalesced per tick and in order per sensor") {
    start_hub();
    Received data, everything;
    auto only_data = sys.spawn(collector, &data);
    auto all = sys.spawn(collector, &everything);
    REQUIRE(subscribe(only_data, SS_EVENT_MASK(SS_EVENT_NEW_DATA)).ok);
    REQUIRE(subscribe(all, all_kinds).ok);

    add(1, 10);
    add(2, 5);
    CHECK(sched.advance_time(100ms) == 1u);
    // The tick, then one request per event to each subscriber, each answered.
    expect((caf::tick_atom), from(hub).to(hub));
    SsEvent first{};
    first.kind = SS_EVENT_NEW_DATA;
    first.source = SS_SOURCE_APP;
    first.sensor_id = 1;
    first.count = 10;
    first.first_seq = 0;
    first.last_seq = 9;
    expect((StorageEvent, std::uint32_t), from(hub).to(only_data).with(StorageEvent{first}, 0u));
    sched.run();
    REQUIRE(data.events.size() == 2);
    CHECK((data.events[1].sensor_id == 2 && data.events[1].count == 5 && data.events[1].last_seq == 4));
    CHECK(everything.events.size() == 2);

    // Sensor 3 writes past its share of the pool: recycling, an overflow, the health change.
    for (int tick = 0; tick < 5; ++tick) {
        add(1, 7);
        add(3, 200);
        step();
    }
    std::map<std::uint32_t, std::uint64_t> next_seq{{1, 10}, {2, 5}, {3, 0}};
    std::size_t drops = 0, overflows = 0, health = 0;
    for (std::size_t i = 2; i < everything.events.size(); ++i) {
        const SsEvent& e = everything.events[i];
        CHECK(everything.missed[i] == 0);
        if (e.kind == SS_EVENT_NEW_DATA) {
            INFO("event " << i << " sensor " << e.sensor_id);
            CHECK(e.first_seq == next_seq[e.sensor_id]);
            next_seq[e.sensor_id] = e.last_seq + 1;
        }
        drops += e.kind == SS_EVENT_DROP && e.cause == SS_DROP_RECYCLED && e.sensor_id == 3;
        overflows += e.kind == SS_EVENT_OVERFLOW && e.overflow == SS_OVERFLOW_BEGAN && e.sensor_id == 3;
        health += e.kind == SS_EVENT_HEALTH && (e.health_after & SS_HEALTH_DROPPING) != 0;
    }
    CHECK(next_seq[1] == 45);
    CHECK(next_seq[3] == 1000);
    CHECK(drops >= 1);
    CHECK(overflows == 1);
    CHECK(health == 1);
    for (const SsEvent& e : data.events) CHECK(e.kind == SS_EVENT_NEW_DATA);
    CHECK(data.events.size() == 2 + 10);
    CHECK(hub_state().memory->stats.ticks == 6);
}

TEST_CASE_FIXTURE(fixture, "a subscriber that never answers holds K events, queues a bounded number, loses the rest counted") {
    EventHubConfig c;
    c.max_in_flight = 2;
    c.queue_capacity = 6; // a tick's eight events fit: K sent at once, six waiting
    start_hub(c);
    Received slow_got, fast_got;
    auto slow = sys.spawn(holder, &slow_got);
    auto fast = sys.spawn(collector, &fast_got);
    const auto slow_as_subscriber = caf::actor_cast<event_subscriber_actor>(slow);
    REQUIRE(subscribe(slow_as_subscriber, all_kinds).ok);
    REQUIRE(subscribe(fast, SS_EVENT_MASK(SS_EVENT_NEW_DATA)).ok);

    // Eight sensors written: eight events a tick.
    for (std::uint32_t s = 0; s < 8; ++s) add(s, 1 + s);
    step();
    CHECK(fast_got.events.size() == 8);
    CHECK(slow_got.events.size() == 2); // K in flight, no more in its mailbox
    SubscriberStats st = stats_of(slow_as_subscriber);
    CHECK((st.in_flight == 2 && st.queued == 6 && st.dropped == 0 && st.delivered == 0));

    for (std::uint32_t s = 0; s < 8; ++s) add(s, 1);
    step();
    CHECK(fast_got.events.size() == 16); // the other subscriber is not held up
    CHECK(slow_got.events.size() == 2);
    st = stats_of(slow_as_subscriber);
    CHECK((st.in_flight == 2 && st.queued == 6 && st.dropped == 8));
    CHECK(stats_of(fast).dropped == 0);
    // Neither are the writers: every add was stored.
    SsSensorStats written{};
    engine().stats(*sensors[7], written);
    CHECK(written.written == 9);

    // It answers: the queued events come, in order, two at a time.
    for (std::size_t expect_got : {4u, 6u, 8u}) {
        caf::anon_send(slow, release_atom::value);
        sched.run();
        CHECK(slow_got.events.size() == expect_got);
    }
    REQUIRE(slow_got.events.size() == 8);
    for (std::uint32_t i = 0; i < 8; ++i) {
        CHECK(slow_got.events[i].sensor_id == i); // the first tick's, in sensor order
        CHECK(slow_got.events[i].count == 1 + i);
        CHECK(slow_got.missed[i] == 0);
    }
    st = stats_of(slow_as_subscriber);
    CHECK((st.delivered == 6 && st.in_flight == 2 && st.queued == 0 && st.dropped == 8));

    // The next event it gets says how many it lost just before.
    add(0, 1);
    step();
    caf::anon_send(slow, release_atom::value);
    sched.run();
    REQUIRE(slow_got.events.size() == 9);
    CHECK((slow_got.events[8].sensor_id == 0 && slow_got.events[8].first_seq == 2));
    CHECK(slow_got.missed[8] == 8);
    CHECK(fast_got.events.size() == 17);
    CHECK(fast_got.missed == std::vector<std::uint32_t>(17, 0));
    caf::anon_send_exit(slow, caf::exit_reason::kill);
    sched.run();
}

TEST_CASE_FIXTURE(fixture, "a subscriber that terminates is removed, also with events in flight; the others go on") {
    EventHubConfig c;
    c.max_in_flight = 1;
    start_hub(c);
    Received gone_got, stays_got;
    auto gone = sys.spawn(holder, &gone_got);
    auto stays = sys.spawn(collector, &stays_got);
    REQUIRE(subscribe(caf::actor_cast<event_subscriber_actor>(gone), all_kinds).ok);
    REQUIRE(subscribe(stays, all_kinds).ok);
    CHECK(hub_state().memory->stats.subscribers == 2);
    add(0, 1);
    add(1, 1);
    step();
    CHECK(gone_got.events.size() == 1); // one in flight, one queued
    caf::anon_send_exit(gone, caf::exit_reason::kill);
    sched.run();
    CHECK(hub_state().memory->stats.subscribers == 1);
    CHECK(hub_state().memory->subscribers.size() == 1);
    add(0, 1);
    step();
    CHECK(stays_got.events.size() == 3);
    CHECK(gone_got.events.size() == 1);
}

TEST_CASE_FIXTURE(fixture, "a hub restarted on the same memory keeps its subscribers and reports the gap's events") {
    ss::actors::EventHubMemory memory;
    EventHubConfig c;
    c.memory = &memory;
    start_hub(c);
    Received got;
    auto sub = sys.spawn(collector, &got);
    REQUIRE(subscribe(sub, SS_EVENT_MASK(SS_EVENT_NEW_DATA)).ok);
    add(1, 10);
    step();
    REQUIRE(got.events.size() == 1);
    // The hub fails (as the supervisor would see it); records arrive while none runs.
    caf::anon_send_exit(hub, caf::exit_reason::kill);
    sched.run();
    add(1, 5);
    start_hub(c); // what the supervisor's restart does: the same stage factory, the same memory
    CHECK(hub_state().memory == &memory);
    CHECK(memory.stats.subscribers == 1);
    add(2, 3);
    sched.advance_time(100ms); // also fires the dead hub's last tick, which goes nowhere
    sched.run();
    // No new subscribe: the gap's records of sensor 1 and the new ones of sensor 2, in order.
    REQUIRE(got.events.size() == 3);
    CHECK((got.events[1].sensor_id == 1 && got.events[1].first_seq == 10 && got.events[1].last_seq == 14));
    CHECK((got.events[2].sensor_id == 2 && got.events[2].first_seq == 0 && got.events[2].last_seq == 2));
    CHECK(stats_of(sub).delivered == 3);
    // A subscriber that went away while no hub ran is dropped by the new hub's monitor.
    caf::anon_send_exit(hub, caf::exit_reason::kill);
    sched.run();
    caf::anon_send_exit(sub, caf::exit_reason::kill);
    sched.run();
    start_hub(c);
    CHECK(memory.stats.subscribers == 0);
}

TEST_CASE_FIXTURE(fixture, "unsubscribe ends delivery; subscribing again changes the kinds; bad subscriptions are refused") {
    EventHubConfig c;
    c.max_subscribers = 2;
    start_hub(c);
    Received a_got, b_got;
    auto a = sys.spawn(collector, &a_got);
    auto b = sys.spawn(collector, &b_got);
    CHECK(subscribe(a, 0).failed);
    CHECK(subscribe(a, SS_EVENTS_ALL + 1).failed);
    CHECK(subscribe(event_subscriber_actor{}, all_kinds).failed);
    CHECK(hub_state().memory->stats.subscribers == 0);

    // What happened before the first subscription is no news to it.
    add(0, 4);
    step();
    REQUIRE(subscribe(a, all_kinds).ok);
    step();
    CHECK(a_got.events.empty());

    REQUIRE(subscribe(b, all_kinds).ok);
    Received c_got;
    auto third = sys.spawn(collector, &c_got);
    CHECK(subscribe(third, all_kinds).failed); // max_subscribers
    REQUIRE(subscribe(a, SS_EVENT_MASK(SS_EVENT_ERASED)).ok); // the same subscriber: new kinds
    CHECK(hub_state().memory->stats.subscribers == 2);
    add(0, 2);
    step();
    CHECK(a_got.events.empty());
    CHECK(b_got.events.size() == 1);

    caf::anon_send(hub, caf::unsubscribe_atom::value, b);
    sched.run();
    CHECK(hub_state().memory->stats.subscribers == 1);
    Reply r;
    sys.spawn(stats_requester, hub, event_subscriber_actor{b}, &r);
    sched.run();
    CHECK(r.failed); // not subscribed any more
    add(0, 2);
    step();
    CHECK(b_got.events.size() == 1);
}

TEST_CASE_FIXTURE(fixture, "a hub with a bound of 0 refuses to run") {
    EventHubConfig c;
    c.max_in_flight = 0;
    auto bad = sys.spawn(ss::actors::event_hub, static_cast<const ss::Engine*>(&engine()), c);
    sched.run();
    Reply r;
    Received got;
    auto sub = sys.spawn(collector, &got);
    sys.spawn(subscribe_requester, bad, event_subscriber_actor{sub}, all_kinds, &r);
    sched.run();
    CHECK(r.failed);
    CHECK_FALSE(r.ok);
}
