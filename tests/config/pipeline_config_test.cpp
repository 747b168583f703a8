// The config file's pipeline sections, [sources] [sensors] [chains] [datasets] [uploader] [http]:
// what they fill in the spec, each kind of bad entry refused at its key and line with its reason,
// and the effective configuration written back (dump) reading as the same spec.
#include <doctest/doctest.h>

#include <caf/config_value.hpp>

#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "config_test_support.hpp"
#include "ss/config.hpp"
#include "ss/config/gateway_config.hpp"
#include "ss/config/spec_check.hpp"
#include "ss/config/spec_writer.hpp"

using namespace ss::config::test;
using ss::actors::SourceKind;
using ss::actors::StageKind;
using ss::config::GatewayConfig;

namespace {

// A small valid pipeline; the tests replace single lines of it, so the numbers matter.
const std::string base =
    "[system]\n"                                                                                          // 1
    "disk_root = \"/var/lib/ss\"\n"                                                                       // 2
    "max_sensors = 64\n"                                                                                  // 3
    "ram_pool_bytes = 524288\n"                                                                           // 4
    "[sources]\n"                                                                                         // 5
    "adc0 = { kind = 'sim_adc', bus = 'host', rate = 10000, channels = 2, samples_per_half = 256 }\n"     // 6
    "poll = { kind = 'sim_poll', bus = 'app', period = 2s }\n"                                            // 7
    "events = { kind = 'sim_events', bus = 'can', events_per_second = 0.5 }\n"                            // 8
    "[chains]\n"                                                                                          // 9
    "smooth = { stages = [ { kind = \"moving_average\", window = 8 }, { kind = 'decimate', factor = 10 } ] }\n" // 10
    "[sensors]\n"                                                                                         // 11
    "vib = { source = \"adc0\", id = 1, channel = 0, chain = \"smooth\", unit = \"g\", valid = [0, 4095] }\n" // 12
    "temp = { source = \"poll\", id = 1, count = 10, unit = \"°C\", valid = [-40, 85], plausible = [-50, 100] }\n" // 13
    "door = { source = \"events\", id = 1, type = 'evt' }\n"                                              // 14
    "[datasets]\n"                                                                                        // 15
    "ds = { id = \"DS-1\", sensors = [\"vib\", \"temp\"], metadata = { site = \"plant 3\" } }\n";         // 16

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
}

} // namespace

TEST_CASE("the pipeline sections fill the spec, defaults where a key is not written") {
    GatewayConfig cfg;
    accepted(cfg, base);
    const auto& spec = cfg.spec();
    REQUIRE(spec.sources.size() == 3);
    // Entries in file order (CAF's settings are sorted by name).
    CHECK(spec.sources[0].name == "adc0");
    CHECK(spec.sources[1].name == "poll");
    CHECK(spec.sources[2].name == "events");
    const auto& adc = spec.sources[0];
    CHECK(adc.kind == SourceKind::sim_adc);
    CHECK(adc.bus == SS_SOURCE_HOST);
    CHECK(adc.rate_hz == 10000);
    CHECK(adc.channels == 2);
    CHECK(adc.samples_per_half == 256);
    CHECK(adc.buffers == 16); // SourceSpec's default
    CHECK(adc.signal == ss::actors::SignalShape::sine);
    CHECK(spec.sources[1].kind == SourceKind::sim_poll);
    CHECK(spec.sources[1].bus == SS_SOURCE_APP);
    CHECK(spec.sources[1].period == std::chrono::seconds(2));
    CHECK(spec.sources[2].bus == SS_SOURCE_CAN);
    CHECK(spec.sources[2].events_per_second == 0.5);

    REQUIRE(spec.chains.size() == 1);
    const auto& chain = spec.chains[0];
    REQUIRE(chain.stages.size() == 2);
    CHECK(chain.stages[0].kind == StageKind::moving_average);
    CHECK(chain.stages[0].window == 8);
    CHECK(chain.stages[1].kind == StageKind::decimate);
    CHECK(chain.stages[1].factor == 10);
    CHECK(chain.stages[1].average);
    CHECK(chain.summarize);
    CHECK(chain.processor.empty());

    REQUIRE(spec.sensors.size() == 3);
    CHECK(spec.sensors[0].name == "vib");
    CHECK(spec.sensors[1].name == "temp");
    CHECK(spec.sensors[2].name == "door");
    const auto& vib = spec.sensors[0];
    CHECK(vib.source == "adc0");
    CHECK(vib.chain == "smooth");
    CHECK(vib.type == ss::RecordType::ts);
    CHECK(vib.valid_high == 4095.0);
    CHECK(vib.plausible_low == 0.0); // the valid range when not given
    CHECK(vib.plausible_high == 4095.0);
    const auto& temp = spec.sensors[1];
    CHECK(temp.count == 10);
    CHECK(temp.unit == "°C");
    CHECK(temp.valid_low == -40.0);
    CHECK(temp.plausible_high == 100.0);
    CHECK(spec.sensors[2].type == ss::RecordType::evt);
    CHECK(ss::config::sensor_total(spec) == 12);
    CHECK(ss::config::member_name(temp, 0) == "temp-1");
    CHECK(ss::config::member_name(temp, 9) == "temp-10");
    CHECK(ss::config::member_name(vib, 0) == "vib");

    REQUIRE(spec.datasets.size() == 1);
    CHECK(spec.datasets[0].id == "DS-1");
    CHECK(spec.datasets[0].sensors == std::vector<std::string>{"vib", "temp"});
    CHECK(spec.datasets[0].metadata.at("site") == "plant 3");

    // Sections the file leaves out keep the spec's defaults.
    CHECK(spec.uploader == ss::actors::UploaderSpec{});
    CHECK(spec.http == ss::actors::HttpSpec{});
}

