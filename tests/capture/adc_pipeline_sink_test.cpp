// The ADC pipeline against the sinks it is given: every record offered to a sink is counted as
// stored or dropped exactly as the sink answered (a prefix stored, a call refused), each route
// writes to its own sink, a route to a sink of the wrong record type is refused when the pipeline
// is configured, and a pipeline writes into a store of an engine it was handed (no C API).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ss/capture/adc_pipeline.hpp"
#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/store_sink.hpp"
#include "support/recording_sink.hpp"

using namespace ss::capture;
using ss::test::RecordingSink;

namespace {

std::uint64_t now_us() { return 0; }

std::vector<std::uint16_t> ramp(std::uint64_t from, std::size_t n) {
    std::vector<std::uint16_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint16_t>((from + i) % 4096);
    return v;
}

std::vector<std::uint32_t> widened(const std::vector<std::uint16_t>& v) { return {v.begin(), v.end()}; }

/// Captures and processes `blocks` raw blocks of 64 one-channel samples, ramp from 0.
template <class Pipeline>
void run_blocks(Pipeline& p, std::uint64_t blocks) {
    for (std::uint64_t b = 0; b < blocks; ++b) {
        REQUIRE(p.on_capture(ramp(b * 64, 64), b * 64, 0));
        REQUIRE(p.process_next(now_us));
    }
}

} // namespace

TEST_CASE("records a sink stores count as stored, the rest of the block as dropped") {
    RecordingSink sink;
    sink.room = 100; // the first block fits, the second only in part, the third not at all
    AdcPipeline<64, 4> p;
    ss::Text why;
    const AdcRoute route{0, {}, &sink};
    REQUIRE(p.configure(1, {&route, 1}, why));
    run_blocks(p, 4);
    CHECK(sink.offered == std::vector<std::uint32_t>{64, 64, 64, 64}); // one call per block, each whole
    CHECK(sink.values == widened(ramp(0, 100)));                       // the prefix it had room for
    const AdcPipelineStats stats = p.stats();
    CHECK(stats.records_stored == 100);
    CHECK(stats.records_dropped == 156);
    CHECK(stats.records_dropped == sink.dropped);
    CHECK(stats.samples_processed == 256);
    CHECK(stats.samples_lost == 0); // records dropped by the sink are not samples lost at capture
    // Room again (an uploader freed some): the next block goes in whole.
    sink.room = 64;
    run_blocks(p, 1);
    CHECK(p.stats().records_stored == 164);
    CHECK(p.stats().records_dropped == 156);
}

TEST_CASE("a call the sink refuses outright counts every record it offered as dropped") {
    RecordingSink sink;
    AdcPipeline<64, 4> p;
    ss::Text why;
    const AdcRoute route{0, {}, &sink};
    REQUIRE(p.configure(1, {&route, 1}, why));
    sink.refuse_calls = true;
    run_blocks(p, 2);
    CHECK(sink.refused_calls == 2);
    CHECK(sink.values.empty());
    AdcPipelineStats stats = p.stats();
    CHECK(stats.records_stored == 0);
    CHECK(stats.records_dropped == 128);
    sink.refuse_calls = false;
    run_blocks(p, 1);
    stats = p.stats();
    CHECK(stats.records_stored == 64);
    CHECK(stats.records_dropped == 128);
    CHECK(stats.records_stored + stats.records_dropped == 3 * 64); // everything offered, once
}

