// The ADC pipeline on one thread, deterministically: blocks in, records out of the store, every
// sample accounted for; overflow, zero copy, malformed blocks, interleaved channels, decimation.
// The routes write through HandleSinks over C API stores (the pipeline's accounting against a
// sink that refuses records is adc_pipeline_sink_test.cpp).
#include <doctest/doctest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "ss/capture/adc_pipeline.hpp"
#include "ss/handle_sink.hpp"
#include "ss/sensor_storage.h"

using namespace ss::capture;

namespace {

std::uint64_t fake_now = 0;
std::uint64_t now_us() { return fake_now; }

void quiet(void*, int, const char*) {}

/// A RAM-only store system for the test's lifetime.
struct Storage {
    explicit Storage(std::uint32_t sensors = 4) {
        REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
        cfg.max_sensors = sensors;
        cfg.ram_pool_bytes = std::size_t{sensors} * 64 * 4096;
        cfg.log = quiet;
        REQUIRE(ss_init_system(&cfg) == 0);
    }
    ~Storage() { ss_deinit_system(); }
    SensorStore* ts(std::uint32_t id) {
        SensorStore* s = nullptr;
        REQUIRE(ss_sensor_init(id, SENSOR_TS, &s) == 0);
        return s;
    }
    SsInitCfg cfg{};
};

/// The route's sink over a C API store.
ss::HandleSink sink_of(SensorStore* s) {
    auto sink = ss::HandleSink::open(s);
    REQUIRE(sink);
    return *sink;
}

std::vector<std::uint32_t> drain(SensorStore* s) {
    std::vector<std::uint32_t> out;
    std::uint32_t buf[1024];
    std::uint32_t n = 0;
    while (ss_consume_batch(s, buf, 1024, &n) == 0) {
        out.insert(out.end(), buf, buf + n);
        REQUIRE(ss_erase_all_pending(s) == 0);
    }
    return out;
}

std::vector<std::uint16_t> ramp(std::uint64_t from, std::size_t n) {
    std::vector<std::uint16_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint16_t>((from + i) % 4096);
    return v;
}

} // namespace

TEST_CASE("blocks go through the queue into the store in order, with the seed's statistics and latency") {
    Storage st;
    SensorStore* s = st.ts(1);
    AdcPipeline<64, 4> p;
    ss::Text why;
    ss::HandleSink sink = sink_of(s);
    const AdcRoute route{0, {}, &sink};
    REQUIRE(p.configure(1, {&route, 1}, why));
    std::vector<std::uint32_t> expect;
    for (std::uint64_t b = 0; b < 10; ++b) {
        const auto block = ramp(b * 64, 64);
        fake_now = 1000 * b;
        REQUIRE(p.on_capture(block, b * 64, fake_now));
        fake_now += 7 + b; // processed a little later
        const auto r = p.process_next(now_us);
        REQUIRE(r);
        CHECK(r->first_scan == b * 64);
        CHECK(r->scans == 64);
        CHECK(r->latency_us == 7 + b);
        CHECK(r->summary[0].min == block.front());
        CHECK(r->summary[0].max == block.back());
        CHECK(r->summary[0].count == 64);
        expect.insert(expect.end(), block.begin(), block.end());
    }
    CHECK_FALSE(p.process_next(now_us));
    const AdcPipelineStats stats = p.stats();
    CHECK(stats.samples_captured == 640);
    CHECK(stats.samples_processed == 640);
    CHECK(stats.samples_lost == 0);
    CHECK(stats.buffer_overflows == 0);
    CHECK(stats.buffers_pending == 0);
    CHECK(stats.records_stored == 640);
    CHECK(stats.worst_latency_us == 16);
    CHECK(p.latency().count() == 10);
    CHECK(p.latency().quantile_us(1.0) == 16);
    CHECK(drain(s) == expect);
}