TEST_CASE("every key of a sensor, a source, a chain stage") {
    GatewayConfig cfg;
    accepted(cfg, with_line(with_line(with_line(base, 6,
                                                "adc0 = { kind = 'sim_adc', bus = 'host', rate = 20000, channels = 4, "
                                                "samples_per_half = 128, buffers = 8, signal = 'noise', amplitude = 100.5, "
                                                "offset = 1000, frequency = 25.0, ramp_step = 3, seed = 42 }"),
                                      10,
                                      "smooth = { stages = [ { kind = 'decimate', factor = 4, mode = 'first' }, "
                                      "{ kind = 'low_pass', cutoff = 100.0 }, { kind = 'high_pass', cutoff = 0.5 }, "
                                      "{ kind = 'band_pass', low = 1, high = 200 } ], summarize = false, processor = \"rms\" }"),
                            12,
                            "vib = { source = \"adc0\", id = 7, count = 2, type = 'ts', channel = 2, chain = \"smooth\", "
                            "unit = \"mm/s\", valid = [0.5, 10], plausible = [0, 20], slope = 0.01, offset = -3.5, "
                            "calibrated = \"2026-01-31\", verify_level = 3 }"));
    const auto& s = cfg.spec();
    const auto& adc = s.sources[0];
    CHECK(adc.buffers == 8);
    CHECK(adc.signal == ss::actors::SignalShape::noise);
    CHECK(adc.amplitude == 100.5);
    CHECK(adc.offset == 1000.0);
    CHECK(adc.frequency_hz == 25.0);
    CHECK(adc.ramp_step == 3);
    CHECK(adc.seed == 42);
    const auto& c = s.chains[0];
    REQUIRE(c.stages.size() == 4);
    CHECK_FALSE(c.stages[0].average);
    CHECK(c.stages[1].cutoff_hz == 100.0);
    CHECK(c.stages[2].kind == StageKind::high_pass);
    CHECK(c.stages[3].low_hz == 1.0);
    CHECK(c.stages[3].high_hz == 200.0);
    CHECK_FALSE(c.summarize);
    CHECK(c.processor == "rms");
    const auto& v = s.sensors[0];
    CHECK(v.id == 7);
    CHECK(v.count == 2);
    CHECK(v.channel == 2);
    CHECK(v.slope == 0.01);
    CHECK(v.offset == -3.5);
    CHECK(v.calibrated_ms == 1'769'817'600'000ull); // 2026-01-31T00:00:00Z
    CHECK(v.plausible_high == 20.0);
    CHECK(v.verify_level == 3u);
    // Left out, the storage's level applies.
    CHECK_FALSE(s.sensors[1].verify_level.has_value());
}