TEST_CASE("each route writes to its own sink, and the pipeline sums what they answered") {
    RecordingSink raw;
    RecordingSink decimated;
    decimated.room = 5;
    AdcPipeline<64, 4, 2> p;
    ss::Text why;
    AdcRoute routes[2] = {{0, {}, &raw}, {1, {}, &decimated}};
    routes[1].processing.stages[0] = FilterStage{FilterKind::decimate, 0, 4, DecimationMode::pick_first};
    REQUIRE(p.configure(2, routes, why));
    std::vector<std::uint32_t> want_raw, want_decimated;
    for (std::uint64_t b = 0; b < 3; ++b) {
        std::vector<std::uint16_t> block(64);
        for (std::uint32_t k = 0; k < 32; ++k) {
            const std::uint64_t scan = b * 32 + k;
            block[2 * k] = static_cast<std::uint16_t>(scan);
            block[2 * k + 1] = static_cast<std::uint16_t>(2000 + scan);
            want_raw.push_back(static_cast<std::uint32_t>(scan));
            if (scan % 4 == 0) want_decimated.push_back(static_cast<std::uint32_t>(2000 + scan));
        }
        REQUIRE(p.on_capture(block, b * 32, 0));
        REQUIRE(p.process_next(now_us));
    }
    CHECK(raw.offered == std::vector<std::uint32_t>{32, 32, 32});
    CHECK(decimated.offered == std::vector<std::uint32_t>{8, 8, 8});
    CHECK(raw.values == want_raw);
    want_decimated.resize(5);
    CHECK(decimated.values == want_decimated);
    const AdcPipelineStats stats = p.stats();
    CHECK(stats.records_stored == 96 + 5);
    CHECK(stats.records_dropped == 24 - 5);
}

TEST_CASE("a route to a sink of the wrong record type, or to none, is refused when configured") {
    RecordingSink events(ss::RecordType::evt);
    RecordingSink values;
    AdcPipeline<64, 4, 2> p;
    ss::Text why;
    const AdcRoute to_events{0, {}, &events};
    CHECK(p.configure(1, {&to_events, 1}, why).error() == ss::Errc::invalid_argument);
    CHECK(std::string(why.c_str()).find("route 0") != std::string::npos);
    CHECK(std::string(why.c_str()).find("time-series") != std::string::npos);
    // One bad route refuses the whole configuration.
    const AdcRoute mixed[2] = {{0, {}, &values}, {1, {}, &events}};
    CHECK_FALSE(p.configure(2, mixed, why));
    CHECK(std::string(why.c_str()).find("route 1") != std::string::npos);
    const AdcRoute to_nothing{0, {}, nullptr};
    CHECK_FALSE(p.configure(1, {&to_nothing, 1}, why));
    // Nothing was written anywhere, and a good route still goes through.
    CHECK(events.offered.empty());
    CHECK(values.offered.empty());
    const AdcRoute to_values{0, {}, &values};
    REQUIRE(p.configure(1, {&to_values, 1}, why));
    run_blocks(p, 1);
    CHECK(values.values == widened(ramp(0, 64)));
    CHECK(events.offered.empty());
}

TEST_CASE("a pipeline writes into a store of an engine it was handed, through a StoreSink") {
    // What an actor or an MCU task does: its own engine in its own arena, no C API, no globals.
    SsInitCfg cfg = ss::default_config(SS_TARGET_STM32);
    cfg.max_sensors = 2;
    cfg.ram_pool_bytes = 8 * std::size_t{cfg.ram_sector_bytes};
    const ss::port::LockOps locks{};
    ss::Text why;
    const auto plan = ss::Engine::plan(cfg, locks, why);
    REQUIRE_MESSAGE(plan.has_value(), why.c_str());
    std::vector<std::uint64_t> arena(plan->total / 8 + 1);
    ss::Engine engine;
    REQUIRE(engine.init(cfg, reinterpret_cast<std::byte*>(arena.data()), arena.size() * 8, locks, why));
    auto store = engine.register_sensor(SS_SOURCE_APP, 7, ss::RecordType::ts, why);
    REQUIRE(store);
    auto events = engine.register_sensor(SS_SOURCE_APP, 8, ss::RecordType::evt, why);
    REQUIRE(events);
    {
        ss::StoreSink sink(engine, **store);
        ss::StoreSink event_sink(engine, **events);
        AdcPipeline<64, 4> p;
        const AdcRoute to_events{0, {}, &event_sink};
        CHECK_FALSE(p.configure(1, {&to_events, 1}, why));
        const AdcRoute route{0, {}, &sink};
        REQUIRE(p.configure(1, {&route, 1}, why));
        run_blocks(p, 3);
        CHECK(p.stats().records_stored == 192);
        CHECK(p.stats().records_dropped == 0);
        std::vector<std::uint32_t> got(256);
        const auto batch = (*store)->consume(engine.context(), got.data(), 256);
        REQUIRE(batch);
        CHECK(batch->first_seq == 0);
        got.resize(batch->count);
        CHECK(got == widened(ramp(0, 192)));
    }
    engine.deinit();
}
