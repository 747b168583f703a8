// The gateway daemon uploading over MQTT (QoS 1, acknowledged on PUBACK) to a real mosquitto on
// loopback, as real processes: a consumer with a persistent session collects every batch while the
// daemon is SIGKILLed mid-upload several times and the broker is killed (SIGKILL once, SIGTERM
// once) and started again on the same port with its persistence. After a last clean run, the
// batches are deduplicated by idempotency key, then by record (gateway, source, sensor, seq) as
// docs/upload-protocol.md tells a receiver to, and every number the gateway handed out is at the
// consumer exactly once, still stored, quarantined, or counted as dropped — or in the one run per
// kill that a kill may cost (what was only in RAM; the numbering's reservation; what a killed
// broker had acknowledged but not saved). The test prints the numbers; they add up to what the
// gateway numbered. It also prints how many records came again under a different key (a batch
// re-cut after a daemon SIGKILL), which dedupe by key alone would keep twice.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon_accounting.hpp"
#include "daemon_process.hpp"
#include "support/free_port.hpp"
#include "support/http_client.hpp"
#include "support/mosquitto_server.hpp"
#include "support/mqtt_subscriber.hpp"
#include "reference_receiver.hpp"
#include "upload_gateway.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using daemon_test::Daemon;

namespace {

const std::string gateway = "mqtt-gw";

std::string mqtt_destination(std::uint16_t broker_port) {
    // JSON lines: every line carries its batch's key and its own seq, so the test checks that a
    // payload holds exactly the records its key names. A short ack timeout and connect timeout
    // keep the broker's outage from holding a batch for long.
    return "{ kind = 'mqtt', host = \"127.0.0.1\", port = " + std::to_string(broker_port) +
           ", codec = 'json_lines', window = 8, ack_timeout = 2s, connect_timeout = 2s }";
}

struct KeyFields {
    std::string source;
    std::uint32_t sensor = 0;
    std::uint64_t first_seq = 0;
    std::uint32_t count = 0;
};

/// <gateway>:<source>:<sensor>:<first_seq>:<count> (docs/upload-protocol.md).
KeyFields parse_key(const std::string& key) {
    std::vector<std::string> parts;
    std::stringstream in(key);
    for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
    REQUIRE_MESSAGE(parts.size() == 5, key);
    CHECK(parts[0] == gateway);
    return KeyFields{parts[1], static_cast<std::uint32_t>(std::stoul(parts[2])), std::stoull(parts[3]),
                     static_cast<std::uint32_t>(std::stoul(parts[4]))};
}

/// What the consumer holds after dropping repeated keys.
struct Deduplicated {
    daemon_test::SeqSets records;
    std::size_t messages = 0;
    std::size_t distinct_keys = 0;
    std::uint64_t records_in_other_keys = 0; ///< numbers that came again under a different key
};

Deduplicated deduplicate(const std::vector<ss::test::MqttSubscriber::Message>& messages) {
    Deduplicated d;
    d.messages = messages.size();
    std::map<std::string, std::string> payload_of_key;
    for (const auto& m : messages) {
        REQUIRE(m.user_properties.count("Idempotency-Key") == 1);
        const std::string& key = m.user_properties.at("Idempotency-Key");
        CHECK(m.content_type == "application/x-ndjson");
        auto [seen, first_time] = payload_of_key.emplace(key, m.payload);
        if (!first_time) {
            CHECK_MESSAGE(seen->second == m.payload, key); // sent again: the very same records
            continue;
        }
        const KeyFields k = parse_key(key);
        CHECK(m.topic == "ss/" + gateway + "/" + k.source + "/" + std::to_string(k.sensor));
        // The payload holds exactly the records the key names, in order.
        std::istringstream lines(m.payload);
        std::uint64_t expected_seq = k.first_seq;
        for (std::string line; std::getline(lines, line);) {
            CHECK(daemon_test::field(line, "key") == key);
            CHECK(std::stoull(daemon_test::field(line, "seq")) == expected_seq++);
        }
        CHECK_MESSAGE(expected_seq == k.first_seq + k.count, key);
        auto& seqs = d.records[{k.source, k.sensor}];
        for (std::uint64_t s = k.first_seq; s < k.first_seq + k.count; ++s)
            if (!seqs.insert(s).second) ++d.records_in_other_keys;
    }
    d.distinct_keys = payload_of_key.size();
    return d;
}

/// Waits until the consumer has more than `than` messages: batches are flowing.
bool wait_for_more(ss::test::MqttSubscriber& consumer, std::size_t than, std::chrono::milliseconds limit) {
    return consumer.wait_for(than + 1, limit);
}

/// Waits until no message has arrived for `quiet` (everything the broker queued is delivered), at
/// most `limit`.
void wait_until_quiet(ss::test::MqttSubscriber& consumer, std::chrono::milliseconds quiet, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    std::size_t seen = consumer.messages().size();
    while (std::chrono::steady_clock::now() < end) {
        if (!consumer.wait_for(seen + 1, quiet)) return;
        seen = consumer.messages().size();
    }
}

} // namespace