TEST_CASE("[sources]: unknown keys, keys of another kind, wrong types, ranges") {
    refused(with_line(base, 6, "adc0 = { knd = 'sim_adc' }"), "sources.adc0.knd", 6, "unknown key");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', period = 1s }"), "sources.adc0.period", 6,
            "does not apply: not for a 'sim_adc' source");
    refused(with_line(base, 7, "poll = { kind = 'sim_poll', rate = 10 }"), "sources.poll.rate", 7, "does not apply");
    refused(with_line(base, 8, "events = { kind = 'sim_events', signal = 'sine' }"), "sources.events.signal", 8,
            "does not apply");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', rate = \"fast\" }"), "sources.adc0.rate", 6,
            "expects an integer in 0..4294967295, got string \"fast\"");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', rate = 1.5 }"), "sources.adc0.rate", 6, "expects an integer");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', channels = 70000 }"), "sources.adc0.channels", 6, "0..65535");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', rate = 0 }"), "sources.adc0.rate", 6, "1..1000000");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', rate = 2000000 }"), "sources.adc0.rate", 6, "1..1000000");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', channels = 17 }"), "sources.adc0.channels", 6, "1..16");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', buffers = 1 }"), "sources.adc0.buffers", 6, "2..1024");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', buffers = 1025 }"), "sources.adc0.buffers", 6, "2..1024");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', channels = 16, samples_per_half = 1048577 }"),
            "sources.adc0.samples_per_half", 6, "16777216");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', rate = 1000, frequency = 600.0 }"), "sources.adc0.frequency",
            6, "half the rate");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', amplitude = -1 }"), "sources.adc0.amplitude", 6, ">= 0");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', amplitude = 1e400 }"), "sources.adc0.amplitude", 6, "finite");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', bus = 'adc' }"), "sources.adc0.bus", 6,
            "must be 'host', 'app' or 'can', not 'adc'");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_dma' }"), "sources.adc0.kind", 6, "'sim_adc', 'sim_poll', 'sim_events', 'external', 'sim_uart', 'sim_spi', 'sim_can' or 'socketcan'");
    refused(with_line(base, 6, "adc0 = { kind = 3 }"), "sources.adc0.kind", 6, "expects 'sim_adc'");
    refused(with_line(base, 6, "adc0 = 5"), "sources.adc0", 6, "expects a map");
    refused(with_line(base, 7, "poll = { kind = 'sim_poll', period = 0ms }"), "sources.poll.period", 7, "1ms..24h");
    refused(with_line(base, 7, "poll = { kind = 'sim_poll', period = 2 }"), "sources.poll.period", 7, "expects a timespan");
    refused(with_line(base, 7, "poll = { kind = 'sim_poll', period = 1500us }"), "sources.poll.period", 7,
            "whole number of milliseconds");
    refused(with_line(base, 8, "events = { kind = 'sim_events', events_per_second = 0 }"), "sources.events.events_per_second",
            8, "above 0");
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', seed = -1 }"), "sources.adc0.seed", 6, "expects an integer");
    refused(with_line(base, 5, "[sources]\n;\n[sources]"), "sources", 7, "duplicate section (first at line 5)");
}

