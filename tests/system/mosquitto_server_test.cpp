// The MQTT broker launcher (tests/support/mosquitto_server.hpp) against the real mosquitto, with
// Debian's own clients (mosquitto_pub, mosquitto_sub) on the other side: messages go through,
// a persistent session's queue survives a SIGKILL and a restart on the same port, a password
// file keeps strangers out, and the TLS listener is reached only by a client trusting its CA.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "support/mosquitto_server.hpp"

namespace {

using namespace std::chrono_literals;

/// Runs mosquitto_pub or mosquitto_sub against the broker's plain port (or the arguments' own
/// -p); its exit status and output.
ss::test::CompletedRun run_client(ss::test::MosquittoServer& broker, const char* program, std::vector<std::string> args) {
    const auto binary = ss::test::find_on_path(program);
    REQUIRE_MESSAGE(!binary.empty(), program << " is not on PATH (package mosquitto-clients)");
    args.insert(args.begin(), {"-h", "127.0.0.1"});
    bool has_port = false;
    for (const auto& a : args) has_port |= a == "-p";
    if (!has_port) args.insert(args.end(), {"-p", std::to_string(broker.port())});
    auto run = ss::test::run_to_completion(binary, args, {}, broker.directory() / "client.out", 15s);
    REQUIRE_MESSAGE(run.has_value(), (run ? std::string() : run.error()) << "\nbroker log:\n" << broker.log_tail());
    return *run;
}

std::unique_ptr<ss::test::MosquittoServer> start_broker(const ss::test::MosquittoServer::Options& options) {
    auto broker = ss::test::MosquittoServer::start(options);
    REQUIRE_MESSAGE(broker.has_value(), (broker ? std::string() : broker.error()));
    return std::move(*broker);
}

} // namespace

TEST_CASE("a QoS 1 message published with mosquitto_pub reaches a mosquitto_sub subscriber") {
    auto broker = start_broker({});
    const auto directory = broker->directory();
    CHECK(std::filesystem::exists(directory / "mosquitto.conf"));
    // Retained, so the subscriber that connects afterwards is sure to get it.
    auto published = run_client(*broker, "mosquitto_pub", {"-q", "1", "-r", "-t", "ss/test/retained", "-m", "first batch"});
    REQUIRE_MESSAGE(published.status == 0, published.output);
    auto received = run_client(*broker, "mosquitto_sub", {"-q", "1", "-t", "ss/test/retained", "-C", "1", "-W", "5"});
    CHECK_MESSAGE(received.status == 0, received.output);
    CHECK(received.output == "first batch\n");
    CHECK(broker->stop() == 0);
    broker.reset();
    CHECK_FALSE(std::filesystem::exists(directory));
}

TEST_CASE("a message queued for an offline persistent subscriber survives a SIGKILL of the broker and a restart") {
    auto broker = start_broker({});
    const auto port = broker->port();
    // A persistent session (-c, a fixed client id) subscribes at QoS 1 and goes away.
    auto subscribed = run_client(*broker, "mosquitto_sub", {"-c", "-i", "ss-offline-sub", "-q", "1", "-t", "ss/test/queued", "-E"});
    REQUIRE_MESSAGE(subscribed.status == 0, subscribed.output);
    auto published = run_client(*broker, "mosquitto_pub", {"-q", "1", "-t", "ss/test/queued", "-m", "batch 7"});
    REQUIRE_MESSAGE(published.status == 0, published.output);
    // PUBACK does not wait for the save: a SIGKILL right after it could lose the message. The
    // test waits for the save, which is what it means to test the restart, not the race.
    REQUIRE_MESSAGE(broker->wait_until_persisted("batch 7", 5s), broker->log_tail());

    CHECK(broker->kill() == 128 + SIGKILL);
    const auto restarted = broker->restart();
    REQUIRE_MESSAGE(restarted.has_value(), (restarted ? std::string() : restarted.error()));
    CHECK(broker->port() == port);

    auto received = run_client(*broker, "mosquitto_sub", {"-c", "-i", "ss-offline-sub", "-q", "1", "-t", "ss/test/queued", "-C", "1", "-W", "5"});
    CHECK_MESSAGE(received.status == 0, received.output << "\nbroker log:\n" << broker->log_tail());
    CHECK(received.output == "batch 7\n");
    // The log covers both runs.
    CHECK(broker->log().find("mosquitto version") != broker->log().rfind("mosquitto version"));
}

TEST_CASE("with a password file, an anonymous client is refused and the configured user gets through") {
    ss::test::MosquittoServer::Options options;
    options.username = "gateway-7";
    options.password = "s3cret pass";
    auto broker = start_broker(options);
    auto anonymous = run_client(*broker, "mosquitto_pub", {"-q", "1", "-t", "ss/test/auth", "-m", "x"});
    CHECK(anonymous.status != 0);
    auto wrong = run_client(*broker, "mosquitto_pub", {"-u", "gateway-7", "-P", "wrong", "-q", "1", "-t", "ss/test/auth", "-m", "x"});
    CHECK(wrong.status != 0);
    auto right = run_client(*broker, "mosquitto_pub", {"-u", "gateway-7", "-P", "s3cret pass", "-q", "1", "-r", "-t", "ss/test/auth", "-m", "y"});
    CHECK_MESSAGE(right.status == 0, right.output);
    auto received = run_client(*broker, "mosquitto_sub", {"-u", "gateway-7", "-P", "s3cret pass", "-t", "ss/test/auth", "-C", "1", "-W", "5"});
    CHECK(received.output == "y\n");
}

TEST_CASE("the TLS listener serves a client that trusts the test CA and is refused by one that trusts another CA") {
    ss::test::MosquittoServer::Options options;
    options.tls_listener = true;
    auto broker = start_broker(options);
    const std::string tls_port = std::to_string(broker->tls_port());
    const auto& pki = broker->pki();
    auto trusted = run_client(*broker, "mosquitto_pub", {"-p", tls_port, "--cafile", pki.ca_cert.string(), "-q", "1", "-r",
                                                         "-t", "ss/test/tls", "-m", "over tls"});
    CHECK_MESSAGE(trusted.status == 0, trusted.output << "\nbroker log:\n" << broker->log_tail());
    auto wrong_ca = run_client(*broker, "mosquitto_pub", {"-p", tls_port, "--cafile", pki.wrong_ca_cert.string(), "-q", "1",
                                                          "-t", "ss/test/tls", "-m", "must not arrive"});
    CHECK(wrong_ca.status != 0);
    // Plain MQTT on the TLS port is no way round it either.
    auto plain = run_client(*broker, "mosquitto_pub", {"-p", tls_port, "-q", "1", "-t", "ss/test/tls", "-m", "in clear"});
    CHECK(plain.status != 0);
    auto received = run_client(*broker, "mosquitto_sub", {"-t", "ss/test/tls", "-C", "1", "-W", "5"});
    CHECK(received.output == "over tls\n");
}
