// Events derived at the manager tick (ss/events.hpp): the tracker's diffing and coalescing on
// plain counters, each kind and each drop cause, overflow's begin and end, health changes,
// counters that go back or pass 2^32, a sensor first seen, order per sensor; the bounded queue
// and its drop count; and the tracker over a real engine.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/events.hpp"

using namespace ss;

namespace {

struct Recorder final : EventSink {
    void publish(const SsEvent& e) noexcept override { events.push_back(e); }
    std::vector<SsEvent> take() {
        std::vector<SsEvent> out;
        out.swap(events);
        return out;
    }
    std::vector<SsEvent> events;
};

struct Tracker {
    explicit Tracker(std::uint32_t sensors, TrackerConfig cfg = {}) : memory(EventTracker::bytes_needed(sensors) / 4 + 1) {
        REQUIRE(tracker.init(memory.data(), memory.size() * 4, sensors, cfg));
    }
    std::vector<SsEvent> tick(std::uint32_t slot, const SsSensorStats& s) {
        tracker.observe(slot, s, sink);
        return sink.take();
    }
    std::vector<std::uint32_t> memory;
    EventTracker tracker;
    Recorder sink;
};

/// A host TS sensor's counters, consistent the way a store keeps them.
struct Counters {
    SsSensorStats s{};
    explicit Counters(std::uint32_t id = 7, SsSource src = SS_SOURCE_HOST) {
        s.sensor_id = id;
        s.source = static_cast<std::uint8_t>(src);
        s.type = SENSOR_TS;
    }
    Counters& write(std::uint64_t n) {
        s.written += n;
        s.next_seq += n;
        return *this;
    }
    Counters& drop_new(std::uint64_t n) {
        s.dropped_new += n;
        s.next_seq += n;
        return *this;
    }
    Counters& recycle(std::uint64_t n) {
        s.dropped_recycled += n;
        s.head_seq += n;
        return *this;
    }
    Counters& erase(std::uint64_t n) {
        s.erased += n;
        s.head_seq += n;
        return *this;
    }
};

std::string text(const SsEvent& e) {
    return "kind " + std::to_string(e.kind) + " cause " + std::to_string(e.cause) + " overflow " + std::to_string(e.overflow) +
           " count " + std::to_string(e.count) + " seq " + std::to_string(e.first_seq) + ".." + std::to_string(e.last_seq);
}

bool same(const SsEvent& a, const SsEvent& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

SsEvent expected(SsEventKind kind, const Counters& c) {
    SsEvent e{};
    e.kind = static_cast<std::uint8_t>(kind);
    e.sensor_id = c.s.sensor_id;
    e.source = c.s.source;
    return e;
}

SsEvent new_data(const Counters& c, std::uint64_t first, std::uint64_t last, std::uint32_t count) {
    SsEvent e = expected(SS_EVENT_NEW_DATA, c);
    e.first_seq = first;
    e.last_seq = last;
    e.count = count;
    return e;
}

SsEvent drop(const Counters& c, SsDropCause cause, std::uint32_t count) {
    SsEvent e = expected(SS_EVENT_DROP, c);
    e.cause = static_cast<std::uint8_t>(cause);
    e.count = count;
    return e;
}

/// A drop of new adds carries the numbers taken in its tick.
SsEvent drop_new(const Counters& c, std::uint64_t first, std::uint64_t last, std::uint32_t count) {
    SsEvent e = drop(c, SS_DROP_NEW, count);
    e.first_seq = first;
    e.last_seq = last;
    return e;
}

SsEvent overflow(const Counters& c, SsOverflowPhase phase, std::uint32_t count) {
    SsEvent e = expected(SS_EVENT_OVERFLOW, c);
    e.overflow = static_cast<std::uint8_t>(phase);
    e.count = count;
    return e;
}

SsEvent erased(const Counters& c, std::uint64_t first, std::uint64_t last, std::uint32_t count) {
    SsEvent e = expected(SS_EVENT_ERASED, c);
    e.first_seq = first;
    e.last_seq = last;
    e.count = count;
    return e;
}

void check_events(const std::vector<SsEvent>& got, const std::vector<SsEvent>& want) {
    CHECK(got.size() == want.size());
    for (std::size_t i = 0; i < got.size() && i < want.size(); ++i) {
        INFO("event " << i << ": got " << text(got[i]) << ", want " << text(want[i]));
        CHECK(same(got[i], want[i]));
    }
}

} // namespace

TEST_CASE("an event is 32 bytes and the tracker needs 48 bytes a sensor, in memory it is given") {
    CHECK(sizeof(SsEvent) == 32);
    CHECK(EventTracker::bytes_needed(100) == 4800);
    std::vector<std::uint32_t> memory(1200);
    EventTracker t;
    CHECK_FALSE(t.init(nullptr, 4800, 100));
    CHECK_FALSE(t.init(memory.data(), 4799, 100));
    CHECK_FALSE(t.init(reinterpret_cast<char*>(memory.data()) + 1, 4796, 99)); // misaligned
    CHECK_FALSE(t.init(memory.data(), 4800, 100, TrackerConfig{0}));
    CHECK_FALSE(t.ready());
    CHECK(t.init(memory.data(), 4800, 100));
    CHECK(t.ready());
}

TEST_CASE("a thousand writes between two ticks are one new_data event with their sequence range") {
    Tracker t(4);
    Counters c;
    c.write(1000);
    check_events(t.tick(0, c.s), {new_data(c, 0, 999, 1000)});
    CHECK(t.tick(0, c.s).empty()); // nothing changed: nothing to say
    c.write(1);
    check_events(t.tick(0, c.s), {new_data(c, 1000, 1000, 1)});
}

TEST_CASE("numbers skipped by adds dropped as new are inside the new_data range and told by a drop") {
    Tracker t(1);
    Counters c;
    c.write(10);
    t.tick(0, c.s);
    c.write(5).drop_new(3);
    check_events(t.tick(0, c.s), {new_data(c, 10, 17, 5), drop_new(c, 10, 17, 3), overflow(c, SS_OVERFLOW_BEGAN, 3)});
    c.drop_new(2);
    check_events(t.tick(0, c.s), {drop_new(c, 18, 19, 2)});
}

TEST_CASE("every drop cause has its own event, in cause order, and only lack of space is an overflow") {
    Tracker t(1);
    Counters c;
    c.write(100);
    t.tick(0, c.s);
    c.s.dropped_corrupt += 12;
    c.s.lost_records += 40;
    // Integrity losses: reported, but no overflow.
    check_events(t.tick(0, c.s), {drop(c, SS_DROP_CORRUPT, 12), drop(c, SS_DROP_LOST, 40)});
    c.drop_new(1).recycle(60);
    c.s.dropped_quota += 500;
    c.s.dropped_corrupt += 2;
    check_events(t.tick(0, c.s), {drop_new(c, 100, 100, 1), drop(c, SS_DROP_RECYCLED, 60), drop(c, SS_DROP_CORRUPT, 2),
                                  drop(c, SS_DROP_QUOTA, 500), overflow(c, SS_OVERFLOW_BEGAN, 561)});
}

TEST_CASE("an overflow begins once, ends after the quiet ticks with what it lost in all, and can begin again") {
    Tracker t(1, TrackerConfig{3});
    Counters c;
    c.write(60);
    t.tick(0, c.s);
    c.write(60).recycle(60);
    check_events(t.tick(0, c.s), {new_data(c, 60, 119, 60), drop(c, SS_DROP_RECYCLED, 60), overflow(c, SS_OVERFLOW_BEGAN, 60)});
    // Two quiet ticks, then a loss again: still the same overflow.
    c.write(1);
    t.tick(0, c.s);
    c.write(1);
    t.tick(0, c.s);
    c.write(60).recycle(60);
    check_events(t.tick(0, c.s), {new_data(c, 122, 181, 60), drop(c, SS_DROP_RECYCLED, 60)});
    c.s.dropped_quota += 7;
    check_events(t.tick(0, c.s), {drop(c, SS_DROP_QUOTA, 7)});
    CHECK(t.tick(0, c.s).empty());
    CHECK(t.tick(0, c.s).empty());
    check_events(t.tick(0, c.s), {overflow(c, SS_OVERFLOW_ENDED, 127)});
    CHECK(t.tick(0, c.s).empty());
    c.drop_new(2);
    check_events(t.tick(0, c.s), {drop_new(c, 182, 183, 2), overflow(c, SS_OVERFLOW_BEGAN, 2)});
}

TEST_CASE("erased tells the count and the range the oldest retained record moved across") {
    Tracker t(1);
    Counters c;
    c.write(100);
    t.tick(0, c.s);
    c.erase(40);
    check_events(t.tick(0, c.s), {erased(c, 0, 39, 40)});
    // Recycling at the front and erasing in the same tick: the range covers both, the count
    // only the erased ones.
    c.recycle(10).erase(20);
    check_events(t.tick(0, c.s), {drop(c, SS_DROP_RECYCLED, 10), overflow(c, SS_OVERFLOW_BEGAN, 10), erased(c, 40, 69, 20)});
}

TEST_CASE("a sensor first seen is compared with its registration: recovered losses and early writes are told") {
    Tracker t(2);
    Counters c(9, SS_SOURCE_CAN);
    // Recovered from disk: numbering continues at 5000, 3 records found lost; written since.
    c.s.next_seq = 5000;
    c.s.head_seq = 4000;
    c.s.lost_records = 3;
    c.write(20).erase(5);
    check_events(t.tick(1, c.s), {new_data(c, 5000, 5019, 20), drop(c, SS_DROP_LOST, 3), erased(c, 4000, 4004, 5)});
}

TEST_CASE("rebase makes the counters now the reference without an event") {
    Tracker t(1);
    Counters c;
    c.write(1000).drop_new(4).erase(10);
    t.tracker.rebase(0, c.s);
    t.tracker.rebase_health(SS_HEALTH_DROPPING);
    CHECK(t.tick(0, c.s).empty());
    t.tracker.observe_health(SS_HEALTH_DROPPING, t.sink);
    CHECK(t.sink.take().empty());
    c.write(2);
    check_events(t.tick(0, c.s), {new_data(c, 1004, 1005, 2)});
}

TEST_CASE("a counter that goes back is a new reference, not a loss of four billion records") {
    Tracker t(1);
    Counters c;
    c.s.lost_records = 50;
    check_events(t.tick(0, c.s), {drop(c, SS_DROP_LOST, 50)});
    c.s.lost_records = 20; // the acknowledged boundary passed some lost units
    CHECK(t.tick(0, c.s).empty());
    c.s.lost_records = 26;
    check_events(t.tick(0, c.s), {drop(c, SS_DROP_LOST, 6)});
}

TEST_CASE("counters that pass 2^32 between two ticks are still told exactly") {
    Tracker t(1);
    Counters c;
    c.s.written = c.s.next_seq = 0xFFFF'FFF0ull;
    t.tracker.rebase(0, c.s);
    c.write(0x20);
    check_events(t.tick(0, c.s), {new_data(c, 0xFFFF'FFF0ull, 0x1'0000'000Full, 0x20)});
}

TEST_CASE("health changes are told with the flags before and after; no change, no event") {
    Tracker t(1);
    t.tracker.observe_health(0, t.sink);
    CHECK(t.sink.take().empty());
    t.tracker.observe_health(SS_HEALTH_DISK_FULL | SS_HEALTH_DROPPING, t.sink);
    auto ev = t.sink.take();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == SS_EVENT_HEALTH);
    CHECK(ev[0].health_before == 0);
    CHECK(ev[0].health_after == (SS_HEALTH_DISK_FULL | SS_HEALTH_DROPPING));
    CHECK(ev[0].sensor_id == 0);
    t.tracker.observe_health(SS_HEALTH_DISK_FULL | SS_HEALTH_DROPPING, t.sink);
    CHECK(t.sink.take().empty());
    t.tracker.observe_health(SS_HEALTH_DROPPING, t.sink);
    ev = t.sink.take();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].health_before == (SS_HEALTH_DISK_FULL | SS_HEALTH_DROPPING));
    CHECK(ev[0].health_after == SS_HEALTH_DROPPING);
}

TEST_CASE("over many ticks a sensor's number ranges follow each other without hole or overlap, in order") {
    Tracker t(3);
    Counters a(1), b(2);
    std::uint64_t next_a = 0, next_b = 0;
    std::uint64_t stored_a = 0, dropped_a = 0;
    for (std::uint32_t tick = 0; tick < 200; ++tick) {
        a.write(tick % 7);
        if (tick % 5 == 0) a.drop_new(1 + tick % 3);
        b.write(3);
        t.tracker.observe(0, a.s, t.sink);
        t.tracker.observe(2, b.s, t.sink);
        std::uint64_t tick_first[3] = {}, tick_last[3] = {};
        bool told[3] = {};
        for (const SsEvent& e : t.sink.take()) {
            const bool numbered = e.kind == SS_EVENT_NEW_DATA || (e.kind == SS_EVENT_DROP && e.cause == SS_DROP_NEW);
            if (!numbered) continue;
            INFO("tick " << tick << " sensor " << e.sensor_id << ": " << text(e));
            if (e.sensor_id == 1) (e.kind == SS_EVENT_NEW_DATA ? stored_a : dropped_a) += e.count;
            std::uint64_t& next = e.sensor_id == 1 ? next_a : next_b;
            if (told[e.sensor_id]) {
                // The second event of a tick names the same numbers as the first.
                CHECK(e.first_seq == tick_first[e.sensor_id]);
                CHECK(e.last_seq == tick_last[e.sensor_id]);
                continue;
            }
            CHECK(e.first_seq == next);
            CHECK(e.last_seq >= e.first_seq);
            told[e.sensor_id] = true;
            tick_first[e.sensor_id] = e.first_seq;
            tick_last[e.sensor_id] = e.last_seq;
            next = e.last_seq + 1;
        }
    }
    CHECK(next_a == a.s.next_seq);
    CHECK(next_b == b.s.next_seq);
    CHECK(stored_a == a.s.written);
    CHECK(dropped_a == a.s.dropped_new);
}

TEST_CASE("a bounded queue keeps order, drops what does not fit, counts it and marks the next event") {
    std::vector<QueuedEvent> slots(3);
    EventQueue q;
    CHECK_FALSE(q.init(slots.data(), 0));
    CHECK_FALSE(q.init(nullptr, 3));
    REQUIRE(q.init(slots.data(), 3));
    auto ev = [](std::uint32_t n) {
        SsEvent e{};
        e.kind = SS_EVENT_NEW_DATA;
        e.count = n;
        return e;
    };
    QueuedEvent out{};
    CHECK_FALSE(q.pop(out));
    CHECK(q.push(ev(1)));
    CHECK(q.push(ev(2)));
    CHECK(q.push(ev(3)));
    CHECK_FALSE(q.push(ev(4)));
    CHECK_FALSE(q.push(ev(5)));
    CHECK(q.size() == 3);
    CHECK(q.dropped() == 2);
    REQUIRE(q.pop(out));
    CHECK(out.event.count == 1);
    CHECK(out.missed_before == 0);
    CHECK(q.push(ev(6))); // wraps around the end of the slots
    CHECK_FALSE(q.push(ev(7)));
    std::vector<std::uint32_t> order, missed;
    while (q.pop(out)) {
        order.push_back(out.event.count);
        missed.push_back(out.missed_before);
    }
    CHECK(order == std::vector<std::uint32_t>{2, 3, 6});
    CHECK(missed == std::vector<std::uint32_t>{0, 0, 2}); // 4 and 5 were lost just before 6
    CHECK(q.dropped() == 3);
    CHECK(q.push(ev(8)));
    REQUIRE(q.pop(out));
    CHECK(out.missed_before == 1); // 7
    CHECK(q.size() == 0);
    CHECK(q.capacity() == 3);
}

namespace {

struct EngineFixture {
    EngineFixture(std::uint32_t sensors, std::uint32_t sectors) {
        cfg = default_config(SS_TARGET_STM32);
        cfg.ram_sector_bytes = 80; // 12 TS records a sector
        cfg.max_sensors = sensors;
        cfg.ram_pool_bytes = std::size_t{sectors} * 80;
        auto plan = Engine::plan(cfg, locks, why);
        REQUIRE(plan);
        arena.resize(plan->total / 8 + 1);
        REQUIRE(engine.init(cfg, reinterpret_cast<std::byte*>(arena.data()), arena.size() * 8, locks, why));
        memory.resize(EventTracker::bytes_needed(sensors) / 4);
        REQUIRE(tracker.init(memory.data(), memory.size() * 4, sensors, TrackerConfig{2}));
    }
    ~EngineFixture() { engine.deinit(); }
    ss::SensorStore& reg(std::uint32_t id) {
        auto s = engine.register_sensor(SS_SOURCE_APP, id, RecordType::ts, why);
        REQUIRE(s);
        return **s;
    }
    void add(ss::SensorStore& s, std::uint32_t n) {
        for (std::uint32_t v = 0; v < n; ++v) (void)s.add(engine.context(), &v);
    }
    std::vector<SsEvent> tick() {
        engine.tick(0);
        tracker.track(engine, sink);
        return sink.take();
    }