TEST_CASE("with every buffer queued the next block is dropped and counted, never written over") {
    Storage st;
    SensorStore* s = st.ts(1);
    AdcPipeline<32, 3> p;
    ss::Text why;
    ss::HandleSink sink = sink_of(s);
    const AdcRoute route{0, {}, &sink};
    REQUIRE(p.configure(1, {&route, 1}, why));
    for (std::uint64_t b = 0; b < 5; ++b) {
        const bool queued = p.on_capture(ramp(b * 32, 32), b * 32, b);
        CHECK(queued == (b < 3));
    }
    AdcPipelineStats stats = p.stats();
    CHECK(stats.buffer_overflows == 2);
    CHECK(stats.samples_lost == 64);
    CHECK(stats.buffers_pending == 3);
    CHECK(stats.pool_low_watermark == 0);
    CHECK(p.drain(now_us) == 3);
    // Room again: the next block goes through.
    CHECK(p.on_capture(ramp(160, 32), 160, 9));
    CHECK(p.drain(now_us) == 1);
    stats = p.stats();
    CHECK(stats.samples_captured + stats.samples_lost == 6 * 32); // every sample accounted for
    CHECK(stats.samples_processed == stats.samples_captured);
    auto expect = ramp(0, 96);
    const auto tail = ramp(160, 32);
    expect.insert(expect.end(), tail.begin(), tail.end());
    const auto got = drain(s);
    CHECK(got == std::vector<std::uint32_t>(expect.begin(), expect.end()));
}

TEST_CASE("zero copy: the DMA fills a pool buffer and only its index is queued") {
    Storage st;
    SensorStore* s = st.ts(1);
    AdcPipeline<16, 2> p;
    ss::Text why;
    ss::HandleSink sink = sink_of(s);
    const AdcRoute route{0, {}, &sink};
    REQUIRE(p.configure(1, {&route, 1}, why));
    const auto a = p.acquire_buffer();
    const auto b = p.acquire_buffer();
    REQUIRE(a);
    REQUIRE(b);
    CHECK_FALSE(p.acquire_buffer()); // both in the DMA's hands
    const auto data = ramp(100, 16);
    std::copy(data.begin(), data.end(), p.buffer(*a).begin());
    REQUIRE(p.submit(*a, 16, 100, 5));
    // A short final block is fine; a block that is not whole scans is refused and counted.
    std::copy(data.begin(), data.begin() + 8, p.buffer(*b).begin());
    REQUIRE(p.submit(*b, 8, 116, 6));
    p.drop_block(16); // the driver had no buffer for a block
    CHECK(p.drain(now_us) == 2);
    const AdcPipelineStats stats = p.stats();
    CHECK(stats.samples_captured == 24);
    CHECK(stats.samples_lost == 16);
    CHECK(stats.buffer_overflows == 1);
    auto expect = ramp(100, 16);
    expect.insert(expect.end(), data.begin(), data.begin() + 8);
    CHECK(drain(s) == std::vector<std::uint32_t>(expect.begin(), expect.end()));
}

TEST_CASE("interleaved channels go to their own stores, each through its own processing") {
    Storage st;
    SensorStore* raw = st.ts(1);
    SensorStore* decimated = st.ts(2);
    AdcPipeline<64, 4, 2> p;
    ss::Text why;
    ss::HandleSink raw_sink = sink_of(raw);
    ss::HandleSink decimated_sink = sink_of(decimated);
    AdcRoute routes[2] = {{0, {}, &raw_sink}, {1, {}, &decimated_sink}};
    routes[1].processing.stages[0] = FilterStage{FilterKind::decimate, 0, 4, DecimationMode::average};
    REQUIRE(p.configure(2, routes, why));
    // Channel 0 counts up, channel 1 holds 1000 + 4 * (scan / 4) so each group of 4 averages exactly.
    std::vector<std::uint32_t> want0, want1;
    for (std::uint64_t b = 0; b < 4; ++b) {
        std::vector<std::uint16_t> block(64);
        for (std::uint32_t k = 0; k < 32; ++k) {
            const std::uint64_t scan = b * 32 + k;
            block[2 * k] = static_cast<std::uint16_t>(scan);
            block[2 * k + 1] = static_cast<std::uint16_t>(1000 + 4 * (scan / 4));
            want0.push_back(static_cast<std::uint32_t>(scan));
            if (scan % 4 == 3) want1.push_back(static_cast<std::uint32_t>(1000 + 4 * (scan / 4)));
        }
        REQUIRE(p.on_capture(block, b * 32, 0));
        REQUIRE(p.process_next(now_us));
    }
    CHECK(drain(raw) == want0);
    CHECK(drain(decimated) == want1);
    const AdcPipelineStats stats = p.stats();
    CHECK(stats.records_stored == want0.size() + want1.size());
    CHECK(p.on_capture(std::vector<std::uint16_t>(63, 1), 0, 0) == false); // half a scan
    CHECK(p.stats().samples_lost == 63);
}

