// The HTTP(S) test receiver (tests/support/http_receiver.py, launched by http_receiver.hpp)
// against a real client, the curl command line: uploads are recorded with their keys and bodies,
// a duplicate Idempotency-Key is counted once, every scripted answer (429 with Retry-After in
// seconds and as a date, 503, 413, 400, a reset, a slow answer) reaches the client as scripted,
// a bearer token is checked and never logged, TLS is accepted with the test CA and refused with
// another, and a killed receiver restarts knowing the keys it accepted.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/http_receiver.hpp"

namespace {

using namespace std::chrono_literals;

struct CurlResult {
    int exit_status = -1;    ///< curl's: 0, or e.g. 56 for a reset, 60 for an untrusted certificate
    int http_status = 0;     ///< 0 when no response came
    std::string headers;     ///< the response head, as received
    std::string output;      ///< what curl printed (its error message)
    std::chrono::milliseconds took{0};
};

/// One upload with the curl command line: method, body, extra headers (-H), extra options.
CurlResult curl(const ss::test::HttpReceiver& receiver, const std::string& method, const std::string& url,
                const std::string& body, const std::vector<std::string>& headers = {},
                const std::vector<std::string>& options = {}) {
    const auto binary = ss::test::find_on_path("curl");
    REQUIRE_MESSAGE(!binary.empty(), "curl is not on PATH (scripts/install-deps.sh installs it)");
    const auto dir = receiver.directory();
    std::vector<std::string> args{"-sS", "-X", method, "--data-binary", "@-", "-D", (dir / "curl.headers").string(),
                                  "-o", (dir / "curl.body").string(), "-w", "%{http_code}", "--max-time", "10"};
    for (const auto& h : headers) args.insert(args.end(), {"-H", h});
    args.insert(args.end(), options.begin(), options.end());
    args.push_back(url);
    {
        std::ofstream in(dir / "curl.in", std::ios::binary);
        in << body;
    }
    std::filesystem::remove(dir / "curl.headers");
    const auto started = std::chrono::steady_clock::now();
    auto run = ss::test::run_to_completion(binary, args, dir / "curl.in", dir / "curl.out", 15s);
    REQUIRE_MESSAGE(run.has_value(), (run ? std::string() : run.error()));
    CurlResult r;
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    r.exit_status = run->status;
    r.output = run->output;
    // -w prints the status code last, after any error message on stderr.
    const auto code = r.output.size() >= 3 ? r.output.substr(r.output.size() - 3) : std::string();
    r.http_status = std::atoi(code.c_str());
    r.headers = ss::test::read_text_file(dir / "curl.headers");
    return r;
}

std::unique_ptr<ss::test::HttpReceiver> start_receiver(const ss::test::HttpReceiver::Options& options) {
    auto receiver = ss::test::HttpReceiver::start(options);
    REQUIRE_MESSAGE(receiver.has_value(), (receiver ? std::string() : receiver.error()));
    return std::move(*receiver);
}

ss::test::HttpReceiver::Stats stats_of(const ss::test::HttpReceiver& receiver) {
    auto stats = receiver.stats();
    REQUIRE_MESSAGE(stats.has_value(), (stats ? std::string() : stats.error()));
    return *stats;
}

} // namespace

