// The gateway daemon uploading over HTTP to the reference receiver (tools/ss_receiver.py) as real
// processes on loopback: records flow into the receiver's SQLite while the daemon is SIGKILLed
// at random moments and the receiver itself is killed and started again; after a last clean run
// every record the daemon numbered is at the receiver (exactly once: the receiver keeps one row
// per record), still stored, quarantined, or counted as dropped, or in the one run of numbers per
// kill that a kill skips (daemon_accounting.hpp) — the test prints the numbers and checks that
// none is counted twice.
// With compression configured: gzip bodies reach the reference receiver, which decodes them;
// zstd, which it does not take, gets 415 and every batch goes to the quarantine.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "daemon_accounting.hpp"
#include "daemon_process.hpp"
#include "support/child_process.hpp"
#include "support/free_port.hpp"
#include "support/http_client.hpp"
#include "support/http_receiver.hpp"
#include "support/local_server.hpp"
#include "reference_receiver.hpp"
#include "upload_gateway.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using daemon_test::Daemon;
using daemon_test::received;
using daemon_test::start_receiver;

namespace {

/// compression: "" or a destination's compression key, e.g. "compression = 'gzip', ".
std::string config_text(const fs::path& data, std::uint16_t http_port, std::uint16_t receiver_port,
                        const std::string& compression = "") {
    return daemon_test::upload_gateway_config(
        "upload-gw", data, http_port,
        "{ kind = 'http', url = \"http://127.0.0.1:" + std::to_string(receiver_port) + "/ingest\", codec = 'compact', " +
            compression + "max_in_flight = 2, batches_per_request = 4, request_timeout = 2s }");
}

} // namespace

