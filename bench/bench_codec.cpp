// The upload codecs (docs/upload-protocol.md): encode throughput of JSON lines, InfluxDB line
// protocol and the compact binary codec, and bytes per record of each for a sine, a slow ramp,
// noise and temperature-like data (tests/support/upload_signals.hpp), in batches of 1000 records.
// Sizes are exact and deterministic; times are information, never a verdict.
//   cmake --build build/default --target ss_bench_codec -j2 && ./build/default/bench/ss_bench_codec
// After the benchmarks, a table of bytes per record and the ratio to JSON lines.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "ss/upload/compact_codec.hpp"
#include "ss/upload/influx_line.hpp"
#include "ss/upload/json_lines.hpp"
#include "support/upload_signals.hpp"

namespace {

using namespace ss;
using upload::Batch;

constexpr std::size_t batch_records = 1000;

struct Signal {
    const char* name;
    test::OwnedBatch owned;
};

struct Codec {
    const char* name;
    ss::Expected<std::size_t> (*size)(const Batch&) noexcept;
    ss::Expected<std::size_t> (*encode)(const Batch&, std::span<std::byte>) noexcept;
};

const Codec codecs[] = {
    {"json_lines", upload::json_lines_size, upload::json_lines_encode},
    {"influx_line", upload::influx_line_size, upload::influx_line_encode},
    {"compact", upload::compact_size, upload::compact_encode},
};

std::vector<Signal> make_signals() {
    std::vector<Signal> s;
    const std::uint64_t utc = sector::utc_flag | 1'733'300'000'000'000ull;
    // A 12-bit ADC at 1 kHz; the ramp and the noise at 100 Hz; a temperature once a second.
    s.push_back({"sine", test::ts_batch(test::sine_signal(batch_records), 1'000'000, utc, 1'000)});
    s.push_back({"slow_ramp", test::ts_batch(test::ramp_signal(batch_records), 1'000'000, utc, 10'000)});
    s.push_back({"noise", test::ts_batch(test::noise_signal(batch_records), 1'000'000, utc, 10'000)});
    s.push_back({"temperature", test::ts_batch(test::temperature_signal(batch_records), 1'000'000, utc, 1'000'000)});
    // Temperatures as events (value and its own UTC ms time, 1..2000 ms apart).
    s.push_back({"temperature_events",
                 test::evt_batch(test::temperature_signal(batch_records), test::event_times(batch_records), 1'000'000)});
    return s;
}

double bytes_per_record(const Codec& c, const Batch& b) {
    return double(c.size(b).value_or(0)) / double(b.count);
}

void encode_bench(benchmark::State& state, const Codec& codec, const Batch& b) {
    const auto need = codec.size(b);
    if (!need) {
        state.SkipWithError("the codec refused the batch");
        return;
    }
    std::vector<std::byte> out(*need);
    for (auto _ : state) {
        auto n = codec.encode(b, out);
        benchmark::DoNotOptimize(n);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * b.count);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * *need));
    state.counters["bytes_per_record"] = bytes_per_record(codec, b);
    state.counters["ratio_to_json"] = bytes_per_record(codec, b) / bytes_per_record(codecs[0], b);
}

} // namespace

int main(int argc, char** argv) {
    static const std::vector<Signal> signals = make_signals();
    for (const auto& s : signals)
        for (const auto& c : codecs)
            benchmark::RegisterBenchmark((std::string("encode/") + c.name + "/" + s.name).c_str(),
                                         [&c, &s](benchmark::State& st) { encode_bench(st, c, s.owned.batch); });
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    std::printf("\nBytes per record, batches of %zu records (ratio to JSON lines in parentheses):\n", batch_records);
    std::printf("%-20s %14s %20s %20s\n", "signal", "json_lines", "influx_line", "compact");
    for (const auto& s : signals) {
        const Batch& b = s.owned.batch;
        const double json = bytes_per_record(codecs[0], b);
        std::printf("%-20s %14.2f", s.name, json);
        for (std::size_t i = 1; i < std::size(codecs); ++i) {
            const double v = bytes_per_record(codecs[i], b);
            std::printf(" %12.2f (%5.3f)", v, v / json);
        }
        std::printf("\n");
    }
    return 0;
}
