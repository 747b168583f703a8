// Event subscriptions through the C API (ss_subscribe / ss_unsubscribe): bad input, the arena's
// room for event tracking, delivery by kind and in order from the tick, a first subscriber that
// does not hear the past, callbacks that call back into the API (consume, erase, subscribe,
// unsubscribe themselves), deinit ending every subscription, and the threads: an unsubscribe
// from another thread waits for a callback in progress, a writer is never held up by a stuck
// callback, and subscriptions coming and going on other threads while the tick delivers never
// see a callback after ss_unsubscribe returned (also run under ThreadSanitizer, scripts/test.sh).
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "ss/sensor_storage.h"

using namespace std::chrono_literals;

namespace {

void quiet(void*, int, const char*) {}

SsInitCfg small_cfg(std::uint32_t sensors, std::uint32_t sectors) {
    SsInitCfg cfg;
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    cfg.ram_sector_bytes = 256; // 56 TS records a sector
    cfg.max_sensors = sensors;
    cfg.ram_pool_bytes = std::size_t{sectors} * 256;
    cfg.log = quiet;
    return cfg;
}

/// A RAM-only system for the test's lifetime, its arena allocated by the platform.
struct System {
    explicit System(std::uint32_t sensors = 4, std::uint32_t sectors = 16) {
        const SsInitCfg cfg = small_cfg(sensors, sectors);
        REQUIRE(ss_init_system(&cfg) == 0);
    }
    ~System() { ss_deinit_system(); }
    SensorStore* sensor(std::uint32_t id, SsSource src = SS_SOURCE_HOST) {
        SensorStore* s = nullptr;
        REQUIRE(ss_sensor_init_ex(src, id, SENSOR_TS, &s) == 0);
        return s;
    }
    void add(SensorStore* s, std::uint32_t n) {
        for (std::uint32_t i = 0; i < n; ++i) ss_ts_add(s, i);
    }
    void tick() { ss_manager_tick_at(now_ms += 100); }
    std::uint64_t now_ms = 0;
};

/// Keeps every event it is given (from the ticking thread).
struct Collected {
    std::mutex mutex;
    std::vector<SsEvent> events;
    std::vector<SsEvent> take() {
        std::lock_guard l(mutex);
        std::vector<SsEvent> out;
        out.swap(events);
        return out;
    }
};

void collect(void* ctx, const SsEvent* e) {
    auto* c = static_cast<Collected*>(ctx);
    std::lock_guard l(c->mutex);
    c->events.push_back(*e);
}

std::uint32_t subscribe(std::uint32_t kinds, SsEventFn fn, void* ctx) {
    std::uint32_t token = 0;
    REQUIRE(ss_subscribe(kinds, fn, ctx, &token) == 0);
    CHECK(token != 0);
    return token;
}

void ignore(void*, const SsEvent*) {}

} // namespace

