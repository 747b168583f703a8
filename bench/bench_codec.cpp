// The upload codecs (docs/upload-protocol.md): encode throughput of JSON lines, InfluxDB line
// protocol and the compact binary codec, and bytes per record of each for a sine, a slow ramp,
// noise and temperature-like data (tests/support/upload_signals.hpp), in batches of 1000 records.
// Sizes are exact and deterministic; times are information, never a verdict.
// With the network transports built (SS_BUILD_ACTORS), also each codec with gzip and zstd on
// top (hal/posix/upload/body_compression.hpp, default levels: gzip 6, zstd 3): the cost of
// encoding and compressing a batch, and the bytes per record compressed.
//   cmake --build build/default --target ss_bench_codec -j2 && ./build/default/bench/ss_bench_codec
// After the benchmarks, a table of bytes per record and the ratio to JSON lines; with
// compression, a second one of bytes per record plain, gzip and zstd for each codec.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "ss/upload/compact_codec.hpp"
#include "ss/upload/influx_line.hpp"
#include "ss/upload/json_lines.hpp"
#include "support/upload_signals.hpp"

#ifdef SS_BENCH_HAVE_COMPRESSION
#include "posix/upload/body_compression.hpp"
#endif

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

#ifdef SS_BENCH_HAVE_COMPRESSION
using hal::BodyCompression;
using hal::BodyCompressor;

std::string encoded(const Codec& c, const Batch& b) {
    std::string out(c.size(b).value_or(0), '\0');
    const auto n = c.encode(b, std::as_writable_bytes(std::span(out.data(), out.size())));
    out.resize(n.value_or(0));
    return out;
}

/// Bytes per record of a codec's batch compressed at the compression's default level.
double compressed_bytes_per_record(const Codec& c, const Batch& b, BodyCompression kind) {
    auto compressor = BodyCompressor::create(kind);
    std::string out;
    if (!compressor || !compressor->compress(encoded(c, b), out)) return 0;
    return double(out.size()) / double(b.count);
}

/// A batch as the transports send it: encoded, then compressed into a buffer kept across
/// iterations (as the transports keep theirs).
void encode_compress_bench(benchmark::State& state, const Codec& codec, const Batch& b, BodyCompression kind) {
    const auto need = codec.size(b);
    auto compressor = BodyCompressor::create(kind);
    if (!need || !compressor) {
        state.SkipWithError("the codec refused the batch, or the compressor could not start");
        return;
    }
    std::string body(*need, '\0');
    std::string out;
    for (auto _ : state) {
        auto n = codec.encode(b, std::as_writable_bytes(std::span(body.data(), body.size())));
        benchmark::DoNotOptimize(n);
        if (!compressor->compress(std::string_view(body.data(), n.value_or(0)), out)) {
            state.SkipWithError("compression failed");
            return;
        }
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * b.count);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * *need)); // encoded bytes in
    state.counters["bytes_per_record"] = double(out.size()) / double(b.count);
}

constexpr BodyCompression compressions[] = {BodyCompression::gzip, BodyCompression::zstd};
#endif

} // namespace

int main(int argc, char** argv) {
    static const std::vector<Signal> signals = make_signals();
    for (const auto& s : signals)
        for (const auto& c : codecs)
            benchmark::RegisterBenchmark((std::string("encode/") + c.name + "/" + s.name).c_str(),
                                         [&c, &s](benchmark::State& st) { encode_bench(st, c, s.owned.batch); });
#ifdef SS_BENCH_HAVE_COMPRESSION
    for (const auto& s : signals)
        for (const auto& c : codecs)
            for (const BodyCompression k : compressions)
                benchmark::RegisterBenchmark(
                        (std::string("encode+") + std::string(hal::content_encoding_of(k)) + "/" + c.name + "/" + s.name).c_str(),
                        [&c, &s, k](benchmark::State& st) { encode_compress_bench(st, c, s.owned.batch, k); });
#endif
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
#ifdef SS_BENCH_HAVE_COMPRESSION
    std::printf("\nBytes per record with compression on top (gzip level 6, zstd level 3), batches of %zu records\n"
                "(ratio to plain JSON lines in parentheses):\n", batch_records);
    std::printf("%-20s %-12s %16s %16s %16s\n", "signal", "codec", "plain", "gzip", "zstd");
    for (const auto& s : signals) {
        const Batch& b = s.owned.batch;
        const double json = bytes_per_record(codecs[0], b);
        for (const auto& c : codecs) {
            const double plain = bytes_per_record(c, b);
            std::printf("%-20s %-12s %7.2f (%6.3f)", s.name, c.name, plain, plain / json);
            for (const BodyCompression k : compressions) {
                const double v = compressed_bytes_per_record(c, b, k);
                std::printf(" %7.2f (%6.3f)", v, v / json);
            }
            std::printf("\n");
        }
    }
#endif
    return 0;
}
