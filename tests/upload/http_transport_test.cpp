// The HTTP(S) transport against the real test receiver (tests/support/http_receiver.py) on
// loopback: batches acknowledged by 2xx with their Idempotency-Key; the retry rules as the
// receiver scripts them (429 with Retry-After in seconds and as a date, 503, 413, 400, a reset,
// a slow answer past the timeout); PUT; the bearer token; TLS with the test CA, and refused with
// the wrong one, nothing sent in clear.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "posix/upload/codec_encoder.hpp"
#include "posix/upload/http_transport.hpp"
#include "support/http_receiver.hpp"
#include "support/upload_batches.hpp"

using ss::hal::CodecEncoder;
using ss::hal::HttpTransport;
using ss::hal::UploadBatch;
using ss::hal::UploadOutcome;
using ss::hal::UploadResult;
using ss::test::HttpReceiver;

namespace {

/// n batches of sensors 1..n of the app source, `count` time-series records each from seq 100,
/// 1 s apart in UTC, boot 3; sensor k's values are 1000 k + i.
struct Batches : ss::test::UploadBatches {
    Batches(std::uint32_t n, std::uint32_t count) {
        for (std::uint32_t k = 0; k < n; ++k) {
            std::vector<std::uint32_t> values(count);
            for (std::uint32_t i = 0; i < count; ++i) values[i] = 1000 * (k + 1) + i;
            add(SS_SOURCE_APP, k + 1, ss::test::ts_batch(values, 100), 3);
        }
    }
};

CodecEncoder encoder() {
    ss::hal::ChannelDirectory channels;
    channels[{SS_SOURCE_APP, 1}] = {"temperature", "cdegC"};
    return CodecEncoder(ss::hal::WireCodec::json_lines, "gw-test", channels);
}

std::unique_ptr<HttpReceiver> receiver(HttpReceiver::Options options = {}) {
    auto r = HttpReceiver::start(options);
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error()));
    return std::move(*r);
}

HttpTransport::Settings settings_for(const HttpReceiver& r) {
    HttpTransport::Settings s;
    s.url = r.url();
    s.request_timeout_ms = 5'000;
    return s;
}

std::string file_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
}

std::vector<UploadResult> send_all(HttpTransport& t, const Batches& b) {
    std::vector<UploadResult> results(b.batches.size());
    CHECK(t.send_many(b.batches, results) == b.batches.size());
    return results;
}

} // namespace

TEST_CASE("batches go out with their keys and are acknowledged by a 2xx") {
    auto rx = receiver();
    auto enc = encoder();
    auto s = settings_for(*rx);
    s.batches_per_request = 2;
    s.max_in_flight = 2;
    HttpTransport t(s, enc);
    const Batches b(5, 3);
    for (const auto& r : send_all(t, b)) CHECK(r.outcome == UploadOutcome::acknowledged);
    auto requests = rx->requests();
    REQUIRE(requests.has_value());
    REQUIRE(requests->size() == 3); // 2 + 2 + 1 batches
    std::vector<std::string> keys;
    std::size_t lines = 0;
    for (const auto& q : *requests) {
        CHECK(q.method == "POST");
        CHECK(q.path == "/ingest");
        CHECK(q.content_type == "application/x-ndjson");
        REQUIRE(q.idempotency_key.has_value());
        keys.push_back(*q.idempotency_key);
        const std::string body = file_text(q.body_file);
        for (char c : body) lines += c == '\n';
    }
    // Two requests in flight at once: they may reach the receiver in either order.
    std::sort(keys.begin(), keys.end());
    CHECK(keys[0] == "gw-test:app:1:100:3, gw-test:app:2:100:3");
    CHECK(keys[1] == "gw-test:app:3:100:3, gw-test:app:4:100:3");
    CHECK(keys[2] == "gw-test:app:5:100:3");
    CHECK(lines == 15); // one JSON line per record
    // The channel directory named sensor 1; sensor 2 has the fallback name.
    for (const auto& q : *requests) {
        if (q.idempotency_key->rfind("gw-test:app:1:", 0) != 0) continue;
        const std::string body = file_text(q.body_file);
        CHECK(body.find("\"channel\":\"temperature\",\"unit\":\"cdegC\"") != std::string::npos);
        CHECK(body.find("\"channel\":\"app-2\"") != std::string::npos);
    }
    const auto stats = t.stats();
    CHECK(stats.requests == 3);
    CHECK(stats.acknowledged == 3);
    // The same batches again: the same keys, which the receiver counts as duplicates.
    for (const auto& r : send_all(t, b)) CHECK(r.outcome == UploadOutcome::acknowledged);
    auto rs = rx->stats();
    REQUIRE(rs.has_value());
    CHECK(rs->duplicates == 3);
}