TEST_CASE("[sensors]: references, duplicates and ranges") {
    refused(with_line(base, 12, "vib = { source = \"adc9\", id = 1 }"), "sensors.vib.source", 12,
            "names no source in [sources] (adc0, poll, events): \"adc9\"");
    refused(with_line(base, 12, "vib = { id = 1 }"), "sensors.vib.source", 12, "missing (required)");
    refused(with_line(base, 12, "vib = { source = \"adc0\" }"), "sensors.vib.id", 12, "missing (required)");
    refused(with_line(base, 12, "vib = { source = \"adc0\", id = \"one\" }"), "sensors.vib.id", 12,
            "expects an integer in 0..4294967295, got string \"one\"");
    refused(with_line(base, 12, "vib = { source = \"adc0\", id = 1, verify_level = 4 }"), "sensors.vib.verify_level", 12,
            "must be 0..3 (0 off, 1 first read, 2 every read, 3 also read back after each disk write)");
    refused(with_line(base, 12, "vib = { source = \"adc0\", id = 1, verify_level = -1 }"), "sensors.vib.verify_level", 12,
            "expects an integer in 0..");
    refused(with_line(with_line(base, 12, "vib = { source = \"adc0\", id = 1, verify_level = 1 }"), 2,
                      "disk_root = \"\"\ncrc_enabled = false\nverify_level = 0"),
            "sensors.vib.verify_level", 14, "needs system.crc_enabled = true");
    refused(with_line(base, 12, "vib = { source = \"adc0\", id = 1, chanel = 0 }"), "sensors.vib.chanel", 12,
            "unknown key (known: source, id,");
    // The same bus and id through two groups (temp is app 1..10).
    refused(with_line(base, 14, "door = { source = \"events\", id = 1, type = 'evt' }\nhum = { source = \"poll\", id = 8, count = 5 }"),
            "sensors.hum.id", 15, "duplicate sensor: bus 'app' ids 8..12 overlaps sensor 'temp' (ids 1..10)");
    // The same ids on other buses are other sensors: vib (host 1), temp (app 1..10), door (can 1).
    GatewayConfig fine;
    accepted(fine, base);
    // One name twice once groups are expanded.
    refused(with_line(base, 14, "door = { source = \"events\", id = 1, type = 'evt' }\ntemp-3 = { source = \"poll\", id = 50 }"),
            "sensors.temp-3", 15, "duplicate sensor name \"temp-3\" (also a name of sensor 'temp')");
    refused(with_line(base, 12, "vib = { source = \"adc0\", id = 1, channel = 2 }"), "sensors.vib.channel", 12,
            "below the source's channels (2)");
    refused(with_line(base, 12, "vib = { source = \"adc0\", id = 1, channel = 1, count = 2 }"), "sensors.vib.channel", 12,
            "plus count must be at most the source's channels (2)");
    refused(with_line(base, 12, "vib = { source = \"adc0\", id = 1, chain = \"smoth\" }"), "sensors.vib.chain", 12,
            "names no chain in [chains]: \"smoth\"");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, chain = \"smooth\" }"), "sensors.temp.chain", 13,
            "only for sensors on a sim_adc source");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, channel = 1 }"), "sensors.temp.channel", 13,
            "only for sensors on a sim_adc, sim_uart or sim_spi source");
    refused(with_line(base, 12, "vib = { source = \"adc0\", id = 1, type = 'evt' }"), "sensors.vib.type", 12,
            "must be 'ts' on a sim_adc source");
    refused(with_line(base, 12, "vib = { source = \"adc0\", id = 1, type = 'event' }"), "sensors.vib.type", 12,
            "must be 'ts' or 'evt'");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, valid = [-40, 85], plausible = [-30, 100] }"),
            "sensors.temp.plausible", 13, "contain the valid range");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, valid = [85, -40] }"), "sensors.temp.valid", 13,
            "low <= high");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, valid = [1, 2, 3] }"), "sensors.temp.valid", 13,
            "expects [low, high]");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, valid = [\"a\", 2] }"), "sensors.temp.valid", 13,
            "low expects a number");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, slope = 0 }"), "sensors.temp.slope", 13, "not 0");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, unit = \"sixteen-bytes-xx\" }"), "sensors.temp.unit", 13,
            "at most 15 bytes");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, calibrated = \"2026-02-30\" }"),
            "sensors.temp.calibrated", 13, "not a date");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, calibrated = true }"), "sensors.temp.calibrated", 13,
            "expects a date \"YYYY-MM-DD\" or UTC milliseconds");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 4294967290, count = 10 }"), "sensors.temp.count", 13,
            "runs past id 4294967295");
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, count = 0 }"), "sensors.temp.count", 13, "at least 1");
    refused(with_line(base, 13, "a-sensor-name-that-is-too-long = { source = \"poll\", id = 1, count = 10 }"),
            "sensors.a-sensor-name-that-is-too-long", 13, "longer than 31 bytes");
    // More sensors than the core has room for (temp alone is 60).
    refused(with_line(base, 13, "temp = { source = \"poll\", id = 1, count = 63 }"), "sensors", 11,
            "65 sensors, more than system.max_sensors (64)");
    refused(with_line(base, 12, "vib = { source = \"adc0\", id = 1 }\nvib = { source = \"adc0\", id = 2 }"), "sensors.vib", 13,
            "duplicate key (first at line 12)");
}

TEST_CASE("sizing advice: a disk tier without a spare sector per configured sensor is valid but warned about") {
    GatewayConfig fine;
    accepted(fine, base); // 128 sectors: 64 reserved or open, 12 sensors
    CHECK_FALSE(ss::config::sizing_advice(fine.spec()));
    GatewayConfig tight;
    accepted(tight, with_line(base, 4, "ram_pool_bytes = 307200")); // 75 sectors
    const auto advice = ss::config::sizing_advice(tight.spec());
    REQUIRE(advice);
    CHECK(advice->key == "system.ram_pool_bytes");
    CHECK(advice->reason.starts_with("307200 bytes are 75 sectors: 11 spare for 12 sensors;"));
    CHECK(advice->reason.ends_with("Give at least 311296 bytes (max_sensors plus one sector per sensor)"));
    // RAM only: recycling is the policy, nothing to advise.
    GatewayConfig ram_only;
    accepted(ram_only, with_line(with_line(base, 4, "ram_pool_bytes = 307200"), 2, "disk_root = \"\"") +
                           "[uploader]\narchive_dir = \"/var/lib/ss-archive\"\n");
    CHECK_FALSE(ss::config::sizing_advice(ram_only.spec()));
}

