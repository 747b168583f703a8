// PretriggerWindow: a triggered window reaches the sink as one series — the lead-in, the trigger
// sample and what follows, values exact, sequence numbers contiguous, times one period apart from
// trigger − pre · period — under every policy of the header: threshold edges with hysteresis,
// external triggers, a short lead-in, triggers while busy or holding off, a sink that drops or
// refuses, many trips round the ring; and end to end through the C API store.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ss/capture/pretrigger_window.hpp"
#include "ss/handle_sink.hpp"
#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"
#include "ss/text.hpp"

using namespace ss;
using namespace ss::capture;

namespace {

constexpr std::uint32_t period = 10;         // µs between samples
constexpr std::uint64_t t0 = 1'000'000;      // time of sample 0, µs

std::uint64_t time_of(std::uint64_t index) { return t0 + index * period; }

/// A time-series sink that keeps every record with the sequence number and time a store would
/// give it. It stores at most `room` records (the rest of a call is dropped, their numbers
/// skipped, as a full store does) and refuses every call when `refuse` is set.
struct RecordingSink final : RecordSink {
    struct Record {
        std::uint32_t value;
        std::uint64_t seq;
        std::uint64_t time_us;
    };

    RecordType record_type() const noexcept override { return RecordType::ts; }

    Expected<std::uint32_t> add_values_at(const std::uint32_t* values, std::uint32_t n,
                                          std::uint64_t first_time) noexcept override {
        ++calls;
        if (refuse) return std::unexpected(Errc::invalid_argument);
        std::uint32_t stored = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            if (records.size() < room) {
                records.push_back({values[i], next_seq, first_time + std::uint64_t{i} * period});
                ++stored;
            }
            ++next_seq;
        }
        return stored;
    }

    Expected<std::uint32_t> add_events(const SsEventRecord*, std::uint32_t) noexcept override {
        return std::unexpected(Errc::invalid_argument);
    }

    std::vector<std::uint32_t> values() const {
        std::vector<std::uint32_t> v;
        for (const Record& r : records) v.push_back(r.value);
        return v;
    }

    Expected<void> begin_series() noexcept override {
        series_starts.push_back(records.size());
        return {};
    }

    std::vector<Record> records;
    std::vector<std::size_t> series_starts; // where each begin_series call fell in `records`
    std::uint64_t next_seq = 0;
    std::size_t room = SIZE_MAX;
    bool refuse = false;
    int calls = 0;
};

/// A window over `ring_length` samples of ring with the sink above.
struct Fixture {
    explicit Fixture(PretriggerConfig c, std::uint32_t ring_length = 16) : ring(ring_length) {
        cfg = c;
        cfg.sample_period_us = period;
        sink.next_seq = cfg.first_seq;
        REQUIRE_MESSAGE(window.configure(cfg, ring, sink, why).has_value(), why.c_str());
    }

    /// Feeds one sample, numbered in feeding order, at its time.
    PretriggerSampleResult feed(std::uint32_t value) {
        history.push_back(value);
        return window.on_sample(value, time_of(history.size() - 1));
    }
    void feed_all(const std::vector<std::uint32_t>& values) {
        for (std::uint32_t v : values) (void)feed(v);
    }

    PretriggerConfig cfg{};
    std::vector<std::uint32_t> ring;
    RecordingSink sink;
    PretriggerWindow window;
    Text why;
    std::vector<std::uint32_t> history;
};

PretriggerConfig rising_at(std::uint32_t level, std::uint32_t pre, std::uint32_t post, std::uint32_t hysteresis = 0) {
    PretriggerConfig c;
    c.pre_samples = pre;
    c.post_samples = post;
    c.threshold = {true, TriggerEdge::rising, level, hysteresis};
    return c;
}

} // namespace

