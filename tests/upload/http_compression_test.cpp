// The HTTP transport with gzip or zstd on top of each codec, against the real test receiver
// (tests/support/http_receiver.py), which decodes the Content-Encoding: every body decodes to
// exactly what the encoder writes uncompressed, under the same Idempotency-Key and Content-Type;
// what crossed the wire is a gzip member or zstd frame, and smaller. A receiver that does not
// take the coding answers 415, which quarantines the batch like any 4xx.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "posix/upload/body_compression.hpp"
#include "posix/upload/codec_encoder.hpp"
#include "posix/upload/http_transport.hpp"
#include "support/http_receiver.hpp"
#include "support/upload_batches.hpp"

using ss::hal::BodyCompression;
using ss::hal::CodecEncoder;
using ss::hal::HttpTransport;
using ss::hal::UploadBatch;
using ss::hal::UploadOutcome;
using ss::hal::UploadResult;
using ss::hal::WireCodec;
using ss::test::HttpReceiver;

namespace {

/// Ten temperature sensors, 256 records each (about four minutes at 1 Hz): a realistic tick.
struct TemperatureBatches : ss::test::UploadBatches {
    TemperatureBatches() {
        for (std::uint32_t k = 0; k < 10; ++k)
            add(SS_SOURCE_APP, k + 1, ss::test::ts_batch(ss::test::temperature_signal(256, 21 + k), 1000 + 256 * k), 3);
    }
};

CodecEncoder encoder(WireCodec codec) {
    ss::hal::ChannelDirectory channels;
    for (std::uint32_t k = 1; k <= 10; ++k) channels[{SS_SOURCE_APP, k}] = {"room-" + std::to_string(k), "cdegC"};
    return CodecEncoder(codec, "gw-test", channels);
}

std::unique_ptr<HttpReceiver> receiver() {
    auto r = HttpReceiver::start();
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error()));
    return std::move(*r);
}

std::string file_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
}

const char* codec_name(WireCodec c) {
    switch (c) {
    case WireCodec::json_lines: return "json_lines";
    case WireCodec::line_protocol: return "line_protocol";
    case WireCodec::compact: return "compact";
    }
    return "?";
}

} // namespace

TEST_CASE("gzip and zstd bodies: decoded by the receiver to exactly the codec's body, same keys, smaller on the wire") {
    const TemperatureBatches t;
    for (const WireCodec codec : {WireCodec::json_lines, WireCodec::line_protocol, WireCodec::compact}) {
        for (const BodyCompression compression : {BodyCompression::gzip, BodyCompression::zstd}) {
            const std::string coding(ss::hal::content_encoding_of(compression));
            CAPTURE(codec_name(codec));
            CAPTURE(coding);
            auto rx = receiver();
            auto enc = encoder(codec);
            HttpTransport::Settings s;
            s.url = rx->url();
            s.request_timeout_ms = 5'000;
            s.batches_per_request = 5;
            s.max_in_flight = 2;
            s.compression = compression;
            HttpTransport transport(s, enc);
            std::vector<UploadResult> results(t.batches.size());
            REQUIRE(transport.send_many(t.batches, results) == t.batches.size());
            for (const auto& r : results) CHECK(r.outcome == UploadOutcome::acknowledged);

            auto requests = rx->requests();
            REQUIRE(requests.has_value());
            REQUIRE(requests->size() == 2);
            std::uint64_t wire_total = 0, decoded_total = 0;
            for (const auto& q : *requests) {
                CHECK(q.status == "200");
                CHECK(q.content_encoding == coding);
                CHECK(q.content_type == std::string(enc.content_type()));
                REQUIRE(q.idempotency_key.has_value());
                // The body as meant: what the encoder writes for the request's batches, uncompressed.
                const std::size_t first = q.idempotency_key->find(":app:1:") != std::string::npos ? 0 : 5;
                std::string expected_body, keys;
                for (std::size_t i = first; i < first + 5; ++i) {
                    REQUIRE(enc.append(t.batches[i], expected_body));
                    keys += (keys.empty() ? "" : ", ") + enc.key(t.batches[i]);
                }
                CHECK(*q.idempotency_key == keys);
                CHECK(file_bytes(q.body_file) == expected_body);
                // What crossed the wire was compressed: the coding's magic, and fewer bytes.
                const std::string wire = file_bytes(q.wire_file);
                CHECK(wire.size() == q.body_bytes);
                REQUIRE(q.decoded_bytes.has_value());
                CHECK(*q.decoded_bytes == expected_body.size());
                REQUIRE(wire.size() >= 4);
                if (compression == BodyCompression::gzip)
                    CHECK(wire.compare(0, 2, "\x1f\x8b") == 0);
                else
                    CHECK(wire.compare(0, 4, "\x28\xb5\x2f\xfd") == 0);
                CHECK(q.body_bytes < expected_body.size());
                wire_total += q.body_bytes;
                decoded_total += expected_body.size();
            }
            // Text codecs of slowly changing temperatures shrink several times; the compact
            // codec is already dense, and still gains.
            if (codec != WireCodec::compact) CHECK(wire_total * 4 < decoded_total);
            const auto stats = transport.stats();
            CHECK(stats.bytes_sent == wire_total);
            CHECK(stats.bytes_encoded == decoded_total);
            CHECK(stats.compression_errors == 0);
        }
    }
}