TEST_CASE("uploads are recorded with their keys and bodies, and a duplicate Idempotency-Key is counted once") {
    auto receiver = start_receiver({});
    const auto directory = receiver->directory();
    const std::string url = receiver->url("/v1/batches");
    CHECK(curl(*receiver, "POST", url, "batch a\n", {"Idempotency-Key: gw:adc0:1:0:60", "Authorization: Bearer t0ken"}).http_status == 200);
    CHECK(curl(*receiver, "POST", url, "batch b, longer\n", {"Idempotency-Key: gw:adc0:1:60:60"}).http_status == 200);
    CHECK(curl(*receiver, "POST", url, "batch a\n", {"Idempotency-Key: gw:adc0:1:0:60"}).http_status == 200);
    CHECK(curl(*receiver, "PUT", receiver->url("/v1/put/here"), "no key").http_status == 200);

    const auto stats = stats_of(*receiver);
    CHECK(stats.requests == 4);
    CHECK(stats.accepted == 4);
    CHECK(stats.unique_keys == 2);
    CHECK(stats.duplicates == 1);
    CHECK(stats.without_key == 1);
    CHECK(stats.bytes_accepted == 8 + 16 + 8 + 6);
    CHECK(stats.bytes_unique == 8 + 16 + 6);
    CHECK(stats.statuses.at("200") == 4);

    auto requests = receiver->requests();
    REQUIRE_MESSAGE(requests.has_value(), (requests ? std::string() : requests.error()));
    REQUIRE(requests->size() == 4);
    const auto& first = (*requests)[0];
    CHECK(first.method == "POST");
    CHECK(first.path == "/v1/batches");
    CHECK(first.idempotency_key == "gw:adc0:1:0:60");
    CHECK(first.authorization);
    CHECK(first.headers.at("Authorization") == "<redacted>");
    CHECK(first.headers.at("Idempotency-Key") == "gw:adc0:1:0:60");
    CHECK(first.headers.at("User-Agent").starts_with("curl/"));
    CHECK(ss::test::read_text_file(first.body_file) == "batch a\n");
    CHECK_FALSE((*requests)[1].authorization);
    CHECK((*requests)[2].duplicate);
    CHECK(ss::test::read_text_file((*requests)[2].body_file) == "batch a\n");
    CHECK((*requests)[3].method == "PUT");
    CHECK((*requests)[3].path == "/v1/put/here");
    CHECK_FALSE((*requests)[3].idempotency_key.has_value());
    CHECK(ss::test::read_text_file(directory / "requests.jsonl").find("t0ken") == std::string::npos);

    // The upload port serves the same counts at GET /stats.
    auto upload_port_stats = ss::test::http_get("127.0.0.1", receiver->port(), "/stats");
    REQUIRE_MESSAGE(upload_port_stats.has_value(), (upload_port_stats ? std::string() : upload_port_stats.error()));
    auto parsed = ss::test::parse_json(upload_port_stats->body);
    REQUIRE(parsed.has_value());
    CHECK(parsed->find("duplicates")->number == 1);

    CHECK(receiver->stop() == 0);
    receiver.reset();
    CHECK_FALSE(std::filesystem::exists(directory));
}

TEST_CASE("scripted answers reach the client in order: 429 with Retry-After, 503, 413, 400, a reset, a slow answer, then 200") {
    ss::test::HttpReceiver::Options options;
    options.faults = "429 retry-after=7\n";
    auto receiver = start_receiver(options);
    REQUIRE(receiver->script_faults("# after the start-up script\n"
                                    "429 retry-after-date=120\n"
                                    "503 times=2\n"
                                    "413\n"
                                    "400\n"
                                    "reset\n"
                                    "200 delay-ms=400\n")
                .has_value());
    CHECK_FALSE(receiver->script_faults("418 teapot=yes\n").has_value()); // a bad script is refused, not half-queued
    CHECK(stats_of(*receiver).faults_pending == 8);

    const std::string url = receiver->url();
    const std::vector<std::string> key{"Idempotency-Key: gw:adc0:3:0:10"};
    auto r = curl(*receiver, "POST", url, "x", key);
    CHECK(r.http_status == 429);
    CHECK(r.headers.find("Retry-After: 7\r\n") != std::string::npos);
    r = curl(*receiver, "POST", url, "x", key);
    CHECK(r.http_status == 429);
    CHECK_MESSAGE(r.headers.find("Retry-After: ") != std::string::npos, r.headers);
    CHECK_MESSAGE(r.headers.find(" GMT\r\n") != std::string::npos, r.headers); // an HTTP date
    CHECK(curl(*receiver, "POST", url, "x", key).http_status == 503);
    CHECK(curl(*receiver, "POST", url, "x", key).http_status == 503);
    CHECK(curl(*receiver, "POST", url, "x", key).http_status == 413);
    CHECK(curl(*receiver, "POST", url, "x", key).http_status == 400);
    r = curl(*receiver, "POST", url, "x", key);
    CHECK(r.http_status == 0);
    CHECK_MESSAGE(r.exit_status == 56, r.output); // CURLE_RECV_ERROR: connection reset by peer
    r = curl(*receiver, "POST", url, "x", key);
    CHECK(r.http_status == 200);
    CHECK(r.took >= 400ms);
    CHECK(curl(*receiver, "POST", url, "x", key).http_status == 200); // the script is used up

    const auto stats = stats_of(*receiver);
    CHECK(stats.requests == 9);
    CHECK(stats.faults_pending == 0);
    CHECK(stats.statuses.at("429") == 2);
    CHECK(stats.statuses.at("503") == 2);
    CHECK(stats.statuses.at("413") == 1);
    CHECK(stats.statuses.at("400") == 1);
    CHECK(stats.statuses.at("reset") == 1);
    CHECK(stats.resets == 1);
    CHECK(stats.statuses.at("200") == 2);
    // Refused answers accept nothing: the key's first 2xx is unique, the second a duplicate.
    CHECK(stats.accepted == 2);
    CHECK(stats.unique_keys == 1);
    CHECK(stats.duplicates == 1);
    auto requests = receiver->requests();
    REQUIRE(requests.has_value());
    REQUIRE(requests->size() == 9);
    CHECK((*requests)[6].status == "reset");
    CHECK((*requests)[6].body_file.empty());
    CHECK((*requests)[7].delay_ms == 400);
}