TEST_CASE("bad subscriptions are refused with -EINVAL and change nothing") {
    std::uint32_t token = 77;
    CHECK(ss_subscribe(SS_EVENTS_ALL, ignore, nullptr, &token) == -EINVAL); // before init
    CHECK(ss_unsubscribe(1) == -EINVAL);
    CHECK(token == 77);
    System sys;
    CHECK(ss_subscribe(SS_EVENTS_ALL, nullptr, nullptr, &token) == -EINVAL);
    CHECK(ss_subscribe(SS_EVENTS_ALL, ignore, nullptr, nullptr) == -EINVAL);
    CHECK(ss_subscribe(0, ignore, nullptr, &token) == -EINVAL);
    CHECK(ss_subscribe(SS_EVENTS_ALL + 1, ignore, nullptr, &token) == -EINVAL);
    CHECK(ss_subscribe(SS_EVENT_MASK(5), ignore, nullptr, &token) == -EINVAL);
    CHECK(token == 77);
    for (std::uint32_t bad : {0u, 1u, 0x10u, 0xFFFF'FFFFu, 9u, 0x19u}) {
        INFO("token " << bad);
        CHECK(ss_unsubscribe(bad) == -EINVAL);
    }
    const std::uint32_t t = subscribe(SS_EVENTS_ALL, ignore, nullptr);
    CHECK(ss_unsubscribe(t) == 0);
    CHECK(ss_unsubscribe(t) == -EINVAL); // already ended
    // A new subscription in the same slot does not answer to the old token.
    const std::uint32_t t2 = subscribe(SS_EVENTS_ALL, ignore, nullptr);
    CHECK(t2 != t);
    CHECK(ss_unsubscribe(t) == -EINVAL);
    CHECK(ss_unsubscribe(t2) == 0);
}

TEST_CASE("at most SS_MAX_SUBSCRIBERS subscriptions exist at once; an ended one frees its place") {
    System sys;
    std::vector<std::uint32_t> tokens;
    for (int i = 0; i < SS_MAX_SUBSCRIBERS; ++i) tokens.push_back(subscribe(SS_EVENTS_ALL, ignore, nullptr));
    std::uint32_t token = 0;
    CHECK(ss_subscribe(SS_EVENTS_ALL, ignore, nullptr, &token) == -ENOSPC);
    CHECK(token == 0);
    CHECK(ss_unsubscribe(tokens[3]) == 0);
    CHECK(ss_subscribe(SS_EVENTS_ALL, ignore, nullptr, &token) == 0);
    tokens[3] = token;
    for (std::uint32_t t : tokens) CHECK(ss_unsubscribe(t) == 0);
}

TEST_CASE("a caller's arena holds event tracking when it has ss_events_bytes beyond ss_arena_bytes") {
    SsInitCfg cfg = small_cfg(4, 16);
    std::size_t need = 0, events = 0;
    REQUIRE(ss_arena_bytes(&cfg, &need) == 0);
    REQUIRE(ss_events_bytes(&cfg, &events) == 0);
    CHECK(events >= 4 * 40); // 40 bytes a sensor, and the locks
    CHECK(ss_events_bytes(nullptr, &events) == -EINVAL);
    CHECK(ss_events_bytes(&cfg, nullptr) == -EINVAL);
    SsInitCfg bad = cfg;
    bad.max_sensors = 0;
    CHECK(ss_events_bytes(&bad, &events) == -EINVAL);

    // Exactly ss_arena_bytes: the system works, subscriptions are refused for lack of room.
    std::vector<std::uint64_t> arena((need + events) / 8 + 2);
    cfg.arena = arena.data();
    cfg.arena_bytes = need;
    REQUIRE(ss_init_system(&cfg) == 0);
    std::uint32_t token = 0;
    CHECK(ss_subscribe(SS_EVENTS_ALL, ignore, nullptr, &token) == -ENOSPC);
    SensorStore* s = nullptr;
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    CHECK(ss_ts_add(s, 1) == 0);
    ss_manager_tick_at(100);
    REQUIRE(ss_deinit_system() == 0);

    // With the events' bytes too, at its end: subscriptions work.
    cfg.arena_bytes = need + events;
    REQUIRE(ss_init_system(&cfg) == 0);
    Collected got;
    token = subscribe(SS_EVENTS_ALL, collect, &got);
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    CHECK(ss_ts_add(s, 1) == 0);
    ss_manager_tick_at(100);
    CHECK(got.take().size() == 1);
    CHECK(ss_unsubscribe(token) == 0);
    REQUIRE(ss_deinit_system() == 0);
}

TEST_CASE("each subscription gets the kinds it asked for, coalesced per tick, in order per sensor") {
    System sys(4, 6); // room for 6 sectors of 56 records
    SensorStore* a = sys.sensor(1);
    SensorStore* b = sys.sensor(2, SS_SOURCE_CAN);
    Collected data, losses, all;
    const std::uint32_t t_data = subscribe(SS_EVENT_MASK(SS_EVENT_NEW_DATA), collect, &data);
    const std::uint32_t t_loss = subscribe(SS_EVENT_MASK(SS_EVENT_DROP) | SS_EVENT_MASK(SS_EVENT_OVERFLOW), collect, &losses);
    const std::uint32_t t_all = subscribe(SS_EVENTS_ALL, collect, &all);

    sys.add(a, 100);
    sys.add(b, 10);
    sys.tick();
    auto ev = data.take();
    REQUIRE(ev.size() == 2);
    CHECK((ev[0].sensor_id == 1 && ev[0].source == SS_SOURCE_HOST && ev[0].count == 100 && ev[0].first_seq == 0 &&
           ev[0].last_seq == 99));
    CHECK((ev[1].sensor_id == 2 && ev[1].source == SS_SOURCE_CAN && ev[1].count == 10));
    CHECK(losses.take().empty());
    CHECK(all.take().size() == 2);

    // Sensor 1 writes far past the pool: its oldest unsent sectors are recycled.
    sys.add(a, 400);
    sys.tick();
    ev = data.take();
    REQUIRE(ev.size() == 1);
    CHECK((ev[0].first_seq == 100 && ev[0].last_seq == 499 && ev[0].count == 400));
    SsSensorStats st{};
    REQUIRE(ss_get_sensor_stats(a, &st) == 0);
    REQUIRE(st.dropped_recycled > 0);
    ev = losses.take();
    REQUIRE(ev.size() == 2);
    CHECK((ev[0].kind == SS_EVENT_DROP && ev[0].cause == SS_DROP_RECYCLED && ev[0].count == st.dropped_recycled));
    CHECK((ev[1].kind == SS_EVENT_OVERFLOW && ev[1].overflow == SS_OVERFLOW_BEGAN));
    ev = all.take();
    REQUIRE(ev.size() == 4);
    CHECK(ev[0].kind == SS_EVENT_NEW_DATA);
    CHECK(ev[1].kind == SS_EVENT_DROP);
    CHECK(ev[2].kind == SS_EVENT_OVERFLOW);
    CHECK((ev[3].kind == SS_EVENT_HEALTH && ev[3].health_before == 0 && (ev[3].health_after & SS_HEALTH_DROPPING) != 0));

    // Ten quiet ticks end the overflow, with everything it lost.
    for (int i = 0; i < 9; ++i) sys.tick();
    CHECK(losses.take().empty());
    sys.tick();
    ev = losses.take();
    REQUIRE(ev.size() == 1);
    CHECK((ev[0].kind == SS_EVENT_OVERFLOW && ev[0].overflow == SS_OVERFLOW_ENDED && ev[0].count == st.dropped_recycled));
    CHECK(all.take().size() == 1);
    CHECK(data.take().empty());

    for (std::uint32_t t : {t_data, t_loss, t_all}) CHECK(ss_unsubscribe(t) == 0);
    sys.add(a, 5);
    sys.tick();
    CHECK(all.take().empty());
}

TEST_CASE("the first subscription hears what happens after it, not what came before") {
    System sys;
    SensorStore* a = sys.sensor(1);
    sys.add(a, 30);
    sys.tick(); // no subscriber: the tick derives nothing
    sys.add(a, 20);
    Collected got;
    const std::uint32_t t = subscribe(SS_EVENTS_ALL, collect, &got);
    sys.tick();
    CHECK(got.take().empty());
    sys.add(a, 3);
    sys.tick();
    auto ev = got.take();
    REQUIRE(ev.size() == 1);
    CHECK((ev[0].first_seq == 50 && ev[0].last_seq == 52 && ev[0].count == 3));
    CHECK(ss_unsubscribe(t) == 0);
}

namespace {

/// Acknowledges everything a NEW_DATA names, from inside the callback: consume, then erase.
struct Uploader {
    SensorStore* store = nullptr;
    std::uint64_t consumed = 0;
    int rc = 0;
};

void upload_in_callback(void* ctx, const SsEvent* e) {
    auto* u = static_cast<Uploader*>(ctx);
    if (e->kind != SS_EVENT_NEW_DATA) return;
    std::uint32_t buf[64];
    std::uint32_t n = 0;
    while ((u->rc = ss_consume_batch(u->store, buf, 64, &n)) == 0) u->consumed += n;
    if (u->rc == -EAGAIN) u->rc = ss_erase_all_pending(u->store);
}

} // namespace

TEST_CASE("a callback may call back into the API: consume and erase in it show up as ERASED next tick") {
    System sys;
    Uploader up;
    up.store = sys.sensor(4);
    Collected erased;
    const std::uint32_t t_up = subscribe(SS_EVENT_MASK(SS_EVENT_NEW_DATA), upload_in_callback, &up);
    const std::uint32_t t_erased = subscribe(SS_EVENT_MASK(SS_EVENT_ERASED), collect, &erased);
    sys.add(up.store, 150);
    sys.tick();
    CHECK(up.rc == 0);
    CHECK(up.consumed == 150);
    CHECK(erased.take().empty()); // the erase came after the sensor was looked at
    sys.tick();
    auto ev = erased.take();
    REQUIRE(ev.size() == 1);
    CHECK((ev[0].count == 150 && ev[0].first_seq == 0 && ev[0].last_seq == 149));
    CHECK(ss_unsubscribe(t_up) == 0);
    CHECK(ss_unsubscribe(t_erased) == 0);
}

namespace {

/// Ends its own subscription at its first event, and subscribes `follower` instead.
struct SelfEnding {
    std::uint32_t token = 0;
    int calls = 0;
    int unsubscribe_rc = 1;
    Collected* follower = nullptr;
    std::uint32_t follower_token = 0;
};

void end_self(void* ctx, const SsEvent*) {
    auto* s = static_cast<SelfEnding*>(ctx);
    ++s->calls;
    if (s->calls > 1) return;
    s->unsubscribe_rc = ss_unsubscribe(s->token);
    if (s->follower != nullptr) REQUIRE(ss_subscribe(SS_EVENTS_ALL, collect, s->follower, &s->follower_token) == 0);
}

} // namespace

TEST_CASE("a callback that unsubscribes itself gets no further event, not even the rest of its tick") {
    System sys;
    SensorStore* a = sys.sensor(1);
    SensorStore* b = sys.sensor(2);
    Collected follower;
    SelfEnding self;
    self.follower = &follower;
    self.token = subscribe(SS_EVENTS_ALL, end_self, &self);
    sys.add(a, 5);
    sys.add(b, 5);
    sys.tick(); // two events this tick: the callback ends itself at the first
    CHECK(self.unsubscribe_rc == 0);
    CHECK(self.calls == 1);
    // A subscription made inside a callback starts with the next tick.
    CHECK(follower.take().empty());
    sys.add(b, 1);
    sys.tick();
    CHECK(self.calls == 1);
    auto ev = follower.take();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].sensor_id == 2);
    CHECK(ss_unsubscribe(self.follower_token) == 0);
}