TEST_CASE("without compression nothing changes: no Content-Encoding, the body as encoded") {
    const TemperatureBatches t;
    auto rx = receiver();
    auto enc = encoder(WireCodec::json_lines);
    HttpTransport::Settings s;
    s.url = rx->url();
    HttpTransport transport(s, enc);
    CHECK(transport.send(t.batches[0]).outcome == UploadOutcome::acknowledged);
    auto requests = rx->requests();
    REQUIRE(requests.has_value());
    REQUIRE(requests->size() == 1);
    CHECK(requests->at(0).content_encoding.empty());
    CHECK(requests->at(0).headers.count("Content-Encoding") == 0);
    CHECK(requests->at(0).wire_file.empty());
    std::string expected_body;
    REQUIRE(enc.append(t.batches[0], expected_body));
    CHECK(file_bytes(requests->at(0).body_file) == expected_body);
    CHECK(transport.stats().bytes_sent == transport.stats().bytes_encoded);
}

TEST_CASE("the receiver refuses a coding it does not take with 415, a body that does not decode with 400") {
    auto rx = receiver();
    auto brotli = ss::test::http_request("127.0.0.1", rx->port(), "POST", "/ingest", "abc", std::chrono::seconds(5),
                                         "Content-Encoding: br\r\nIdempotency-Key: k1\r\n");
    REQUIRE(brotli.has_value());
    CHECK(brotli->status == 415);
    auto broken = ss::test::http_request("127.0.0.1", rx->port(), "POST", "/ingest", "not gzip", std::chrono::seconds(5),
                                         "Content-Encoding: gzip\r\nIdempotency-Key: k2\r\n");
    REQUIRE(broken.has_value());
    CHECK(broken->status == 400);
    auto stats = rx->stats();
    REQUIRE(stats.has_value());
    CHECK(stats->unsupported_encoding == 1);
    CHECK(stats->undecodable == 1);
    CHECK(stats->accepted == 0);
}

TEST_CASE("a 415 to a compressed body is a configuration error: rejected (quarantined), not retried") {
    const TemperatureBatches t;
    auto rx = receiver();
    REQUIRE(rx->script_faults("415\n").has_value());
    auto enc = encoder(WireCodec::compact);
    HttpTransport::Settings s;
    s.url = rx->url();
    s.compression = BodyCompression::zstd;
    HttpTransport transport(s, enc);
    const UploadResult r = transport.send(t.batches[0]);
    CHECK(r.outcome == UploadOutcome::rejected);
    CHECK(r.reason == 415);
    CHECK(transport.stats().rejected == 1);
}

TEST_CASE("a level the library does not take: every batch rejected, nothing sent") {
    const TemperatureBatches t;
    auto rx = receiver();
    auto enc = encoder(WireCodec::json_lines);
    HttpTransport::Settings s;
    s.url = rx->url();
    s.compression = BodyCompression::gzip;
    s.compression_level = 12;
    HttpTransport transport(s, enc);
    std::vector<UploadResult> results(3);
    REQUIRE(transport.send_many(std::span(t.batches).first(3), results) == 3);
    for (const auto& r : results) CHECK(r.outcome == UploadOutcome::rejected);
    auto stats = rx->stats();
    REQUIRE(stats.has_value());
    CHECK(stats->requests == 0);
}