    port::LockOps locks{};
    SsInitCfg cfg{};
    Text why;
    std::vector<std::uint64_t> arena;
    Engine engine;
    std::vector<std::uint32_t> memory;
    EventTracker tracker;
    Recorder sink;
};

} // namespace

TEST_CASE("over a real engine: new data, recycling as an overflow with the health change, erase after ack") {
    EngineFixture f(2, 3); // one sector each and one free
    ss::SensorStore& a = f.reg(1);
    ss::SensorStore& b = f.reg(2);
    f.add(a, 5);
    auto ev = f.tick();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == SS_EVENT_NEW_DATA);
    CHECK(ev[0].sensor_id == 1);
    CHECK(ev[0].source == SS_SOURCE_APP);
    CHECK(ev[0].first_seq == 0);
    CHECK(ev[0].last_seq == 4);

    // Sensor 2 writes past its two sectors: its oldest unsent sector is recycled.
    f.add(b, 30);
    ev = f.tick();
    REQUIRE(ev.size() == 4);
    CHECK((ev[0].kind == SS_EVENT_NEW_DATA && ev[0].sensor_id == 2 && ev[0].count == 30 && ev[0].last_seq == 29));
    CHECK((ev[1].kind == SS_EVENT_DROP && ev[1].cause == SS_DROP_RECYCLED && ev[1].count == 12));
    CHECK((ev[2].kind == SS_EVENT_OVERFLOW && ev[2].overflow == SS_OVERFLOW_BEGAN && ev[2].count == 12));
    CHECK((ev[3].kind == SS_EVENT_HEALTH && ev[3].health_before == 0 && ev[3].health_after == SS_HEALTH_DROPPING));
    SsSensorStats st;
    f.engine.stats(b, st);
    CHECK(st.dropped_recycled == 12);