TEST_CASE("uploading over MQTT through daemon SIGKILLs and broker kills: every record at the consumer once "
          "after dedupe by key, stored, quarantined, or counted") {
    const auto started = std::chrono::steady_clock::now();
    auto broker_started = ss::test::MosquittoServer::start();
    REQUIRE_MESSAGE(broker_started.has_value(), (broker_started ? std::string() : broker_started.error()));
    auto broker = std::move(*broker_started);
    // The cloud's consumer: persistent session, QoS 1, so whatever the broker holds for it while
    // it is cut off by a broker restart comes to it afterwards.
    auto consumer_started = ss::test::MqttSubscriber::start(broker->port(), "cloud-consumer", "ss/" + gateway + "/#");
    REQUIRE_MESSAGE(consumer_started.has_value(), (consumer_started ? std::string() : consumer_started.error()));
    auto consumer = std::move(*consumer_started);

    const fs::path dir = broker->directory() / "gateway";
    fs::create_directories(dir);
    const fs::path data = dir / "data";
    const fs::path config = dir / "gateway.ini";
    const char* env = std::getenv("SS_DAEMON_KILL_CYCLES");
    // At least three: the broker SIGKILL and SIGTERM happen in different daemon runs.
    const int daemon_kills = env != nullptr ? std::max(3, std::atoi(env)) : 4;
    const int broker_sigkill_at = 1, broker_sigterm_at = daemon_kills - 1;
    std::mt19937 rng(static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::uniform_int_distribution<int> after_ms(100, 600);
    const auto write_config = [&] {
        std::ofstream(config) << daemon_test::upload_gateway_config(gateway, data, ss::test::free_loopback_port(),
                                                                    mqtt_destination(broker->port()));
    };
    int run = 0;
    int broker_sigkills = 0;
    for (int c = 0; c < daemon_kills; ++c) {
        write_config();
        Daemon p({"--config-file=" + config.string()}, dir / ("output" + std::to_string(++run)));
        REQUIRE_MESSAGE(p.wait_for_output("t=", 10s), p.output());
        // Mid-upload: batches of this run are arriving.
        REQUIRE_MESSAGE(wait_for_more(*consumer, consumer->messages().size(), 15s), p.output());
        if (c == broker_sigkill_at || c == broker_sigterm_at) {
            // The broker goes away while batches are in flight and comes back on the same port
            // with what it saved; the daemon and the consumer reconnect by themselves.
            if (c == broker_sigkill_at) {
                REQUIRE(broker->kill() == 128 + SIGKILL);
                ++broker_sigkills;
            } else {
                REQUIRE(broker->stop() == 0);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(after_ms(rng)));
            auto restarted = broker->restart();
            REQUIRE_MESSAGE(restarted.has_value(), (restarted ? std::string() : restarted.error()));
            REQUIRE_MESSAGE(wait_for_more(*consumer, consumer->messages().size(), 20s), p.output() << broker->log_tail());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(after_ms(rng)));
        p.signal(SIGKILL);
        REQUIRE(p.wait(10s) == 128 + SIGKILL);
    }
    // A last run uploads the backlog and stops cleanly.
    write_config();
    Daemon p({"--config-file=" + config.string()}, dir / ("output" + std::to_string(++run)));
    REQUIRE_MESSAGE(p.wait_for_output("t=", 10s), p.output());
    REQUIRE_MESSAGE(wait_for_more(*consumer, consumer->messages().size(), 15s), p.output());
    std::this_thread::sleep_for(1s); // the backlog of the kills goes out at a few hundred batches a second
    p.signal(SIGTERM);
    CHECK_MESSAGE(p.wait(30s) == 0, p.output());
    // Everything the broker acknowledged reaches the consumer; then nothing more comes.
    wait_until_quiet(*consumer, 1s, 15s);
    const auto messages = consumer->messages();
    consumer.reset();
    CHECK(broker->stop() == 0);

    const Deduplicated got = deduplicate(messages);
    const auto store = daemon_test::read_upload_store(data);
    const auto held = daemon_test::read_quarantine(data / "quarantine");
    const daemon_test::Accounting a = daemon_test::account(store, got.records, held);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    MESSAGE("numbered " << a.numbered << " = at the consumer " << a.at_receiver << " (each once, from "
                         << got.messages << " messages, " << got.distinct_keys << " distinct keys) + still stored "
                         << a.stored << " + quarantined " << a.quarantined << " + counted as dropped " << a.dropped
                         << " + skipped in " << daemon_kills << " daemon SIGKILLs and " << broker_sigkills
                         << " broker SIGKILL " << a.skipped_in_kills << " (at most " << a.most_gap_runs
                         << " runs per sensor); " << got.records_in_other_keys << " records came again under another key; "
                         << seconds << " s");
    CHECK(a.beyond_next_seq == 0); // nothing the gateway never numbered
    // No record in two categories: with that, the skipped numbers (the remainder) are never
    // negative and the five add up to what the gateway numbered.
    CHECK(a.overcounted == 0);
    CHECK(a.at_receiver > 1000);
    CHECK(a.stored < 200); // the last run uploaded the backlog
    CHECK(a.quarantined == 0); // the broker refused nothing
    CHECK(a.most_gap_runs <= static_cast<std::uint32_t>(daemon_kills + broker_sigkills));
}

TEST_CASE("two destinations, MQTT for live data and HTTP for the archive: the archive dead for a while and the daemon "
          "SIGKILLed meanwhile, each ends with every record once and the live one never waits") {
    auto broker_started = ss::test::MosquittoServer::start();
    REQUIRE_MESSAGE(broker_started.has_value(), (broker_started ? std::string() : broker_started.error()));
    auto broker = std::move(*broker_started);
    auto consumer_started = ss::test::MqttSubscriber::start(broker->port(), "live-consumer", "ss/" + gateway + "/#");
    REQUIRE_MESSAGE(consumer_started.has_value(), (consumer_started ? std::string() : consumer_started.error()));
    auto consumer = std::move(*consumer_started);
    auto archive = daemon_test::start_receiver();

    const fs::path dir = broker->directory() / "gateway";
    fs::create_directories(dir);
    const fs::path data = dir / "data";
    const fs::path config = dir / "gateway.ini";
    std::uint16_t http_port = 0;
    const auto write_config = [&] {
        // The gateway config's first destination is "cloud": here the live MQTT one.
        http_port = ss::test::free_loopback_port();
        std::ofstream(config) << daemon_test::upload_gateway_config(
            gateway, data, http_port, mqtt_destination(broker->port()),
            "archive = " + daemon_test::http_destination(archive->port(0)) + "\n");
    };
    const auto live_records = [&] {
        std::uint64_t n = 0;
        for (const auto& [key, seqs] : deduplicate(consumer->messages()).records) n += seqs.size();
        return n;
    };
    // Both up, then the archive goes away: the live destination goes on.
    write_config();
    auto p = std::make_unique<Daemon>(std::vector<std::string>{"--config-file=" + config.string()}, dir / "output1");
    REQUIRE_MESSAGE(p->wait_for_output("t=", 10s), p->output());
    REQUIRE_MESSAGE(wait_for_more(*consumer, 0, 15s), p->output());
    std::this_thread::sleep_for(700ms);
    REQUIRE(archive->kill() != 0);
    std::this_thread::sleep_for(1500ms);
    // Killed with the archive's backlog on disk: each destination's cursor must survive it.
    p->signal(SIGKILL);
    REQUIRE(p->wait(10s) == 128 + SIGKILL);
    CHECK(fs::exists(data / "destinations" / "cloud.cursors"));
    CHECK(fs::exists(data / "destinations" / "archive.cursors"));
    wait_until_quiet(*consumer, 500ms, 10s);
    const std::uint64_t live_before = live_records();

    write_config();
    p = std::make_unique<Daemon>(std::vector<std::string>{"--config-file=" + config.string()}, dir / "output2");
    REQUIRE_MESSAGE(p->wait_for_output("t=", 10s), p->output());
    std::this_thread::sleep_for(2000ms);
    p->signal(SIGTERM);
    CHECK_MESSAGE(p->wait(30s) == 0, p->output());
    wait_until_quiet(*consumer, 500ms, 10s);
    const std::uint64_t live_mid = live_records();
    std::uint64_t kept = 0;
    for (const auto& [key, f] : daemon_test::read_upload_store(data)) kept += f.retained;
    MESSAGE("while the archive was away: the live consumer went from " << live_before << " to " << live_mid
                                                                       << " records; the store kept " << kept
                                                                       << " for the archive");
    CHECK(live_mid > live_before + 500); // it never waited for the archive
    CHECK(kept > 500);                   // the archive's records wait in the store

    // The archive comes back: it catches up and the store empties.
    REQUIRE(archive->restart().has_value());
    write_config();
    p = std::make_unique<Daemon>(std::vector<std::string>{"--config-file=" + config.string()}, dir / "output3");
    REQUIRE_MESSAGE(p->wait_for_output("t=", 10s), p->output());
    std::this_thread::sleep_for(3000ms);
    // Each destination's quarantine for the operator, by name; its figures in /metrics.
    const auto archive_held = ss::test::http_get("127.0.0.1", http_port, "/quarantine?destination=archive");
    REQUIRE(archive_held.has_value());
    CHECK(archive_held->status == 200);
    CHECK(archive_held->body == "[]\n");
    CHECK(ss::test::http_get("127.0.0.1", http_port, "/quarantine?destination=nowhere")->status == 404);
    const auto metrics = ss::test::http_get("127.0.0.1", http_port, "/metrics");
    REQUIRE(metrics.has_value());
    CHECK(metrics->body.find("sensor_storage_destination_records_acked_total{destination=\"archive\"}") != std::string::npos);
    CHECK(metrics->body.find("sensor_storage_destination_behind_records{destination=\"cloud\"}") != std::string::npos);
    p->signal(SIGTERM);
    CHECK_MESSAGE(p->wait(30s) == 0, p->output());
    wait_until_quiet(*consumer, 1s, 15s);
    const auto messages = consumer->messages();
    consumer.reset();
    CHECK(broker->stop() == 0);
    REQUIRE(archive->stop() == 0);

    const auto store = daemon_test::read_upload_store(data);
    const Deduplicated live = deduplicate(messages);
    const daemon_test::Accounting l =
        daemon_test::account(store, live.records, daemon_test::read_quarantine(data / "quarantine" / "cloud"));
    const daemon_test::Accounting a =
        daemon_test::account(store, daemon_test::received(archive->directory() / "records.sqlite", gateway),
                             daemon_test::read_quarantine(data / "quarantine" / "archive"));
    for (const auto* x : {&l, &a}) {
        MESSAGE(std::string(x == &l ? "live (MQTT)" : "archive (HTTP)")
                << ": numbered " << x->numbered << " = at the receiver " << x->at_receiver << " (each once) + still stored "
                << x->stored << " + quarantined " << x->quarantined << " + counted as dropped " << x->dropped
                << " + skipped in the kill " << x->skipped_in_kills);
        CHECK(x->beyond_next_seq == 0);
        CHECK(x->overcounted == 0);
        CHECK(x->quarantined == 0);
        CHECK(x->stored < 300); // the last run drained both backlogs
        CHECK(x->most_gap_runs <= 1); // one kill
        CHECK(x->at_receiver > 2000);
    }
}