TEST_CASE("[chains]: stage limits, cutoffs against the rate the stage sees, references") {
    const auto chain = [](const std::string& stages) { return with_line(base, 10, "smooth = { stages = [ " + stages + " ] }"); };
    refused(chain("{ kind = 'decimate', factor = 2 }, { kind = 'decimate', factor = 2 }, { kind = 'decimate', factor = 2 }, "
                  "{ kind = 'decimate', factor = 2 }, { kind = 'decimate', factor = 2 }"),
            "chains.smooth.stages", 10, "at most 4 stages");
    refused(chain("{ kind = \"moving_average\", window = 300 }"), "chains.smooth.stages[0].window", 10, "1..256");
    refused(chain("{ kind = \"moving_average\", window = 0 }"), "chains.smooth.stages[0].window", 10, "1..256");
    refused(chain("{ kind = 'decimate', factor = 5000 }"), "chains.smooth.stages[0].factor", 10, "1..4096");
    refused(chain("{ kind = \"moving_average\", window = 2 }, { kind = \"moving_average\", window = 3 }"),
            "chains.smooth.stages[1].kind", 10, "once per chain");
    refused(chain("{ kind = 'decimate' }"), "chains.smooth.stages[0].factor", 10, "missing (required)");
    refused(chain("{ window = 8 }"), "chains.smooth.stages[0].kind", 10, "missing (required)");
    refused(chain("{ kind = 'decimate', factor = 2, window = 8 }"), "chains.smooth.stages[0].window", 10,
            "does not apply: not for a 'decimate' stage");
    refused(chain("{ kind = 'decimate', factor = 2, mode = 'median' }"), "chains.smooth.stages[0].mode", 10,
            "'average' or 'first'");
    refused(chain("{ kind = 'low_pass', cutoff = 0 }"), "chains.smooth.stages[0].cutoff", 10, "above 0");
    refused(chain("{ kind = 'band_pass', low = 10, high = 5 }"), "chains.smooth.stages[0].high", 10, "above low");
    refused(chain("'decimate'"), "chains.smooth.stages[0]", 10, "expects a stage");
    refused(with_line(base, 10, "smooth = { stages = [], summarise = true }"), "chains.smooth.summarise", 10, "unknown key");
    refused(with_line(base, 10, "smooth = { stages = [], processor = \"two words\" }"), "chains.smooth.processor", 10,
            "is not a name");
    // vib's source runs at 10 kHz: after a decimation by 10 a stage sees 1 kHz, so 500 Hz is too high.
    refused(chain("{ kind = 'decimate', factor = 10 }, { kind = 'low_pass', cutoff = 500.0 }"),
            "chains.smooth.stages[1].cutoff", 10, "below 500 Hz");
    refused(chain("{ kind = 'low_pass', cutoff = 6000.0 }"), "chains.smooth.stages[0].cutoff", 10, "below 5000 Hz");
    refused(chain("{ kind = 'decimate', factor = 10 }, { kind = 'high_pass', cutoff = 700.0 }"),
            "chains.smooth.stages[1].cutoff", 10, "below 500 Hz");
    refused(chain("{ kind = 'decimate', factor = 100 }, { kind = 'band_pass', low = 1, high = 60 }"),
            "chains.smooth.stages[1].high", 10, "below 50 Hz");
    GatewayConfig fine;
    accepted(fine, chain("{ kind = 'decimate', factor = 10 }, { kind = 'low_pass', cutoff = 499.0 }"));
    // A chain no sensor uses has no rate: only its own values are checked.
    GatewayConfig unused;
    accepted(unused, with_line(base, 10, "smooth = { stages = [] }\nspare = { stages = [ { kind = 'low_pass', cutoff = 1e6 } ] }"));
    // Errors inside a chain written over several lines point at the line of the key.
    refused(with_line(base, 10,
                      "smooth = {\n  stages = [\n    { kind = \"moving_average\", window = 8 },\n    { kind = 'decimate',\n"
                      "      factor = 0 }\n  ]\n}"),
            "chains.smooth.stages[1].factor", 14, "1..4096");
}