TEST_CASE("the retry rules, as the receiver answers") {
    auto rx = receiver();
    auto enc = encoder();
    auto s = settings_for(*rx);
    s.request_timeout_ms = 1'000;
    HttpTransport t(s, enc);
    const Batches b(1, 2);
    const auto once = [&] { return t.send(b.batches[0]); };

    REQUIRE(rx->script_faults("429 retry-after=7\n"));
    UploadResult r = once();
    CHECK(r.outcome == UploadOutcome::retry);
    CHECK(r.retry_after_ms == 7'000);

    REQUIRE(rx->script_faults("503 retry-after-date=30\n"));
    r = once();
    CHECK(r.outcome == UploadOutcome::retry);
    // An HTTP date has whole seconds: 29..31 s from now.
    CHECK(r.retry_after_ms >= 28'000);
    CHECK(r.retry_after_ms <= 31'000);

    for (const char* status : {"408", "500", "502", "503", "504"}) {
        CAPTURE(status);
        REQUIRE(rx->script_faults(std::string(status) + "\n"));
        r = once();
        CHECK(r.outcome == UploadOutcome::retry);
        CHECK(r.retry_after_ms == 0);
    }
    REQUIRE(rx->script_faults("413\n"));
    CHECK(once().outcome == UploadOutcome::too_large);
    for (const char* status : {"400", "404", "422"}) {
        CAPTURE(status);
        REQUIRE(rx->script_faults(std::string(status) + "\n"));
        CHECK(once().outcome == UploadOutcome::rejected);
    }
    // A reset on a kept-alive connection is tried once more on a fresh one by libcurl (the
    // request may never have reached the server); reset twice, it is a failure.
    REQUIRE(rx->script_faults("reset\n"));
    CHECK(once().outcome == UploadOutcome::acknowledged);
    REQUIRE(rx->script_faults("reset times=2\n"));
    CHECK(once().outcome == UploadOutcome::retry);
    // Slower than the request timeout: given up, tried again later.
    REQUIRE(rx->script_faults("200 delay-ms=2500\n"));
    CHECK(once().outcome == UploadOutcome::retry);
    CHECK(once().outcome == UploadOutcome::acknowledged);
    const auto stats = t.stats();
    CHECK(stats.too_large == 1);
    CHECK(stats.rejected == 3);
    CHECK(stats.transfer_errors == 2); // the reset and the timeout
    CHECK(stats.tls_errors == 0);
}

TEST_CASE("a receiver that is not there: retry, counted as a transfer error") {
    std::uint16_t port = 0;
    {
        auto rx = receiver();
        port = rx->port();
        rx->stop();
    }
    auto enc = encoder();
    HttpTransport::Settings s;
    s.url = "http://127.0.0.1:" + std::to_string(port) + "/ingest";
    s.connect_timeout_ms = 1'000;
    HttpTransport t(s, enc);
    const Batches b(3, 1);
    for (const auto& r : send_all(t, b)) CHECK(r.outcome == UploadOutcome::retry);
    CHECK(t.stats().transfer_errors == 3);
}

TEST_CASE("PUT when configured, and the bearer token") {
    HttpReceiver::Options o;
    o.bearer_token = "s3cret-token";
    auto rx = receiver(o);
    auto enc = encoder();
    const Batches b(1, 1);
    {
        HttpTransport t(settings_for(*rx), enc);
        CHECK(t.send(b.batches[0]).outcome == UploadOutcome::rejected); // 401: will not pass as sent
    }
    auto s = settings_for(*rx);
    s.use_put = true;
    s.bearer_token = "s3cret-token";
    HttpTransport t(s, enc);
    CHECK(t.send(b.batches[0]).outcome == UploadOutcome::acknowledged);
    auto requests = rx->requests();
    REQUIRE(requests.has_value());
    REQUIRE(requests->size() == 2);
    CHECK(requests->back().method == "PUT");
    CHECK(requests->back().authorization);
    CHECK(requests->back().status == "200");
}

TEST_CASE("TLS: the receiver's CA is trusted, a wrong one refused before anything is sent") {
    HttpReceiver::Options o;
    o.tls = true;
    auto rx = receiver(o);
    auto enc = encoder();
    const Batches b(2, 4);
    {
        auto s = settings_for(*rx);
        s.ca_file = rx->pki().wrong_ca_cert.string();
        HttpTransport t(s, enc);
        for (const auto& r : send_all(t, b)) CHECK(r.outcome == UploadOutcome::retry);
        CHECK(t.stats().tls_errors >= 1);
        // The receiver notes the failed handshake on its own thread, possibly after the client
        // has given up: its count is waited for, not sampled once.
        auto rs = rx->stats();
        for (int i = 0; i < 100 && rs.has_value() && rs->tls_handshake_failures == 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            rs = rx->stats();
        }
        REQUIRE(rs.has_value());
        CHECK(rs->requests == 0); // no request reached it: nothing went in clear
        CHECK(rs->tls_handshake_failures >= 1);
    }
    auto s = settings_for(*rx);
    s.ca_file = rx->pki().ca_cert.string();
    HttpTransport t(s, enc);
    for (const auto& r : send_all(t, b)) CHECK(r.outcome == UploadOutcome::acknowledged);
    auto rs = rx->stats();
    REQUIRE(rs.has_value());
    CHECK(rs->accepted == 2);
}