TEST_CASE("ss_deinit_system ends every subscription; its tokens mean nothing to the next system") {
    std::uint32_t token = 0;
    Collected got;
    {
        System sys;
        token = subscribe(SS_EVENTS_ALL, collect, &got);
    }
    System sys;
    CHECK(ss_unsubscribe(token) == -EINVAL);
    SensorStore* s = sys.sensor(1);
    sys.add(s, 3);
    sys.tick();
    CHECK(got.take().empty());
    // The new system's first subscription takes the same slot, as the first one of its own:
    // still the old token does not name it.
    Collected now;
    const std::uint32_t fresh = subscribe(SS_EVENTS_ALL, collect, &now);
    CHECK(fresh != token);
    CHECK(ss_unsubscribe(token) == -EINVAL);
    sys.add(s, 1);
    sys.tick();
    CHECK(now.take().size() == 1);
    CHECK(ss_unsubscribe(fresh) == 0);
}

namespace {

/// A callback that stops in the middle until the test lets it go.
struct Gate {
    std::promise<void> entered;
    std::shared_future<void> release;
    std::atomic<bool> inside{false};
    std::atomic<bool> finished{false};
    std::atomic<int> calls{0};
};

void wait_at_gate(void* ctx, const SsEvent*) {
    auto* g = static_cast<Gate*>(ctx);
    if (g->calls.fetch_add(1) != 0) return;
    g->inside = true;
    g->entered.set_value();
    g->release.wait();
    g->inside = false;
    g->finished = true;
}

} // namespace

