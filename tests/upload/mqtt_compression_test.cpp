// The MQTT transport with gzip or zstd on top of the codec, through a real mosquitto to a real
// subscriber: each payload decodes (zlib's and libzstd's own decoders) to exactly what the
// encoder writes uncompressed. Under v5 the "Content-Encoding" user property names the coding
// and the Content Type stays the codec's; under 3.1.1 nothing says it (the subscriber must be
// configured to know).
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "posix/upload/body_compression.hpp"
#include "posix/upload/codec_encoder.hpp"
#include "posix/upload/mqtt_transport.hpp"
#include "support/body_decoding.hpp"
#include "support/mosquitto_server.hpp"
#include "support/mqtt_subscriber.hpp"
#include "support/upload_batches.hpp"

using ss::hal::BodyCompression;
using ss::hal::CodecEncoder;
using ss::hal::MqttTransport;
using ss::hal::UploadBatch;
using ss::hal::UploadOutcome;
using ss::hal::UploadResult;
using ss::hal::WireCodec;
using ss::test::MosquittoServer;
using ss::test::MqttSubscriber;

namespace {

/// Eight temperature sensors, 256 records each, as the uploader hands them over in one tick.
struct TemperatureBatches : ss::test::UploadBatches {
    TemperatureBatches() {
        for (std::uint32_t k = 0; k < 8; ++k)
            add(SS_SOURCE_APP, k + 1, ss::test::ts_batch(ss::test::temperature_signal(256, 40 + k), 0), 2);
    }
};

std::unique_ptr<MosquittoServer> broker() {
    auto b = MosquittoServer::start({});
    REQUIRE_MESSAGE(b.has_value(), (b ? std::string() : b.error()));
    return std::move(*b);
}

std::unique_ptr<MqttSubscriber> subscriber(const MosquittoServer& b) {
    auto s = MqttSubscriber::start(b.port(), "compression-sub", "ss/#");
    REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error()));
    return std::move(*s);
}

MqttTransport::Settings settings_for(std::uint16_t port, BodyCompression compression, bool v5) {
    MqttTransport::Settings s;
    s.port = port;
    s.client_id = "gw-compression-test";
    s.gateway = "gw-mqtt";
    s.window = 4;
    s.ack_timeout_ms = 5'000;
    s.connect_timeout_ms = 3'000;
    s.v5 = v5;
    s.compression = compression;
    return s;
}

/// The uncompressed payload of each batch by its topic (one batch per sensor, so per topic).
std::map<std::string, std::string> expected_payloads(CodecEncoder& enc, const MqttTransport& t, const TemperatureBatches& tb) {
    std::map<std::string, std::string> by_topic;
    for (const auto& b : tb.batches) REQUIRE(enc.append(b, by_topic[t.topic_of(b)]));
    return by_topic;
}

} // namespace

TEST_CASE("MQTT v5: compressed payloads decode to the codec's, the coding in a Content-Encoding user property") {
    const TemperatureBatches tb;
    for (const WireCodec codec : {WireCodec::json_lines, WireCodec::compact}) {
        for (const BodyCompression compression : {BodyCompression::gzip, BodyCompression::zstd}) {
            const std::string coding(ss::hal::content_encoding_of(compression));
            CAPTURE(coding);
            CAPTURE(static_cast<int>(codec));
            auto b = broker();
            auto sub = subscriber(*b);
            CodecEncoder enc(codec, "gw-mqtt", {});
            MqttTransport t(settings_for(b->port(), compression, true), enc);
            std::vector<UploadResult> results(tb.batches.size());
            REQUIRE(t.send_many(tb.batches, results) == tb.batches.size());
            for (const auto& r : results) CHECK(r.outcome == UploadOutcome::acknowledged);
            REQUIRE(sub->wait_for(tb.batches.size(), std::chrono::seconds(10)));
            const auto expected = expected_payloads(enc, t, tb);
            std::uint64_t wire = 0, plain = 0;
            for (const auto& m : sub->messages()) {
                CAPTURE(m.topic);
                CHECK(m.content_type == std::string(enc.content_type()));
                CHECK(m.user_properties.count("Idempotency-Key") == 1);
                REQUIRE(m.user_properties.count("Content-Encoding") == 1);
                CHECK(m.user_properties.at("Content-Encoding") == coding);
                REQUIRE(expected.count(m.topic) == 1);
                auto decoded = ss::test::decompress(compression, m.payload);
                REQUIRE_MESSAGE(decoded.has_value(), (decoded ? std::string() : decoded.error()));
                CHECK(*decoded == expected.at(m.topic));
                CHECK(m.payload.size() < decoded->size());
                wire += m.payload.size();
                plain += decoded->size();
            }
            const auto stats = t.stats();
            CHECK(stats.bytes_published == wire);
            CHECK(stats.bytes_encoded == plain);
            if (codec == WireCodec::json_lines) CHECK(wire * 4 < plain);
        }
    }
}

TEST_CASE("MQTT v5 without compression: no Content-Encoding property, the payload as encoded") {
    const TemperatureBatches tb;
    auto b = broker();
    auto sub = subscriber(*b);
    CodecEncoder enc(WireCodec::compact, "gw-mqtt", {});
    MqttTransport t(settings_for(b->port(), BodyCompression::none, true), enc);
    CHECK(t.send(tb.batches[0]).outcome == UploadOutcome::acknowledged);
    REQUIRE(sub->wait_for(1, std::chrono::seconds(10)));
    const auto m = sub->messages().at(0);
    CHECK(m.user_properties.count("Content-Encoding") == 0);
    CHECK(m.payload == expected_payloads(enc, t, tb).at(m.topic));
}

TEST_CASE("MQTT 3.1.1: the payload is compressed, and nothing on the wire says so") {
    const TemperatureBatches tb;
    auto b = broker();
    auto sub = subscriber(*b);
    CodecEncoder enc(WireCodec::json_lines, "gw-mqtt", {});
    MqttTransport t(settings_for(b->port(), BodyCompression::zstd, false), enc);
    std::vector<UploadResult> results(3);
    REQUIRE(t.send_many(std::span(tb.batches).first(3), results) == 3);
    for (const auto& r : results) CHECK(r.outcome == UploadOutcome::acknowledged);
    REQUIRE(sub->wait_for(3, std::chrono::seconds(10)));
    const auto expected = expected_payloads(enc, t, tb);
    for (const auto& m : sub->messages()) {
        CHECK(m.user_properties.empty());
        CHECK(m.content_type.empty());
        // A subscriber configured for zstd decodes it.
        auto decoded = ss::test::unzstd(m.payload);
        REQUIRE_MESSAGE(decoded.has_value(), (decoded ? std::string() : decoded.error()));
        CHECK(*decoded == expected.at(m.topic));
    }
}

TEST_CASE("MQTT: a level the library does not take rejects every batch, publishes nothing") {
    const TemperatureBatches tb;
    auto b = broker();
    CodecEncoder enc(WireCodec::compact, "gw-mqtt", {});
    auto s = settings_for(b->port(), BodyCompression::zstd, true);
    s.compression_level = 30;
    MqttTransport t(s, enc);
    std::vector<UploadResult> results(2);
    REQUIRE(t.send_many(std::span(tb.batches).first(2), results) == 2);
    for (const auto& r : results) CHECK(r.outcome == UploadOutcome::rejected);
    CHECK(t.stats().published == 0);
}