TEST_CASE("[datasets]: every listed sensor exists") {
    refused(with_line(base, 16, "ds = { id = \"DS-1\", sensors = [\"vib\", \"tmp\"] }"), "datasets.ds.sensors[1]", 16,
            "names no sensor in [sensors]: \"tmp\"");
    refused(with_line(base, 16, "ds = { id = \"DS-1\", sensors = [\"vib\", \"vib\"] }"), "datasets.ds.sensors[1]", 16,
            "twice");
    refused(with_line(base, 16, "ds = { id = \"DS-1\", sensors = [\"vib\", 2] }"), "datasets.ds.sensors[1]", 16,
            "expects a string");
    refused(with_line(base, 16, "ds = { sensors = [\"vib\"] }"), "datasets.ds.id", 16, "missing (required)");
    refused(with_line(base, 16, "ds = { id = \"DS-1\", metadata = { site = 3 } }"), "datasets.ds.metadata.site", 16,
            "expects a string");
    refused(with_line(base, 16, "ds = { id = \"DS-1\", owner = \"x\" }"), "datasets.ds.owner", 16, "unknown key");
    refused(with_line(base, 16, "ds = { id = \"DS-1\" }\nds2 = { id = \"DS-1\" }"), "datasets.ds2.id", 17,
            "also the id of dataset 'ds'");
    // A group's name stands for all of it, and one member may be named alone.
    GatewayConfig cfg;
    accepted(cfg, with_line(base, 16, "ds = { id = \"DS-1\", sensors = [\"temp\", \"temp-10\", \"door\"] }"));
    CHECK(cfg.spec().datasets[0].sensors.size() == 3);
}

TEST_CASE("[uploader] and [http]") {
    GatewayConfig cfg;
    accepted(cfg, base + "[uploader]\ntransport = 'archive'\narchive_dir = \"/srv/archive\"\narchive_file_bytes = 1048576\n"
                         "period = 250ms\nbatch_records = 1024\nbatches_per_tick = 8\nbatches_per_send = 4\nbackoff_base = 2s\nbackoff_cap = 10min\n"
                         "[http]\nenabled = false\naddress = \"::1\"\nport = 0\nmax_sensor_series = 10\n");
    const auto& u = cfg.spec().uploader;
    CHECK(u.transport == ss::actors::TransportKind::archive);
    CHECK(u.archive_dir == "/srv/archive");
    CHECK(u.archive_file_bytes == 1048576);
    CHECK(u.period == std::chrono::milliseconds(250));
    CHECK(u.batch_records == 1024);
    CHECK(u.batches_per_tick == 8);
    CHECK(u.batches_per_send == 4);
    CHECK(u.backoff_base == std::chrono::seconds(2));
    CHECK(u.backoff_cap == std::chrono::minutes(10));
    const auto& h = cfg.spec().http;
    CHECK_FALSE(h.enabled);
    CHECK(h.address == "::1");
    CHECK(h.port == 0);
    CHECK(h.max_sensor_series == 10);

    // Lines 17.. follow the base.
    refused(base + "[uploader]\nbatch_records = 0\n", "uploader.batch_records", 18, "1..65536");
    refused(base + "[uploader]\nbatch_records = 65537\n", "uploader.batch_records", 18, "1..65536");
    refused(base + "[uploader]\nbatches_per_tick = 0\n", "uploader.batches_per_tick", 18, "1..65536");
    refused(base + "[uploader]\nbatches_per_send = 0\n", "uploader.batches_per_send", 18, "1..1024");
    refused(base + "[uploader]\nbatches_per_send = 1025\n", "uploader.batches_per_send", 18, "1..1024");
    refused(base + "[uploader]\nperiod = 0s\n", "uploader.period", 18, "1ms..1h");
    refused(base + "[uploader]\nbackoff_base = 5s\nbackoff_cap = 1s\n", "uploader.backoff_cap", 19, "backoff_base..");
    refused(base + "[uploader]\narchive_file_bytes = 100\n", "uploader.archive_file_bytes", 18, "4096..");
    refused(base + "[uploader]\ntransport = \"archive\"\n", "uploader.transport", 18, "expects atom");
    refused(base + "[uploader]\ntransport = 'ftp'\n", "uploader.transport", 18, "'archive' or 'none', not 'ftp'");
    refused(base + "[uploader]\nretries = 3\n", "uploader.retries", 18, "unknown key");
    // RAM only: an archive needs its own directory.
    refused(with_line(base, 2, ""), "uploader.archive_dir", 0, "required with transport 'archive'");
    GatewayConfig ram;
    accepted(ram, with_line(base, 2, "") + "[uploader]\narchive_dir = \"/srv/archive\"\n");
    refused(base + "[http]\naddress = \"localhost\"\n", "http.address", 18, "IPv4 or IPv6 address");
    refused(base + "[http]\naddress = \"256.1.1.1\"\n", "http.address", 18, "IPv4 or IPv6 address");
    refused(base + "[http]\nport = 70000\n", "http.port", 18, "expects uint16");
    refused(base + "[http]\nport = -1\n", "http.port", 18, "expects uint16");
    refused(base + "[http]\nenabled = \"yes\"\n", "http.enabled", 18, "expects boolean");
}