TEST_CASE("a bad route or interleave is refused with a reason") {
    Storage st;
    SensorStore* s = st.ts(1);
    SensorStore* evt = nullptr;
    REQUIRE(ss_sensor_init(9, SENSOR_EVT, &evt) == 0);
    ss::HandleSink ts_sink = sink_of(s);
    ss::HandleSink evt_sink = sink_of(evt);
    AdcPipeline<64, 4, 2> p;
    ss::Text why;
    const AdcRoute good{0, {}, &ts_sink};
    CHECK_FALSE(p.configure(0, {&good, 1}, why));
    CHECK_FALSE(p.configure(3, {&good, 1}, why)); // 64 is not whole scans of 3
    CHECK_FALSE(p.configure(1, {}, why));
    const AdcRoute wrong_channel{1, {}, &ts_sink};
    CHECK_FALSE(p.configure(1, {&wrong_channel, 1}, why));
    const AdcRoute event_store{0, {}, &evt_sink};
    CHECK_FALSE(p.configure(1, {&event_store, 1}, why));
    CHECK(std::string(why.c_str()).find("time-series") != std::string::npos);
    const AdcRoute no_sink{0, {}, nullptr};
    CHECK_FALSE(p.configure(1, {&no_sink, 1}, why));
    AdcRoute bad_filter{0, {}, &ts_sink};
    bad_filter.processing.stages[0] = FilterStage{FilterKind::decimate, 0, 0, DecimationMode::average};
    CHECK_FALSE(p.configure(1, {&bad_filter, 1}, why));
    CHECK(p.configure(1, {&good, 1}, why));
}

TEST_CASE("a store that runs out of room drops records and the pipeline counts them") {
    SsInitCfg cfg{};
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    cfg.max_sensors = 1;
    cfg.ram_sector_bytes = 256; // 56 records
    cfg.ram_pool_bytes = 2 * 256;
    cfg.log = quiet;
    REQUIRE(ss_init_system(&cfg) == 0);
    SensorStore* s = nullptr;
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    // Everything pending: the store has nothing it may recycle.
    AdcPipeline<64, 4> p;
    ss::Text why;
    ss::HandleSink sink = sink_of(s);
    const AdcRoute route{0, {}, &sink};
    REQUIRE(p.configure(1, {&route, 1}, why));
    REQUIRE(p.on_capture(ramp(0, 64), 0, 0));
    REQUIRE(p.process_next(now_us));
    std::uint32_t buf[128];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, buf, 128, &n) == 0);
    REQUIRE(p.on_capture(ramp(64, 64), 64, 0));
    REQUIRE(p.process_next(now_us));
    const AdcPipelineStats stats = p.stats();
    CHECK(stats.records_dropped > 0);
    CHECK(stats.records_stored + stats.records_dropped == 128);
    SsSensorStats ss_stats{};
    REQUIRE(ss_get_sensor_stats(s, &ss_stats) == 0);
    CHECK(ss_stats.dropped_new == stats.records_dropped);
    ss_deinit_system();
}
