// HandleSink: a store behind the C API as a RecordSink. It opens only over a registered sensor's
// handle and takes that sensor's type; records go in with ss_ts_add_many / ss_evt_add_many and
// read back with ss_consume_batch; the wrong record type, a full store and a handle outliving its
// system answer as the C API does.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "ss/handle_sink.hpp"
#include "ss/sensor_storage.h"

namespace {

void quiet(void*, int, const char*) {}

/// A RAM-only system of 256-byte sectors (60 TS or 20 EVT records) for the test's lifetime.
struct System {
    explicit System(std::uint32_t sensors, std::uint32_t sectors) {
        REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
        cfg.disk_root = nullptr;
        cfg.ram_sector_bytes = 256;
        cfg.max_sensors = sensors;
        cfg.ram_pool_bytes = std::size_t{sectors} * 256;
        cfg.log = quiet;
        REQUIRE(ss_init_system(&cfg) == 0);
    }
    ~System() { stop(); }
    void stop() {
        if (up) ss_deinit_system();
        up = false;
    }
    SensorStore* sensor(std::uint32_t id, SensorType type) {
        SensorStore* s = nullptr;
        REQUIRE(ss_sensor_init(id, type, &s) == 0);
        return s;
    }
    SsSensorStats stats(SensorStore* s) {
        SsSensorStats st{};
        REQUIRE(ss_get_sensor_stats(s, &st) == 0);
        return st;
    }
    SsInitCfg cfg{};
    bool up = true;
};

ss::HandleSink open_sink(SensorStore* s) {
    auto sink = ss::HandleSink::open(s);
    REQUIRE(sink);
    return *sink;
}

std::vector<std::uint32_t> counting(std::uint32_t from, std::uint32_t n) {
    std::vector<std::uint32_t> v(n);
    for (std::uint32_t i = 0; i < n; ++i) v[i] = from + i;
    return v;
}

} // namespace

TEST_CASE("a sink opens over a registered sensor's handle only, with that sensor's type") {
    System sys(2, 8);
    SensorStore* ts = sys.sensor(1, SENSOR_TS);
    SensorStore* evt = sys.sensor(2, SENSOR_EVT);
    CHECK(open_sink(ts).record_type() == ss::RecordType::ts);
    CHECK(open_sink(evt).record_type() == ss::RecordType::evt);
    CHECK(open_sink(ts).handle() == ts);
    CHECK(ss::HandleSink::open(nullptr).error() == ss::Errc::invalid_argument);
    int not_a_sensor = 0;
    CHECK_FALSE(ss::HandleSink::open(reinterpret_cast<SensorStore*>(&not_a_sensor)));
    sys.stop();
    CHECK_FALSE(ss::HandleSink::open(ts)); // the system it belonged to is gone
}

TEST_CASE("time-series values go in through the C API and read back in order") {
    System sys(2, 8);
    SensorStore* s = sys.sensor(1, SENSOR_TS);
    ss::HandleSink handle_sink = open_sink(s);
    ss::RecordSink& sink = handle_sink; // what a producer holds
    const auto first = counting(7, 50);
    const auto second = counting(57, 70);
    CHECK(sink.add_values(first.data(), 50) == 50u);
    CHECK(sink.add_values(second.data(), 70) == 70u);
    CHECK(sink.add_values(nullptr, 0) == 0u);
    std::vector<std::uint32_t> got(256);
    std::uint32_t n = 0;
    std::uint64_t first_seq = 99;
    REQUIRE(ss_consume_batch_ex(s, got.data(), 256, &n, &first_seq) == 0);
    got.resize(n);
    CHECK(first_seq == 0);
    CHECK(got == counting(7, 120));
}

TEST_CASE("events go in through the C API and read back whole") {
    System sys(2, 8);
    SensorStore* s = sys.sensor(3, SENSOR_EVT);
    ss::HandleSink sink = open_sink(s);
    const SsEventRecord events[2] = {{11, 1'700'000'000'000}, {12, (std::uint64_t{1} << 40) + 3}};
    CHECK(sink.add_events(events, 2) == 2u);
    SsEventRecord got[4];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, got, 4, &n) == 0);
    REQUIRE(n == 2);
    for (int i = 0; i < 2; ++i) {
        CHECK(got[i].value == events[i].value);
        CHECK(std::uint64_t{got[i].ts_ms} == std::uint64_t{events[i].ts_ms});
    }
}

TEST_CASE("the wrong record type or null records are refused; nothing is stored or counted") {
    System sys(2, 8);
    SensorStore* ts = sys.sensor(1, SENSOR_TS);
    SensorStore* evt = sys.sensor(2, SENSOR_EVT);
    ss::HandleSink ts_sink = open_sink(ts);
    ss::HandleSink evt_sink = open_sink(evt);
    const SsEventRecord event{1, 1};
    const std::uint32_t value = 1;
    CHECK(ts_sink.add_events(&event, 1).error() == ss::Errc::invalid_argument);
    CHECK(evt_sink.add_values(&value, 1).error() == ss::Errc::invalid_argument);
    CHECK(ts_sink.add_values(nullptr, 3).error() == ss::Errc::invalid_argument);
    for (SensorStore* s : {ts, evt}) {
        const SsSensorStats st = sys.stats(s);
        CHECK(st.next_seq == 0);
        CHECK(st.dropped_new == 0);
    }
}

TEST_CASE("a full store stores a prefix and counts the rest; a handle outliving its system is refused") {
    System sys(1, 2); // 112 records
    SensorStore* s = sys.sensor(1, SENSOR_TS);
    ss::HandleSink sink = open_sink(s);
    const auto first = counting(0, 92);
    REQUIRE(sink.add_values(first.data(), 92) == 92u);
    std::uint32_t buf[128];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, buf, 128, &n) == 0); // all pending: nothing may be recycled
    REQUIRE(n == 92);
    const auto more = counting(92, 30);
    CHECK(sink.add_values(more.data(), 30) == 20u);
    const SsSensorStats st = sys.stats(s);
    CHECK(st.dropped_new == 10);
    CHECK(st.next_seq == 122);
    sys.stop();
    CHECK(sink.add_values(more.data(), 30).error() == ss::Errc::invalid_argument);
}