TEST_CASE("an unsubscribe from another thread waits for the callback in progress; writers never wait") {
    System sys;
    SensorStore* a = sys.sensor(1);
    SensorStore* w = sys.sensor(2);
    std::promise<void> release;
    Gate gate;
    gate.release = release.get_future().share();
    const std::uint32_t token = subscribe(SS_EVENTS_ALL, wait_at_gate, &gate);
    sys.add(a, 1);
    std::thread ticker([&] { sys.tick(); });
    gate.entered.get_future().wait(); // the tick is inside the callback now

    // A writer on a third thread is not held up by the stuck callback.
    auto writer = std::async(std::launch::async, [&] {
        int ok = 0;
        for (std::uint32_t i = 0; i < 500; ++i) ok += ss_ts_add(w, i) == 0;
        return ok;
    });
    REQUIRE(writer.wait_for(10s) == std::future_status::ready);
    CHECK(writer.get() == 500);

    std::atomic<bool> returned{false};
    bool finished_at_return = false;
    std::thread unsubscriber([&] {
        CHECK(ss_unsubscribe(token) == 0);
        finished_at_return = gate.finished.load();
        returned = true;
    });
    std::this_thread::sleep_for(100ms);
    CHECK_FALSE(returned.load()); // still inside the callback: it must wait
    release.set_value();
    unsubscriber.join();
    ticker.join();
    CHECK(returned.load());
    CHECK(finished_at_return);
    sys.add(a, 1);
    sys.tick();
    CHECK(gate.calls.load() == 1);
}