TEST_CASE("the effective configuration reads back as the same spec") {
    SUBCASE("the base") {
        GatewayConfig cfg;
        accepted(cfg, base);
        reloads_as(cfg);
    }
    SUBCASE("every key set, and command-line overrides") {
        GatewayConfig cfg;
        accepted(cfg,
                 with_line(with_line(base, 10,
                                     "smooth = { stages = [ { kind = 'decimate', factor = 4, mode = 'first' }, "
                                     "{ kind = 'low_pass', cutoff = 291.864 }, { kind = 'high_pass', cutoff = 0.1 }, "
                                     "{ kind = 'band_pass', low = 1.17, high = 200 } ], summarize = false, processor = \"rms\" }"),
                           13,
                           "temp = { source = \"poll\", id = 1, count = 10, unit = \"°C\", valid = [-40.25, 85.125], "
                           "slope = 0.0123456789, offset = -273.15, calibrated = 1769817600123, verify_level = 2 }") +
                     "[datasets.more]\nid = \"DS \\\"2\\\"\"\ndescription = \"a; b = [c]\\nnext line\"\n"
                     "[scheduler]\npolicy = 'sharing'\nmax-threads = 2\n",
                 {"--system.disk_root=/tmp/x", "--uploader.period=50ms", "--scheduler.max-threads=3"});
        const std::string dump = cfg.dump();
        CHECK(dump.find("disk_root = \"/tmp/x\"") != std::string::npos);
        CHECK(dump.find("period = 50ms") != std::string::npos);
        CHECK(dump.find("[scheduler]") != std::string::npos);
        CHECK(dump.find("max-threads = 3") != std::string::npos);
        CHECK(dump.find("calibrated = 1769817600123") != std::string::npos);
        CHECK(dump.find("verify_level = 2") != std::string::npos);
        reloads_as(cfg);
    }
    SUBCASE("the examples") {
        for (const char* name : {"minimal.ini", "gateway.ini", "sensors-2048.ini", "buses.ini"}) {
            INFO(name);
            GatewayConfig cfg;
            const Loaded r = load(cfg, std::string(SS_CONFIG_EXAMPLES) + "/" + name);
            REQUIRE_MESSAGE(r.ok, r.error.to_string());
            reloads_as(cfg);
        }
    }
}

TEST_CASE("--dump-config is ours: CAF does not print its own dump while parsing") {
    ConfigFile f(base);
    GatewayConfig cfg;
    std::ostringstream captured;
    std::streambuf* const stdout_buf = std::cout.rdbuf(captured.rdbuf());
    const Loaded r = load(cfg, f.path, {"--dump-config"});
    std::cout.rdbuf(stdout_buf);
    REQUIRE_MESSAGE(r.ok, r.error.to_string());
    CHECK(cfg.dump_requested());
    CHECK(captured.str().empty());
    GatewayConfig plain;
    accepted(plain, base);
    CHECK_FALSE(plain.dump_requested());
}

TEST_CASE("the dump is a full config: a changed spec gives a different dump") {
    GatewayConfig a, b;
    accepted(a, base);
    accepted(b, with_line(base, 13, "temp = { source = \"poll\", id = 1, count = 10, unit = \"°C\", valid = [-40, 85], "
                                    "plausible = [-50, 100.5] }"));
    CHECK(ss::config::spec_difference(a.spec(), b.spec()) == "sensors[1] ('temp')");
    CHECK(a.dump() != b.dump());
}

