// StoreSink: a store of an engine as a RecordSink. Records go into the store and read back in
// order, through the interface a producer holds; a call of the wrong record type stores nothing;
// a full store stores a prefix and counts the rest as dropped, as SensorStore::add_many does.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/store_sink.hpp"

using namespace ss;

namespace {

/// An engine in a vector, no locks, 256-byte sectors (56 TS or 18 EVT records each).
struct SinkEngine {
    explicit SinkEngine(std::uint32_t sensors, std::uint32_t sectors) {
        cfg = default_config(SS_TARGET_STM32);
        cfg.ram_sector_bytes = 256;
        cfg.max_sensors = sensors;
        cfg.ram_pool_bytes = std::size_t{sectors} * cfg.ram_sector_bytes;
        auto plan = Engine::plan(cfg, locks, why);
        REQUIRE_MESSAGE(plan.has_value(), why.c_str());
        arena.resize(plan->total / 8 + 1);
        REQUIRE(engine.init(cfg, reinterpret_cast<std::byte*>(arena.data()), arena.size() * 8, locks, why));
    }
    ~SinkEngine() { engine.deinit(); }

    ss::SensorStore& reg(std::uint32_t id, RecordType type) {
        auto s = engine.register_sensor(SS_SOURCE_HOST, id, type, why);
        REQUIRE(s);
        return **s;
    }
    template <class Record>
    std::vector<Record> consume(ss::SensorStore& s, std::uint32_t max) {
        std::vector<Record> out(max);
        auto b = s.consume(engine.context(), out.data(), max);
        if (!b) return {};
        out.resize(b->count);
        return out;
    }
    SsSensorStats stats(const ss::SensorStore& s) {
        SsSensorStats st{};
        s.stats(engine.context(), st);
        return st;
    }

    port::LockOps locks{};
    SsInitCfg cfg{};
    Text why;
    std::vector<std::uint64_t> arena;
    Engine engine;
};

std::vector<std::uint32_t> counting(std::uint32_t from, std::uint32_t n) {
    std::vector<std::uint32_t> v(n);
    for (std::uint32_t i = 0; i < n; ++i) v[i] = from + i;
    return v;
}

} // namespace

TEST_CASE("time-series values go into the store, in order, across sectors") {
    SinkEngine f(2, 8);
    ss::SensorStore& store = f.reg(1, RecordType::ts);
    StoreSink store_sink(f.engine, store);
    RecordSink& sink = store_sink; // what a producer holds
    CHECK(sink.record_type() == RecordType::ts);
    const auto first = counting(100, 50);
    const auto second = counting(150, 70); // crosses into a second sector
    CHECK(sink.add_values(first.data(), 50) == 50u);
    CHECK(sink.add_values(second.data(), 70) == 70u);
    CHECK(sink.add_values(nullptr, 0) == 0u); // nothing, and no error
    auto got = f.consume<std::uint32_t>(store, 200);
    CHECK(got == counting(100, 120));
    const SsSensorStats st = f.stats(store);
    CHECK(st.next_seq == 120);
    CHECK(st.dropped_new == 0);
}

TEST_CASE("events go into an event store and read back whole") {
    SinkEngine f(2, 8);
    ss::SensorStore& store = f.reg(2, RecordType::evt);
    StoreSink store_sink(f.engine, store);
    RecordSink& sink = store_sink;
    CHECK(sink.record_type() == RecordType::evt);
    const SsEventRecord events[3] = {{1, 1'700'000'000'000}, {2, 1'700'000'000'001}, {3, (std::uint64_t{1} << 40) + 7}};
    CHECK(sink.add_events(events, 3) == 3u);
    const auto got = f.consume<SsEventRecord>(store, 8);
    REQUIRE(got.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(got[i].value == events[i].value);
        CHECK(std::uint64_t{got[i].ts_ms} == std::uint64_t{events[i].ts_ms});
    }
}

TEST_CASE("a call of the wrong record type, or null records, stores nothing and counts nothing") {
    SinkEngine f(2, 8);
    ss::SensorStore& ts = f.reg(1, RecordType::ts);
    ss::SensorStore& evt = f.reg(2, RecordType::evt);
    StoreSink ts_sink(f.engine, ts);
    StoreSink evt_sink(f.engine, evt);
    const SsEventRecord event{9, 9};
    const std::uint32_t value = 9;
    CHECK(ts_sink.add_events(&event, 1).error() == Errc::invalid_argument);
    CHECK(evt_sink.add_values(&value, 1).error() == Errc::invalid_argument);
    CHECK(ts_sink.add_values(nullptr, 1).error() == Errc::invalid_argument);
    CHECK(evt_sink.add_events(nullptr, 1).error() == Errc::invalid_argument);
    for (const ss::SensorStore* s : {&ts, &evt}) {
        const SsSensorStats st = f.stats(*s);
        CHECK(st.next_seq == 0); // no sequence number used: not even a drop
        CHECK(st.dropped_new == 0);
        CHECK(st.retained == 0);
    }
}

TEST_CASE("a store with no room stores a prefix; the rest are dropped, counted and numbered") {
    SinkEngine f(1, 2); // two sectors: 112 records
    ss::SensorStore& store = f.reg(1, RecordType::ts);
    StoreSink sink(f.engine, store);
    const auto first = counting(0, 92);
    REQUIRE(sink.add_values(first.data(), 92) == 92u);
    // The uploader takes all 92: pending data is never recycled, so 20 more fit, no more.
    REQUIRE(f.consume<std::uint32_t>(store, 128).size() == 92);
    const auto more = counting(92, 30);
    const auto stored = sink.add_values(more.data(), 30);
    REQUIRE(stored);
    CHECK(*stored == 20);
    const SsSensorStats st = f.stats(store);
    CHECK(st.dropped_new == 10);
    CHECK(st.next_seq == 122); // the dropped ones left a gap in the numbers
    CHECK(st.unsent == 20);
}

TEST_CASE("begin_series seals the open sector: the next values open their own, with their time") {
    SinkEngine f(2, 8);
    ss::SensorStore& store = f.reg(1, RecordType::ts);
    ss::SensorStore& events = f.reg(2, RecordType::evt);
    StoreSink store_sink(f.engine, store);
    RecordSink& sink = store_sink;
    const auto values = counting(0, 10);
    CHECK(sink.add_values_at(values.data(), 10, 5'000) == 10u);
    const std::uint32_t sectors = f.stats(store).sectors;
    CHECK(sink.begin_series());
    CHECK(sink.add_values_at(values.data(), 10, 9'999) == 10u);
    CHECK(f.stats(store).sectors == sectors + 1);
    CHECK(f.stats(store).next_seq == 20);
    StoreSink event_sink(f.engine, events);
    CHECK(event_sink.begin_series().error() == Errc::invalid_argument);
}