    // The uploader takes and acknowledges 4 of sensor 1's records.
    std::uint32_t out[4];
    REQUIRE(a.consume(f.engine.context(), out, 4));
    f.engine.erase_all_pending(a);
    ev = f.tick();
    REQUIRE(ev.size() == 1);
    CHECK((ev[0].kind == SS_EVENT_ERASED && ev[0].sensor_id == 1 && ev[0].count == 4 && ev[0].first_seq == 0 &&
           ev[0].last_seq == 3));
    ev = f.tick(); // the second quiet tick ends sensor 2's overflow
    REQUIRE(ev.size() == 1);
    CHECK((ev[0].kind == SS_EVENT_OVERFLOW && ev[0].sensor_id == 2 && ev[0].overflow == SS_OVERFLOW_ENDED &&
           ev[0].count == 12));
    CHECK(f.tick().empty());
}

TEST_CASE("over a real engine: a sensor registered between ticks is told from its first record") {
    EngineFixture f(3, 6);
    ss::SensorStore& a = f.reg(1);
    f.add(a, 3);
    f.tracker.rebase(f.engine); // a subscriber arrives: what was before is not news
    CHECK(f.tick().empty());
    ss::SensorStore& late = f.reg(2);
    f.add(late, 7);
    auto ev = f.tick();
    REQUIRE(ev.size() == 1);
    CHECK((ev[0].sensor_id == 2 && ev[0].count == 7 && ev[0].first_seq == 0 && ev[0].last_seq == 6));
}