TEST_CASE("numbers are written so that CAF reads back exactly the same double") {
    // What a file gives: CAF's reading of a text. CAF scales decimal digits in several rounding
    // steps, so "291.864" reads as a double one bit off the nearest, whose shortest text then
    // does not read back to it.
    const auto caf_real = [](const char* text) {
        auto parsed = caf::config_value::parse(text);
        REQUIRE(parsed);
        const auto* d = caf::get_if<caf::config_value::real>(&*parsed);
        REQUIRE(d != nullptr);
        return *d;
    };
    for (const char* text : {"291.864", "0.1", "2000.0", "-0.0", "0.0", "1e-300", "1.5e300", "5e-324", "0.458124",
                             "123456789.123456789", "-273.15", "4095.0", "1e22", "3.0e-5", "0.0123456789"}) {
        INFO(std::string(text));
        const double v = caf_real(text);
        const auto written = ss::config::real_text(v);
        REQUIRE(written);
        const double again = caf_real(written->c_str());
        CHECK(std::memcmp(&again, &v, sizeof v) == 0);
    }
    CHECK(ss::config::real_text(2000.0) == "2000.0");
    CHECK(ss::config::real_text(0.5) == "0.5");
    CHECK_FALSE(ss::config::real_text(std::numeric_limits<double>::infinity()));
    CHECK_FALSE(ss::config::real_text(std::numeric_limits<double>::quiet_NaN()));
    // A value with more digits than any short decimal CAF reads back: refused, not changed.
    refused(with_line(base, 6, "adc0 = { kind = 'sim_adc', amplitude = 812747.16542871766122032 }"),
            "sources.adc0.amplitude", 6, "more digits than the file format keeps exactly");
}

TEST_CASE("check_spec on a spec filled in code") {
    ss::actors::PipelineSpec spec;
    spec.storage = ss::default_config(SS_TARGET_LINUX);
    spec.uploader.transport = ss::actors::TransportKind::none;
    CHECK_FALSE(ss::config::check_spec(spec));
    ss::actors::SourceSpec adc;
    adc.name = "adc";
    adc.rate_hz = 100;
    spec.sources.push_back(adc);
    ss::actors::SensorSpec a;
    a.name = "a";
    a.source = "adc";
    a.id = 1;
    a.chain = "missing";
    spec.sensors.push_back(a);
    auto p = ss::config::check_spec(spec);
    REQUIRE(p);
    CHECK(p->key == "sensors.a.chain");
    spec.sensors[0].chain.clear();
    spec.sources[0].name = "two words";
    p = ss::config::check_spec(spec);
    REQUIRE(p);
    CHECK(p->key == "sources.two words");
    CHECK(p->reason.find("not a name") != std::string::npos);
}

TEST_CASE("the examples: what they promise") {
    GatewayConfig gw;
    const Loaded r = load(gw, std::string(SS_CONFIG_EXAMPLES) + "/gateway.ini", {"--system.disk_root=/tmp/x"});
    REQUIRE_MESSAGE(r.ok, r.error.to_string());
    const auto& s = gw.spec();
    CHECK(s.data_dir == "/tmp/x");
    CHECK(ss::config::sensor_total(s) == 322); // 2 vibration channels, 300 polled, 20 events
    const auto adc = std::find_if(s.sources.begin(), s.sources.end(), [](const auto& x) { return x.kind == SourceKind::sim_adc; });
    REQUIRE(adc != s.sources.end());
    CHECK(adc->rate_hz == 100'000);
    CHECK(adc->channels == 2);
    CHECK(adc->samples_per_half == 512);
    CHECK(s.uploader.transport == ss::actors::TransportKind::archive);
    CHECK(s.http.address == "127.0.0.1");
    CHECK(s.http.port == 9464);
    CHECK(s.datasets.size() >= 1);
    const std::string text = read_file(std::string(SS_CONFIG_EXAMPLES) + "/gateway.ini");
    CHECK(text.find("policy = 'sharing'") != std::string::npos);
    CHECK(text.find("max-threads = 2") != std::string::npos);

    GatewayConfig big;
    const Loaded rb = load(big, std::string(SS_CONFIG_EXAMPLES) + "/sensors-2048.ini");
    REQUIRE_MESSAGE(rb.ok, rb.error.to_string());
    CHECK(ss::config::sensor_total(big.spec()) == 2048);
}