TEST_CASE("with a bearer token, uploads without it or with another get 401 and the token is never logged") {
    ss::test::HttpReceiver::Options options;
    options.bearer_token = "s3cret-t0ken";
    auto receiver = start_receiver(options);
    const std::string url = receiver->url();
    CHECK(curl(*receiver, "POST", url, "x").http_status == 401);
    CHECK(curl(*receiver, "POST", url, "x", {"Authorization: Bearer wrong"}).http_status == 401);
    CHECK(curl(*receiver, "POST", url, "x", {"Authorization: Bearer s3cret-t0ken"}).http_status == 200);
    const auto stats = stats_of(*receiver);
    CHECK(stats.unauthorized == 2);
    CHECK(stats.accepted == 1);
    CHECK(ss::test::read_text_file(receiver->directory() / "requests.jsonl").find("s3cret") == std::string::npos);
    CHECK(receiver->log().find("s3cret") == std::string::npos);
}

TEST_CASE("over TLS a client trusting the test CA is served; one trusting another CA refuses, and nothing arrives in clear") {
    ss::test::HttpReceiver::Options options;
    options.tls = true;
    auto receiver = start_receiver(options);
    const std::string url = receiver->url();
    REQUIRE(url.starts_with("https://127.0.0.1:"));
    const auto& pki = receiver->pki();

    auto trusted = curl(*receiver, "POST", url, "over tls", {"Idempotency-Key: k1"}, {"--cacert", pki.ca_cert.string()});
    CHECK_MESSAGE(trusted.http_status == 200, trusted.output << "\nreceiver log:\n" << receiver->log_tail());
    auto wrong_ca = curl(*receiver, "POST", url, "must not arrive", {"Idempotency-Key: k2"}, {"--cacert", pki.wrong_ca_cert.string()});
    CHECK(wrong_ca.http_status == 0);
    CHECK_MESSAGE(wrong_ca.exit_status == 60, wrong_ca.output); // CURLE_PEER_FAILED_VERIFICATION
    auto in_clear = curl(*receiver, "POST", "http://127.0.0.1:" + std::to_string(receiver->port()) + "/ingest", "in clear");
    CHECK(in_clear.http_status != 200);

    // The refused handshakes end on the receiver's side a moment after curl has given up.
    ss::test::HttpReceiver::Stats stats;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    do {
        stats = stats_of(*receiver);
        if (stats.tls_handshake_failures >= 2) break;
        std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    CHECK_MESSAGE(stats.tls_handshake_failures == 2, stats.last_tls_failure);
    CHECK(stats.requests == 1);
    CHECK(stats.unique_keys == 1);
}

TEST_CASE("a receiver killed and restarted on its directory still knows the keys it accepted") {
    auto receiver = start_receiver({});
    const std::string url = receiver->url();
    CHECK(curl(*receiver, "POST", url, "batch 1", {"Idempotency-Key: gw:adc0:1:0:1"}).http_status == 200);
    CHECK(receiver->kill() == 128 + SIGKILL);
    const auto restarted = receiver->restart();
    REQUIRE_MESSAGE(restarted.has_value(), (restarted ? std::string() : restarted.error()));
    CHECK(receiver->url() == url);
    CHECK(curl(*receiver, "POST", url, "batch 1", {"Idempotency-Key: gw:adc0:1:0:1"}).http_status == 200);
    CHECK(curl(*receiver, "POST", url, "batch 2", {"Idempotency-Key: gw:adc0:1:1:1"}).http_status == 200);
    const auto stats = stats_of(*receiver);
    CHECK(stats.requests == 3);
    CHECK(stats.unique_keys == 2);
    CHECK(stats.duplicates == 1);
    auto requests = receiver->requests();
    REQUIRE(requests.has_value());
    REQUIRE(requests->size() == 3);
    CHECK((*requests)[1].seq == 2); // numbering carries on too
    CHECK((*requests)[1].duplicate);
}