TEST_CASE("a rising crossing stores the lead-in and the samples after it as one contiguous series") {
    PretriggerConfig c = rising_at(50, 4, 3);
    c.first_seq = 1000; // the store already holds 1000 records
    Fixture f(c, 8);
    f.feed_all({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(f.sink.records.empty()); // nothing is stored before a trigger
    const PretriggerSampleResult r = f.feed(60); // sample 10 crosses
    CHECK(r.window_started);
    CHECK_FALSE(r.window_completed);
    CHECK(f.window.phase() == PretriggerWindow::Phase::collecting);
    CHECK(f.sink.values() == std::vector<std::uint32_t>{6, 7, 8, 9}); // the lead-in is in at once
    (void)f.feed(61);
    CHECK(f.feed(62).window_completed);
    (void)f.feed(63); // after the window: not stored

    CHECK(f.sink.values() == std::vector<std::uint32_t>{6, 7, 8, 9, 60, 61, 62});
    for (std::size_t i = 0; i < f.sink.records.size(); ++i) {
        CHECK(f.sink.records[i].seq == 1000 + i);
        CHECK(f.sink.records[i].time_us == time_of(6 + i)); // each record at its sample's time
    }
    const PretriggerWindowReport& w = f.window.last_window();
    CHECK(w.complete);
    CHECK(w.number == 0);
    CHECK(w.cause == TriggerCause::rising);
    CHECK(w.trigger_time_us == time_of(10));
    CHECK(w.first_time_us == time_of(10) - 4 * period);
    CHECK(w.first_seq == 1000);
    CHECK(w.pre_samples == 4);
    CHECK(w.post_samples == 3);
    CHECK(w.stored == 7);
    CHECK(w.dropped == 0);
    CHECK(f.window.counters().windows_completed == 1);
    CHECK(f.window.phase() == PretriggerWindow::Phase::armed);
}

TEST_CASE("a UTC trigger time keeps its flag, and an unknown one leaves the series' time unknown") {
    PretriggerConfig c = rising_at(50, 2, 1);
    c.sample_period_us = period;
    std::vector<std::uint32_t> ring(4);
    RecordingSink sink;
    PretriggerWindow window;
    Text why;
    REQUIRE(window.configure(c, ring, sink, why));
    const std::uint64_t utc = sector::utc_flag | 1'767'225'600'000'000ull;
    (void)window.on_sample(1, utc - 2 * period);
    (void)window.on_sample(2, utc - period);
    CHECK(window.on_sample(99, utc).window_completed);
    CHECK(window.last_window().first_time_us == (utc - 2 * period));
    CHECK(sink.records[0].time_us == utc - 2 * period);
    (void)window.on_sample(1, sector::time_unknown);
    CHECK(window.on_sample(99, sector::time_unknown).window_started);
    CHECK(window.last_window().first_time_us == sector::time_unknown);
}

TEST_CASE("hysteresis: noise near the level fires once per real crossing, on the chosen edges") {
    // level 100, hysteresis 10: high from 100 on, low again below 90.
    const std::vector<std::uint32_t> noisy = {50, 100, 95, 101, 92, 99, 100, 85, 95, 100, 89, 105};
    struct Case {
        TriggerEdge edge;
        std::uint32_t hysteresis;
        std::vector<std::size_t> trigger_samples;
    };
    const Case cases[] = {
        {TriggerEdge::rising, 10, {1, 9, 11}},
        {TriggerEdge::falling, 10, {7, 10}},
        {TriggerEdge::either, 10, {1, 7, 9, 10, 11}},
        // Without hysteresis every wiggle across 100 fires.
        {TriggerEdge::either, 0, {1, 2, 3, 4, 6, 7, 9, 10, 11}},
        {TriggerEdge::rising, 0, {1, 3, 6, 9, 11}},
    };
    for (const Case& k : cases) {
        CAPTURE(static_cast<int>(k.edge));
        CAPTURE(k.hysteresis);
        PretriggerConfig c = rising_at(100, 0, 1, k.hysteresis);
        c.threshold.edge = k.edge;
        Fixture f(c);
        std::vector<std::size_t> fired;
        for (std::size_t i = 0; i < noisy.size(); ++i) {
            if (f.feed(noisy[i]).window_started) {
                fired.push_back(i);
                const TriggerCause expected = noisy[i] >= 100 ? TriggerCause::rising : TriggerCause::falling;
                CHECK(f.window.last_window().cause == expected);
            }
        }
        CHECK(fired == k.trigger_samples);
    }
}

TEST_CASE("the first sample only sets the detector's side: starting above the level fires nothing") {
    Fixture f(rising_at(100, 2, 1));
    f.feed_all({150, 150, 120});
    CHECK(f.window.counters().windows_started == 0);
    f.feed_all({50, 100});
    CHECK(f.window.counters().windows_started == 1);
}

TEST_CASE("an external trigger starts the window at the next sample and reports the event's time") {
    PretriggerConfig c;
    c.pre_samples = 3;
    c.post_samples = 2;
    Fixture f(c);
    f.feed_all({10, 11, 12, 13, 14});
    CHECK(f.window.trigger_external(time_of(5) - 4)); // between samples 4 and 5
    CHECK(f.window.trigger_external(time_of(5) - 2).error() == Errc::try_again); // one is waiting
    CHECK(f.feed(15).window_started);
    CHECK(f.window.trigger_external(time_of(6)).error() == Errc::try_again); // collecting
    CHECK(f.feed(16).window_completed);
    CHECK(f.sink.values() == std::vector<std::uint32_t>{12, 13, 14, 15, 16});
    const PretriggerWindowReport& w = f.window.last_window();
    CHECK(w.cause == TriggerCause::external);
    CHECK(w.trigger_time_us == time_of(5) - 4);
    CHECK(w.first_time_us == time_of(5) - 3 * period); // the samples' own time grid
    CHECK(f.sink.records[0].time_us == time_of(2));
    CHECK(f.window.counters().triggers_ignored_busy == 2);
}

TEST_CASE("an unconfigured window ignores samples and refuses external triggers") {
    PretriggerWindow window;
    CHECK(window.trigger_external(5).error() == Errc::invalid_argument);
    CHECK_FALSE(window.on_sample(1, 1).window_started);
    CHECK(window.counters().samples == 0);
}

TEST_CASE("configure refuses what cannot work, naming the field, and changes nothing") {
    std::vector<std::uint32_t> ring(4);
    RecordingSink sink;
    PretriggerWindow window;
    Text why;
    PretriggerConfig good = rising_at(100, 4, 2, 5);
    good.sample_period_us = 10;
    REQUIRE(window.configure(good, ring, sink, why));

    PretriggerConfig bad = good;
    bad.pre_samples = 5; // longer than the ring
    CHECK(window.configure(bad, ring, sink, why).error() == Errc::invalid_argument);
    CHECK(std::string(why.c_str()).find("pre_samples") != std::string::npos);
    bad = good;
    bad.post_samples = 0;
    CHECK_FALSE(window.configure(bad, ring, sink, why));
    bad = good;
    bad.sample_period_us = 0;
    CHECK_FALSE(window.configure(bad, ring, sink, why));
    bad = good;
    bad.threshold.hysteresis = 101;
    CHECK_FALSE(window.configure(bad, ring, sink, why));
    CHECK(std::string(why.c_str()).find("hysteresis") != std::string::npos);
    CHECK_FALSE(window.configure(good, std::span<std::uint32_t>{}, sink, why));
    CHECK(window.config().pre_samples == 4); // the good configuration still holds
}

TEST_CASE("a trigger before pre_samples samples were seen gets a shorter lead-in, reported") {
    Fixture f(rising_at(50, 8, 2));
    f.feed_all({1, 2, 3});
    CHECK(f.feed(70).window_started); // sample 3: only 3 before it
    (void)f.feed(71);
    CHECK(f.sink.values() == std::vector<std::uint32_t>{1, 2, 3, 70, 71});
    const PretriggerWindowReport& w = f.window.last_window();
    CHECK(w.pre_samples == 3);
    CHECK(w.first_time_us == time_of(0));
    CHECK(f.window.counters().short_pre_windows == 1);
}

TEST_CASE("a trigger while a window collects its post samples is ignored and counted") {
    Fixture f(rising_at(50, 2, 5));
    f.feed_all({1, 2, 60}); // trigger at sample 2
    CHECK(f.feed(10).window_started == false); // low again
    const PretriggerSampleResult again = f.feed(70); // a second crossing, inside the window
    CHECK(again.trigger_ignored);
    CHECK_FALSE(again.window_started);
    f.feed_all({71, 72}); // the window ends here, at its fixed length
    CHECK(f.window.last_window().complete);
    (void)f.feed(73);
    CHECK(f.sink.values() == std::vector<std::uint32_t>{1, 2, 60, 10, 70, 71, 72});
    CHECK(f.window.counters().windows_started == 1);
    CHECK(f.window.counters().triggers_ignored_busy == 1);
    // The crossing was not kept for later: the signal has to go low and cross again.
    f.feed_all({80, 81});
    CHECK(f.window.counters().windows_started == 1);
    f.feed_all({5, 90});
    CHECK(f.window.counters().windows_started == 2);
}

TEST_CASE("hold-off: for holdoff_samples after a window no trigger fires; then one does") {
    PretriggerConfig c = rising_at(50, 1, 1);
    c.holdoff_samples = 3;
    Fixture f(c);
    f.feed_all({1, 60}); // window 0: samples 0..1
    CHECK(f.window.phase() == PretriggerWindow::Phase::holding_off);
    CHECK(f.feed(2).trigger_ignored == false);
    CHECK(f.feed(61).trigger_ignored); // hold-off sample 2 of 3
    CHECK(f.window.trigger_external(0).error() == Errc::try_again);
    (void)f.feed(3); // hold-off ends with this sample
    CHECK(f.window.phase() == PretriggerWindow::Phase::armed);
    CHECK(f.feed(62).window_started);
    CHECK(f.window.counters().triggers_ignored_holdoff == 2);
    CHECK(f.sink.values() == std::vector<std::uint32_t>{1, 60, 3, 62});
    CHECK(f.window.last_window().first_seq == 2);
}

TEST_CASE("a sink without room: the stored prefix is exact, the rest counted, numbers not reused") {
    PretriggerConfig c = rising_at(50, 3, 3);
    c.first_seq = 40;
    Fixture f(c, 4);
    f.sink.room = 5; // the store takes five records, then drops
    f.feed_all({1, 2, 3, 4, 60, 61, 62});
    const PretriggerWindowReport w = f.window.last_window();
    CHECK(w.complete);
    CHECK(w.stored == 5);
    CHECK(w.dropped == 1);
    CHECK(f.sink.values() == std::vector<std::uint32_t>{2, 3, 4, 60, 61});
    CHECK(f.sink.records.back().seq == 44);
    // The next window starts after the dropped record's number: a gap, never a renumbering.
    f.sink.room = SIZE_MAX;
    f.feed_all({1, 70, 71, 72});
    CHECK(f.window.last_window().first_seq == 46);
    CHECK(f.sink.records[5].seq == 46);
    CHECK(f.sink.records[5].value == 61); // its lead-in reaches back into the previous window
    CHECK(f.window.counters().records_dropped == 1);
    CHECK(f.window.counters().records_stored == 11);
}

TEST_CASE("a sink that refuses every call: all counted as dropped, no sequence numbers taken") {
    PretriggerConfig c = rising_at(50, 2, 2);
    c.first_seq = 7;
    Fixture f(c, 2);
    f.sink.refuse = true;
    f.feed_all({1, 2, 60, 61});
    const PretriggerWindowReport& w = f.window.last_window();
    CHECK(w.complete);
    CHECK(w.stored == 0);
    CHECK(w.dropped == 4);
    CHECK(f.window.counters().refused_calls >= 2);
    f.sink.refuse = false;
    f.feed_all({1, 70, 71});
    CHECK(f.window.last_window().first_seq == 7);
    CHECK(f.sink.records.front().seq == 7);
}

TEST_CASE("close_window ends a window early with what it has") {
    PretriggerConfig c = rising_at(50, 1, 100);
    Fixture f(c);
    CHECK(f.window.close_window().error() == Errc::try_again);
    f.feed_all({1, 60, 61});
    CHECK(f.window.close_window());
    CHECK(f.window.last_window().complete);
    CHECK(f.window.last_window().post_samples == 2);
    CHECK(f.sink.values() == std::vector<std::uint32_t>{1, 60, 61});
}

TEST_CASE("many trips round a small ring: every window equals the reference model's") {
    // pre 3, post 12 on a ring of 5: the lead-in wraps, the post samples flush in chunks.
    for (const std::uint32_t holdoff : {0u, 2u, 7u}) {
        CAPTURE(holdoff);
        PretriggerConfig c;
        c.pre_samples = 3;
        c.post_samples = 12;
        c.holdoff_samples = holdoff;
        c.first_seq = 5;
        Fixture f(c, 5);
        // Trigger requests at pseudo-random samples; the model decides which start a window.
        std::uint32_t lcg = 12345;
        std::vector<std::size_t> started_model;
        std::size_t next_allowed = 0;
        std::vector<std::size_t> started_seen;
        constexpr std::size_t samples = 20'000;
        for (std::size_t i = 0; i < samples; ++i) {
            lcg = lcg * 1'103'515'245u + 12'345u;
            const bool request = (lcg >> 16) % 9 == 0;
            if (request) {
                const bool accepted = f.window.trigger_external(time_of(i)).has_value();
                const bool model = i >= next_allowed;
                CHECK(accepted == model);
                if (model) {
                    started_model.push_back(i);
                    next_allowed = i + c.post_samples + holdoff;
                }
            }
            if (f.feed(lcg).window_started) started_seen.push_back(i);
        }
        (void)f.window.close_window(); // the capture stops: the last window's tail goes too
        REQUIRE(started_seen == started_model);
        REQUIRE(started_model.size() > 500); // the ring went round thousands of times
        // The sink holds the windows back to back, each exactly its slice of the history.
        std::size_t at = 0;
        std::uint64_t seq = 5;
        REQUIRE(f.sink.series_starts.size() == started_model.size());
        for (std::size_t w = 0; w < started_model.size(); ++w) {
            const std::size_t s = started_model[w];
            const std::size_t from = s >= 3 ? s - 3 : 0;
            REQUIRE(f.sink.series_starts[w] == at); // each window begins a series of its own
            const std::size_t to = s + c.post_samples < samples ? s + c.post_samples : samples;
            for (std::size_t k = from; k < to; ++k, ++at, ++seq) {
                REQUIRE(at < f.sink.records.size());
                REQUIRE(f.sink.records[at].value == f.history[k]);
                REQUIRE(f.sink.records[at].seq == seq);
                REQUIRE(f.sink.records[at].time_us == time_of(k));
            }
        }
        CHECK(at == f.sink.records.size());
        CHECK(f.window.counters().records_dropped == 0);
    }
}

// ---- end to end through the C API ------------------------------------------------------------

namespace {

void silent(void*, int, const char*) {}

/// The C API on a small arena of the test's own: 256-byte sectors (56 values each).
struct SmallSystem {
    explicit SmallSystem(std::uint32_t sectors) {
        // One sensor: no sector is kept back for sensors not yet registered.
        REQUIRE(ss_config_defaults(&cfg, SS_TARGET_STM32) == 0);
        cfg.ram_sector_bytes = 256;
        cfg.max_sensors = 1;
        cfg.ram_pool_bytes = std::size_t{sectors} * 256;
        cfg.log = silent;
        std::size_t bytes = 0;
        REQUIRE(ss_arena_bytes(&cfg, &bytes) == 0);
        arena.resize(bytes / 8 + 1);
        cfg.arena = arena.data();
        cfg.arena_bytes = arena.size() * 8;
        REQUIRE(ss_init_system(&cfg) == 0);
    }
    ~SmallSystem() { ss_deinit_system(); }

    SsInitCfg cfg{};
    std::vector<std::uint64_t> arena;
};

} // namespace

TEST_CASE("end to end: a window lands in a TS sensor and reads back with its values, numbers and times") {
    SmallSystem sys(8);
    SensorStore* store = nullptr;
    REQUIRE(ss_sensor_init(3, SENSOR_TS, &store) == 0);
    REQUIRE(ss_sensor_set_sample_period(store, period) == 0);
    Expected<HandleSink> sink = HandleSink::open(store);
    REQUIRE(sink);

    PretriggerConfig c;
    c.pre_samples = 40;
    c.post_samples = 90; // the window spans three sectors
    c.sample_period_us = period;
    c.threshold = {true, TriggerEdge::falling, 1000, 50};
    std::vector<std::uint32_t> ring(64);
    PretriggerWindow window;
    Text why;
    REQUIRE(window.configure(c, ring, *sink, why));

    std::vector<std::uint32_t> history;
    for (std::uint32_t i = 0; i < 500; ++i) {
        // Steady at 2000 with noise, a drop to 900 at sample 300 (a fault), then back.
        const std::uint32_t v = (i >= 300 && i < 320) ? 900 + i % 7 : 2000 + (i * 37) % 11;
        history.push_back(v);
        (void)window.on_sample(v, time_of(i));
    }
    const PretriggerWindowReport w = window.last_window();
    REQUIRE(w.complete);
    CHECK(w.cause == TriggerCause::falling);
    CHECK(w.trigger_time_us == time_of(300));
    CHECK(w.first_seq == 0);
    CHECK(w.stored == 130);

    std::vector<std::uint32_t> out(200);
    std::uint32_t n = 0;
    std::uint64_t first_seq = 99;
    REQUIRE(ss_get_range(store, 0, 200, out.data(), &n, &first_seq) == 0);
    CHECK(first_seq == 0);
    REQUIRE(n == 130);
    for (std::uint32_t i = 0; i < n; ++i) REQUIRE(out[i] == history[260 + i]);

    // The record times: consumed batches carry their time base, each record's follows from it.
    std::uint32_t read = 0;
    while (read < 130) {
        SsBatchInfo info{};
        std::uint32_t got = 0;
        REQUIRE(ss_consume_batch_info(store, out.data(), 200, &got, &info) == 0);
        CHECK(info.first_seq == read);
        CHECK(info.period_us == period);
        for (std::uint32_t i = 0; i < got; ++i) REQUIRE(ss_batch_record_time(&info, i) == time_of(260 + read + i));
        read += got;
    }
    CHECK(read == 130);
    CHECK(w.first_time_us == time_of(260));

    // A second fault, later and off the first window's grid: its records carry its own times
    // although the first window left its last sector part-full.
    const std::uint64_t later = time_of(500) + 3; // the sample clock moved on by a few µs
    for (std::uint32_t i = 0; i < 200; ++i) {
        const std::uint32_t v = (i >= 100 && i < 110) ? 900 : 2000;
        history.push_back(v);
        (void)window.on_sample(v, later + std::uint64_t{i} * period);
    }
    const PretriggerWindowReport w2 = window.last_window();
    REQUIRE(w2.complete);
    CHECK(w2.number == 1);
    CHECK(w2.first_seq == 130);
    CHECK(w2.first_time_us == later + 60 * period);
    read = 0;
    while (read < 130) {
        SsBatchInfo info{};
        std::uint32_t got = 0;
        REQUIRE(ss_consume_batch_info(store, out.data(), 200, &got, &info) == 0);
        CHECK(info.first_seq == 130 + read);
        for (std::uint32_t i = 0; i < got; ++i) {
            REQUIRE(out[i] == history[500 + 60 + read + i]);
            REQUIRE(ss_batch_record_time(&info, i) == later + (60 + read + i) * std::uint64_t{period});
        }
        read += got;
    }
    CHECK(read == 130);
}

TEST_CASE("end to end: a store holding only pending data drops the window, counted; the next one is whole") {
    SmallSystem sys(2); // the sensor's sector and one more
    SensorStore* store = nullptr;
    REQUIRE(ss_sensor_init(4, SENSOR_TS, &store) == 0);
    REQUIRE(ss_sensor_set_sample_period(store, period) == 0);
    // Fill the pool and hand it all to the uploader: nothing may be recycled now.
    std::vector<std::uint32_t> fill(112, 7);
    std::uint32_t stored = 0;
    REQUIRE(ss_ts_add_many(store, fill.data(), 112, &stored) == 0);
    std::vector<std::uint32_t> out(200);
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(store, out.data(), 200, &n) == 0);
    REQUIRE(n == 112);

    Expected<HandleSink> sink = HandleSink::open(store);
    REQUIRE(sink);
    PretriggerConfig c;
    c.pre_samples = 4;
    c.post_samples = 4;
    c.sample_period_us = period;
    c.first_seq = 112;
    std::vector<std::uint32_t> ring(8);
    PretriggerWindow window;
    Text why;
    REQUIRE(window.configure(c, ring, *sink, why));
    for (std::uint32_t i = 0; i < 6; ++i) (void)window.on_sample(100 + i, time_of(i));
    REQUIRE(window.trigger_external(time_of(6)));
    for (std::uint32_t i = 6; i < 10; ++i) (void)window.on_sample(100 + i, time_of(i));
    PretriggerWindowReport w = window.last_window();
    CHECK(w.complete);
    CHECK(w.stored == 0);
    CHECK(w.dropped == 8);
    SsSensorStats st{};
    REQUIRE(ss_get_sensor_stats(store, &st) == 0);
    CHECK(st.dropped_new == 8);
    CHECK(st.next_seq == 120); // the dropped records' numbers are skipped

    // The cloud acknowledges; the next window is stored whole, after the gap.
    REQUIRE(ss_erase_all_pending(store) == 0);
    REQUIRE(window.trigger_external(time_of(10)));
    for (std::uint32_t i = 10; i < 14; ++i) (void)window.on_sample(100 + i, time_of(i));
    w = window.last_window();
    CHECK(w.complete);
    CHECK(w.first_seq == 120);
    CHECK(w.stored == 8);
    std::uint64_t first_seq = 0;
    REQUIRE(ss_get_range(store, 0, 200, out.data(), &n, &first_seq) == 0);
    CHECK(first_seq == 120);
    REQUIRE(n == 8);
    for (std::uint32_t i = 0; i < 8; ++i) CHECK(out[i] == 106 + i);
}

TEST_CASE("the example of docs/capture-processing.md §6 works as written there") {
    SmallSystem sys(100);
    // Once, at setup: sensor 40 keeps the windows of channel 0.
    SensorStore* windows = nullptr;
    REQUIRE(ss_sensor_init(40, SENSOR_TS, &windows) == 0);
    REQUIRE(ss_sensor_set_sample_period(windows, 100) == 0); // 10 kHz
    ss::HandleSink sink = *ss::HandleSink::open(windows);
    static std::uint32_t ring[1024];
    PretriggerWindow window;
    PretriggerConfig cfg;
    cfg.pre_samples = 1000;
    cfg.post_samples = 4000;
    cfg.sample_period_us = 100;
    cfg.holdoff_samples = 1000;
    cfg.threshold = {true, TriggerEdge::rising, 3000, 50};
    Text why;
    REQUIRE(window.configure(cfg, ring, sink, why));

    bool completed = false;
    for (std::uint32_t i = 0; i < 8000; ++i) {
        const std::uint32_t raw = (i >= 2000 && i < 2100) ? 3500 : 2000 + i % 40; // a burst at 2000
        const std::uint64_t sample_us = 50'000'000 + std::uint64_t{i} * 100;
        if (window.on_sample(raw, sample_us).window_completed) {
            completed = true;
            const PretriggerWindowReport& w = window.last_window();
            CHECK(w.first_seq == 0);
            CHECK(w.pre_samples == 1000);
            CHECK(w.post_samples == 4000);
            CHECK(w.trigger_time_us == 50'000'000 + 2000 * 100);
            CHECK(w.stored == 5000);
        }
    }
    CHECK(completed);
    std::vector<std::uint32_t> out(8);
    std::uint32_t n = 0;
    std::uint64_t first = 0;
    REQUIRE(ss_get_range(windows, 1000, 8, out.data(), &n, &first) == 0); // from the trigger on
    CHECK(first == 1000);
    CHECK(out[0] == 3500);
}