namespace {

/// One subscription's context in the stress test (each subscription has its own). After
/// ss_unsubscribe returns the test marks it ended; a callback that still comes is a violation.
struct Watched {
    std::atomic<bool> ended{true};
    std::atomic<std::uint64_t> calls{0};
    std::atomic<std::uint64_t>* violations = nullptr;
};

void watched_callback(void* ctx, const SsEvent*) {
    auto* w = static_cast<Watched*>(ctx);
    if (w->ended.load()) w->violations->fetch_add(1);
    // A slow callback now and then widens the window for an unsubscribe to race it; the
    // subscription must not have ended while it ran either.
    if (w->calls.fetch_add(1) % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
    if (w->ended.load()) w->violations->fetch_add(1);
}

} // namespace

TEST_CASE("subscriptions come and go on other threads while the tick delivers: none is called after it ended") {
    System sys(8, 64);
    std::vector<SensorStore*> sensors;
    for (std::uint32_t i = 0; i < 8; ++i) sensors.push_back(sys.sensor(i));
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> violations{0};
    std::atomic<std::uint64_t> ticks{0};

    std::thread ticker([&] {
        std::uint64_t now = 0;
        while (!stop.load()) {
            ss_manager_tick_at(now += 100);
            ticks.fetch_add(1);
        }
    });
    std::thread writer([&] {
        std::uint32_t v = 0;
        while (!stop.load())
            for (SensorStore* s : sensors) ss_ts_add(s, v++);
    });
    constexpr int threads = 3;
    constexpr int per_thread = 4; // 12 at most, more than SS_MAX_SUBSCRIBERS: some get -ENOSPC
    // Stable addresses: a late callback must find its context still there to be counted.
    std::vector<std::deque<Watched>> contexts(threads);
    std::atomic<std::uint64_t> cycles{0}, refused{0};
    std::vector<std::thread> churn;
    for (int t = 0; t < threads; ++t)
        churn.emplace_back([&, t] {
            std::uint32_t tokens[per_thread] = {};
            Watched* current[per_thread] = {};
            for (int round = 0; round < 300; ++round) {
                for (int k = 0; k < per_thread; ++k) {
                    if (tokens[k] == 0) {
                        Watched& w = contexts[t].emplace_back();
                        w.violations = &violations;
                        w.ended = false;
                        const int rc = ss_subscribe(SS_EVENTS_ALL, watched_callback, &w, &tokens[k]);
                        if (rc != 0) {
                            CHECK(rc == -ENOSPC);
                            w.ended = true;
                            tokens[k] = 0;
                            refused.fetch_add(1);
                        }
                        current[k] = &w;
                    } else {
                        CHECK(ss_unsubscribe(tokens[k]) == 0);
                        current[k]->ended = true; // from here on a call is a violation
                        tokens[k] = 0;
                        cycles.fetch_add(1);
                    }
                }
                std::this_thread::sleep_for(std::chrono::microseconds(200 * (t + 1)));
            }
            for (int k = 0; k < per_thread; ++k)
                if (tokens[k] != 0) {
                    CHECK(ss_unsubscribe(tokens[k]) == 0);
                    current[k]->ended = true;
                }
        });
    for (auto& th : churn) th.join();
    stop = true;
    ticker.join();
    writer.join();
    std::uint64_t delivered = 0;
    for (auto& c : contexts)
        for (Watched& w : c) delivered += w.calls.load();
    MESSAGE("ticks " << ticks.load() << ", subscribe/unsubscribe cycles " << cycles.load() << ", refused " << refused.load()
                     << ", events delivered " << delivered);
    CHECK(violations.load() == 0);
    CHECK(cycles.load() > 100);
    CHECK(delivered > 0);
}