TEST_CASE("uploading over HTTP through daemon SIGKILLs and a receiver restart: every record at the receiver once, "
          "stored, or counted") {
    auto receiver = start_receiver();
    const fs::path dir = receiver->directory() / "gateway";
    fs::create_directories(dir);
    const fs::path data = dir / "data";
    const fs::path config = dir / "gateway.ini";
    const char* env = std::getenv("SS_DAEMON_KILL_CYCLES");
    const int cycles = env != nullptr ? std::atoi(env) : 4;
    std::mt19937 rng(static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::uniform_int_distribution<int> after_ms(300, 1500);
    int run = 0;
    for (int c = 0; c < cycles; ++c) {
        std::ofstream(config) << config_text(data, ss::test::free_loopback_port(), receiver->port(0));
        Daemon p({"--config-file=" + config.string()}, dir / ("output" + std::to_string(++run)));
        REQUIRE_MESSAGE(p.wait_for_output("t=", 10s), p.output());
        std::this_thread::sleep_for(std::chrono::milliseconds(after_ms(rng)));
        if (c == cycles / 2) {
            // The cloud goes away for a while and comes back on the same port, with its data.
            REQUIRE(receiver->kill() != 0);
            std::this_thread::sleep_for(700ms);
            REQUIRE(receiver->restart().has_value());
            std::this_thread::sleep_for(std::chrono::milliseconds(after_ms(rng)));
        }
        p.signal(SIGKILL);
        REQUIRE(p.wait(10s) == 128 + SIGKILL);
    }
    // A last run drains and stops cleanly.
    std::ofstream(config) << config_text(data, ss::test::free_loopback_port(), receiver->port(0));
    Daemon p({"--config-file=" + config.string()}, dir / ("output" + std::to_string(++run)));
    REQUIRE_MESSAGE(p.wait_for_output("t=", 10s), p.output());
    std::this_thread::sleep_for(1500ms);
    p.signal(SIGTERM);
    CHECK_MESSAGE(p.wait(30s) == 0, p.output());
    REQUIRE(receiver->stop() == 0);

    const auto at_receiver = received(receiver->directory() / "records.sqlite");
    const auto store = daemon_test::read_upload_store(data);
    const auto held = daemon_test::read_quarantine(data / "quarantine");
    const daemon_test::Accounting a = daemon_test::account(store, at_receiver, held);
    MESSAGE("numbered " << a.numbered << " = at the receiver " << a.at_receiver << " (each once) + still stored "
                        << a.stored << " + quarantined " << a.quarantined << " + counted as dropped " << a.dropped
                        << " + skipped in " << cycles << " kills " << a.skipped_in_kills << " (at most "
                        << a.most_gap_runs << " runs per sensor)");
    CHECK(a.beyond_next_seq == 0); // nothing the gateway never numbered
    // No record in two categories: with that, the skipped numbers (the remainder) are never
    // negative and the five add up to what the gateway numbered.
    CHECK(a.overcounted == 0);
    CHECK(a.at_receiver > 1000);
    CHECK(a.stored < 200); // the last run drained the backlog
    CHECK(a.quarantined == 0); // the receiver refused nothing
    // Below the head every number is at the receiver, except where a kill skipped numbers: the
    // records only in RAM when it died, and the numbering's reservation jumping past anything
    // that may have been handed out. Each kill leaves at most one such run.
    CHECK(a.most_gap_runs <= static_cast<std::uint32_t>(cycles));
}

TEST_CASE("a batch the receiver refuses for good is quarantined, listed, released by the operator and delivered") {
    ss::test::HttpReceiver::Options o;
    o.faults = "400\n"; // the first request only
    auto rx_started = ss::test::HttpReceiver::start(o);
    REQUIRE_MESSAGE(rx_started.has_value(), (rx_started ? std::string() : rx_started.error()));
    auto rx = std::move(*rx_started);
    const fs::path dir = rx->directory() / "gateway";
    fs::create_directories(dir);
    const std::uint16_t http_port = ss::test::free_loopback_port();
    std::string config = config_text(dir / "data", http_port, rx->port());
    std::ofstream(dir / "gateway.ini") << config;
    Daemon p({"--config-file=" + (dir / "gateway.ini").string()}, dir / "output");
    REQUIRE_MESSAGE(p.wait_for_output("t=", 10s), p.output());

    const auto list = [&] {
        auto r = ss::test::http_get("127.0.0.1", http_port, "/quarantine");
        REQUIRE(r.has_value());
        REQUIRE(r->status == 200);
        return r->body;
    };
    std::string held;
    for (int i = 0; i < 100 && held.find(".qb") == std::string::npos; ++i) {
        std::this_thread::sleep_for(50ms);
        held = list();
    }
    REQUIRE_MESSAGE(held.find(".qb") != std::string::npos, held);
    CHECK(held.find("\"reason\":400") != std::string::npos);
    const auto at = held.find("\"file\":\"") + 8;
    const std::string file = held.substr(at, held.find('"', at) - at);
    // Nothing else was held up: later batches reached the receiver meanwhile.
    auto stats = rx->stats();
    REQUIRE(stats.has_value());
    CHECK(stats->accepted > 0);

    auto released = ss::test::http_request("127.0.0.1", http_port, "POST", "/quarantine/release?file=" + file);
    REQUIRE(released.has_value());
    CHECK(released->status == 200);
    for (int i = 0; i < 100 && list().find(file) != std::string::npos; ++i) std::this_thread::sleep_for(50ms);
    CHECK(list().find(file) == std::string::npos); // delivered, so gone
    // The uploader posts its figures at its next period.
    std::string metrics;
    for (int i = 0; i < 100 && metrics.find("sensor_storage_quarantine_released_total 1\n") == std::string::npos; ++i) {
        std::this_thread::sleep_for(50ms);
        auto m = ss::test::http_get("127.0.0.1", http_port, "/metrics");
        REQUIRE(m.has_value());
        metrics = m->body;
    }
    CHECK(metrics.find("sensor_storage_quarantine_released_total 1\n") != std::string::npos);
    CHECK(metrics.find("sensor_storage_quarantined_batches_total 0\n") == std::string::npos);
    // The refused request carried the released batch (with up to three others: batches_per_request
    // is 4); the receiver accepted it again under the same key.
    auto requests = rx->requests();
    REQUIRE(requests.has_value());
    REQUIRE(requests->front().status == "400");
    // <source>-<sensor>-<first_seq>-<count>.qb names the batch whose key is
    // upload-gw:<source>:<sensor>:<first_seq>:<count>.
    std::string released_key = file.substr(0, file.size() - 3);
    std::replace(released_key.begin(), released_key.end(), '-', ':');
    released_key = "upload-gw:" + released_key;
    bool again = false;
    for (const auto& q : *requests)
        again = again || (q.status == "200" && q.idempotency_key && *q.idempotency_key == released_key);
    CHECK_MESSAGE(again, released_key);
    p.signal(SIGTERM);
    CHECK(p.wait(30s) == 0);
}

TEST_CASE("compression: gzip bodies decoded by the reference receiver; zstd, which it does not take, refused with "
          "415 and quarantined") {
    auto receiver = start_receiver();
    const fs::path dir = receiver->directory() / "gateway";
    fs::create_directories(dir);
    const auto receiver_stats = [&] {
        auto r = ss::test::http_get("127.0.0.1", receiver->port(0), "/stats");
        REQUIRE(r.has_value());
        return r->body;
    };

    // gzip: the records arrive, and nothing is refused.
    std::uint16_t http_port = ss::test::free_loopback_port();
    std::ofstream(dir / "gzip.ini") << config_text(dir / "gzip-data", http_port, receiver->port(0), "compression = 'gzip', ");
    {
        Daemon p({"--config-file=" + (dir / "gzip.ini").string()}, dir / "gzip-output");
        REQUIRE_MESSAGE(p.wait_for_output("t=", 10s), p.output());
        std::this_thread::sleep_for(2s);
        auto held = ss::test::http_get("127.0.0.1", http_port, "/quarantine");
        REQUIRE(held.has_value());
        CHECK(held->body.find(".qb") == std::string::npos);
        // What went on the wire, compressed, against what was encoded.
        auto m = ss::test::http_get("127.0.0.1", http_port, "/metrics");
        REQUIRE(m.has_value());
        const auto counter = [&](const std::string& name) {
            const auto at = m->body.find("\n" + name + " ");
            REQUIRE_MESSAGE(at != std::string::npos, name);
            return std::stod(m->body.substr(at + name.size() + 2));
        };
        const double sent = counter("sensor_storage_upload_bytes_sent_total");
        const double encoded = counter("sensor_storage_upload_bytes_encoded_total");
        MESSAGE("gzip on the wire: " << sent << " bytes for " << encoded << " encoded");
        CHECK(sent > 0);
        CHECK(sent < encoded);
        CHECK(counter("sensor_storage_upload_compression_errors_total") == 0);
        p.signal(SIGTERM);
        CHECK_MESSAGE(p.wait(30s) == 0, p.output());
    }
    const auto gzip_records = received(receiver->directory() / "records.sqlite");
    std::size_t records = 0;
    for (const auto& [key, seqs] : gzip_records) records += seqs.size();
    MESSAGE("gzip: " << records << " records at the receiver; " << receiver_stats());
    CHECK(records > 100);
    CHECK(gzip_records.size() == 14); // every sensor: 10 temperatures, 4 doors

    // zstd: the receiver answers 415, a configuration error: batches are quarantined, not lost.
    http_port = ss::test::free_loopback_port();
    std::ofstream(dir / "zstd.ini") << config_text(dir / "zstd-data", http_port, receiver->port(0), "compression = 'zstd', ");
    Daemon p({"--config-file=" + (dir / "zstd.ini").string()}, dir / "zstd-output");
    REQUIRE_MESSAGE(p.wait_for_output("t=", 10s), p.output());
    std::string held;
    for (int i = 0; i < 100 && held.find(".qb") == std::string::npos; ++i) {
        std::this_thread::sleep_for(50ms);
        auto r = ss::test::http_get("127.0.0.1", http_port, "/quarantine");
        REQUIRE(r.has_value());
        held = r->body;
    }
    CHECK_MESSAGE(held.find("\"reason\":415") != std::string::npos, held);
    p.signal(SIGTERM);
    CHECK_MESSAGE(p.wait(30s) == 0, p.output());
    // Nothing of the zstd run was stored by the receiver: its records are the gzip run's.
    CHECK(received(receiver->directory() / "records.sqlite") == gzip_records);
}

