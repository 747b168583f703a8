// The endpoint over real sockets: /metrics and /health as a scraper and a probe see them, 404,
// 405, HEAD, a provider that throws, binding errors (a port in use above all), stop and
// restart, an idle client cut off, and the connection limit holding a client back.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/health_json.hpp"
#include "daemon/http_endpoint.hpp"
#include "daemon/metrics_text.hpp"
#include "daemon/quarantine_command.hpp"
#include "daemon/sample_snapshot.hpp"
#include "support/http_client.hpp"
#include "support/json_reader.hpp"

using ss::daemon::HttpEndpoint;
using ss::daemon::HttpEndpointConfig;
using ss::test::http_get;
using ss::test::http_request;

namespace {

HttpEndpointConfig loopback_any_port() {
    HttpEndpointConfig c;
    c.address = "127.0.0.1";
    c.port = 0;
    return c;
}

/// A provider whose snapshot the test changes between requests. The lock is for the memory
/// model: the endpoint's thread reads it, and a socket round trip is no synchronisation a race
/// detector can see.
struct SnapshotSource {
    std::atomic<int> calls{0};
    std::atomic<bool> fail{false};

    ss::daemon::SnapshotProvider provider() {
        return [this] {
            ++calls;
            if (fail) throw std::runtime_error("the runtime did not answer");
            std::lock_guard lock(mutex_);
            return snapshot_;
        };
    }
    ss::actors::RuntimeSnapshot snapshot() const {
        std::lock_guard lock(mutex_);
        return snapshot_;
    }
    void degrade(std::string problem) {
        std::lock_guard lock(mutex_);
        snapshot_.healthy = false;
        snapshot_.problems = {std::move(problem)};
    }

private:
    mutable std::mutex mutex_;
    ss::actors::RuntimeSnapshot snapshot_ = ss::test::sample_snapshot(3);
};

} // namespace

TEST_CASE("GET /metrics and /health; 404, 405 and HEAD") {
    SnapshotSource source;
    std::vector<std::string> logged;
    HttpEndpoint endpoint(loopback_any_port(), source.provider(), [&](std::string_view m) { logged.emplace_back(m); });
    const auto started = endpoint.start();
    REQUIRE_MESSAGE(started.has_value(), (started ? std::string() : started.error()));
    REQUIRE(endpoint.running());
    const std::uint16_t port = endpoint.port();
    REQUIRE(port != 0);

    SUBCASE("/metrics is the rendered snapshot, as the text format's content type") {
        const auto r = http_get("127.0.0.1", port, "/metrics");
        REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error()));
        CHECK(r->status == 200);
        CHECK(r->header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
        CHECK(r->body == ss::daemon::render_metrics(source.snapshot(), 1000));
        CHECK(source.calls == 1);
        const auto with_query = http_get("127.0.0.1", port, "/metrics?name[]=x");
        REQUIRE(with_query.has_value());
        CHECK(with_query->status == 200);
    }
    SUBCASE("/health answers 200 while healthy and 503 when degraded") {
        auto r = http_get("127.0.0.1", port, "/health");
        REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error()));
        CHECK(r->status == 200);
        CHECK(r->header("content-type") == "application/json");
        CHECK(r->body == ss::daemon::render_health_json(source.snapshot()));
        auto doc = ss::test::parse_json(r->body);
        REQUIRE(doc.has_value());
        CHECK(doc->find("status")->string == "ok");

        source.degrade("uploader stopped");
        r = http_get("127.0.0.1", port, "/health");
        REQUIRE(r.has_value());
        CHECK(r->status == 503);
        doc = ss::test::parse_json(r->body);
        REQUIRE(doc.has_value());
        CHECK(doc->find("status")->string == "degraded");
        CHECK(doc->find("problems")->items.at(0).string == "uploader stopped");
    }
    SUBCASE("another path is 404 and takes no snapshot") {
        for (const char* path : {"/", "/metrics/", "/healthz", "/favicon.ico"}) {
            CAPTURE(path);
            const auto r = http_get("127.0.0.1", port, path);
            REQUIRE(r.has_value());
            CHECK(r->status == 404);
        }
        CHECK(source.calls == 0);
    }
    SUBCASE("a method other than GET or HEAD is 405 with Allow, even with a body") {
        const auto post = http_request("127.0.0.1", port, "POST", "/metrics", "a=1&b=2");
        REQUIRE_MESSAGE(post.has_value(), (post ? std::string() : post.error()));
        CHECK(post->status == 405);
        CHECK(post->header("allow") == "GET, HEAD");
        for (const char* method : {"PUT", "DELETE", "OPTIONS"}) {
            CAPTURE(method);
            const auto r = http_request("127.0.0.1", port, method, "/health");
            REQUIRE(r.has_value());
            CHECK(r->status == 405);
        }
        CHECK(source.calls == 0);
        // The endpoint still serves after a refused body.
        const auto r = http_get("127.0.0.1", port, "/health");
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
    }
    SUBCASE("HEAD gets the headers of GET and no body") {
        const auto r = http_request("127.0.0.1", port, "HEAD", "/metrics");
        REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error()));
        CHECK(r->status == 200);
        CHECK(r->header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
        CHECK(r->body.empty());
    }
    SUBCASE("a provider that throws gives 500, is logged, and the next request is served") {
        source.fail = true;
        auto r = http_get("127.0.0.1", port, "/metrics");
        REQUIRE(r.has_value());
        CHECK(r->status == 500);
        CHECK(r->body.find("the runtime did not answer") == std::string::npos); // no internals to the network
        source.fail = false;
        r = http_get("127.0.0.1", port, "/metrics");
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        endpoint.stop(); // the log is written on the endpoint's thread
        CHECK(std::find(logged.begin(), logged.end(), "HTTP /metrics failed: the runtime did not answer") != logged.end());
    }
    endpoint.stop();
    CHECK_FALSE(endpoint.running());
    CHECK(endpoint.port() == 0);
}

TEST_CASE("a port in use is a clear error, and the endpoint holding it keeps serving") {
    SnapshotSource source;
    HttpEndpoint first(loopback_any_port(), source.provider());
    REQUIRE(first.start().has_value());
    HttpEndpointConfig same = loopback_any_port();
    same.port = first.port();
    HttpEndpoint second(same, source.provider());
    const auto refused = second.start();
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error() == "cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                                 ": the port is in use (another process listens on it)");
    CHECK_FALSE(second.running());
    CHECK(second.port() == 0);
    const auto r = http_get("127.0.0.1", first.port(), "/health");
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
}

TEST_CASE("bad configuration is refused with a reason") {
    SnapshotSource source;
    SUBCASE("not an address literal") {
        for (const char* address : {"localhost", "256.0.0.1", "127.0.0.1:80", "", "[127.0.0.1]x"}) {
            CAPTURE(address);
            HttpEndpointConfig c = loopback_any_port();
            c.address = address;
            HttpEndpoint e(c, source.provider());
            const auto r = e.start();
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error() == "the HTTP address '" + std::string(address) + "' is not an IPv4 or IPv6 address literal");
        }
    }
    SUBCASE("an address this host does not have") {
        HttpEndpointConfig c = loopback_any_port();
        c.address = "192.0.2.1"; // TEST-NET-1, never local
        HttpEndpoint e(c, source.provider());
        const auto r = e.start();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == "cannot listen on 192.0.2.1:0: the address is not one of this host's");
    }
    SUBCASE("no provider, no connections, no timeout") {
        HttpEndpoint no_provider(loopback_any_port(), {});
        CHECK(no_provider.start().error() == "the HTTP endpoint has no snapshot provider");
        HttpEndpointConfig c = loopback_any_port();
        c.max_connections = 0;
        CHECK(HttpEndpoint(c, source.provider()).start().error() == "the HTTP max_connections must be at least 1");
        c = loopback_any_port();
        c.idle_timeout = std::chrono::seconds(0);
        CHECK(HttpEndpoint(c, source.provider()).start().error() == "the HTTP idle_timeout must be at least 1 s");
    }
    SUBCASE("start twice") {
        HttpEndpoint e(loopback_any_port(), source.provider());
        REQUIRE(e.start().has_value());
        const auto again = e.start();
        REQUIRE_FALSE(again.has_value());
        CHECK(again.error() == "the HTTP endpoint already listens on port " + std::to_string(e.port()));
        CHECK(e.running());
    }
}

TEST_CASE("stop closes the socket; start serves again") {
    SnapshotSource source;
    HttpEndpoint endpoint(loopback_any_port(), source.provider());
    REQUIRE(endpoint.start().has_value());
    const std::uint16_t port = endpoint.port();
    endpoint.stop();
    endpoint.stop(); // a second stop is harmless
    const auto refused = ss::test::TcpConnection::open("127.0.0.1", port, std::chrono::seconds(2));
    CHECK_FALSE(refused.has_value());

    HttpEndpointConfig same = loopback_any_port();
    same.port = port;
    HttpEndpoint again(same, source.provider());
    const auto restarted = again.start(); // the port is free again at once (SO_REUSEADDR)
    REQUIRE_MESSAGE(restarted.has_value(), (restarted ? std::string() : restarted.error()));
    CHECK(again.port() == port);
    const auto r = http_get("127.0.0.1", port, "/metrics");
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
}

TEST_CASE("IPv6 loopback, when the host has it") {
    SnapshotSource source;
    HttpEndpointConfig c = loopback_any_port();
    c.address = "[::1]";
    HttpEndpoint endpoint(c, source.provider());
    const auto started = endpoint.start();
    if (!started) {
        // A container without IPv6 refuses ::1; that must still be a clear error.
        MESSAGE("no IPv6 here: " << started.error());
        CHECK(started.error().starts_with("cannot "));
        return;
    }
    const auto r = http_get("::1", endpoint.port(), "/health");
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error()));
    CHECK(r->status == 200);
}

TEST_CASE("an idle connection is closed after idle_timeout") {
    SnapshotSource source;
    HttpEndpointConfig c = loopback_any_port();
    c.idle_timeout = std::chrono::seconds(1);
    HttpEndpoint endpoint(c, source.provider());
    REQUIRE(endpoint.start().has_value());
    auto idle = ss::test::TcpConnection::open("127.0.0.1", endpoint.port(), std::chrono::seconds(5));
    REQUIRE(idle.has_value());
    const auto start = std::chrono::steady_clock::now();
    const auto rest = idle->receive_until_closed(); // nothing sent: the server must hang up
    const auto waited = std::chrono::steady_clock::now() - start;
    REQUIRE_MESSAGE(rest.has_value(), (rest ? std::string() : rest.error()));
    CHECK(rest->empty());
    CHECK(waited >= std::chrono::milliseconds(500));
    CHECK(waited < std::chrono::seconds(4));
}

TEST_CASE("past max_connections a client waits until a connection is free") {
    SnapshotSource source;
    HttpEndpointConfig c = loopback_any_port();
    c.max_connections = 2;
    c.idle_timeout = std::chrono::seconds(1);
    HttpEndpoint endpoint(c, source.provider());
    REQUIRE(endpoint.start().has_value());
    auto idle1 = ss::test::TcpConnection::open("127.0.0.1", endpoint.port(), std::chrono::seconds(5));
    auto idle2 = ss::test::TcpConnection::open("127.0.0.1", endpoint.port(), std::chrono::seconds(5));
    REQUIRE(idle1.has_value());
    REQUIRE(idle2.has_value());
    // Give the endpoint's thread time to accept both before the third client arrives.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto start = std::chrono::steady_clock::now();
    const auto r = http_get("127.0.0.1", endpoint.port(), "/health");
    const auto waited = std::chrono::steady_clock::now() - start;
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error()));
    CHECK(r->status == 200);
    // Served only once the idle two were cut off, not refused and not served beside them.
    CHECK(waited >= std::chrono::milliseconds(500));
}

TEST_CASE("the operator's quarantine commands: list, release, drop; bad requests refused") {
    char tmpl[] = "/tmp/ss-endpoint-quarantine-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    {
        ss::hal::Quarantine q(tmpl);
        std::vector<std::byte> records(3 * 4, std::byte{7});
        REQUIRE(q.put(ss::hal::UploadBatch{SS_SOURCE_APP, 9, ss::RecordType::ts, 40, 3, records.data()}, 400, 5) == 0);
        REQUIRE(q.put(ss::hal::UploadBatch{SS_SOURCE_CAN, 2, ss::RecordType::ts, 0, 2, records.data()}, 422, 6) == 0);
        SnapshotSource source;
        std::string asked_destination = "(none)";
        HttpEndpoint endpoint(loopback_any_port(), source.provider(), {},
                              [&](std::string_view action, std::string_view file, std::string_view destination) {
                                  asked_destination = destination;
                                  return ss::daemon::run_quarantine_command(q, action, file);
                              });
        REQUIRE(endpoint.start().has_value());
        const std::uint16_t port = endpoint.port();

        auto list = http_get("127.0.0.1", port, "/quarantine");
        REQUIRE(list.has_value());
        CHECK(list->status == 200);
        auto doc = ss::test::parse_json(list->body);
        REQUIRE(doc.has_value());
        REQUIRE(doc->items.size() == 2);
        CHECK(list->body.find(R"("file":"app-9-40-3.qb","source":"app","sensor":9,"type":"ts","first_seq":40,"count":3,"reason":400)") !=
              std::string::npos);
        CHECK(asked_destination.empty()); // no ?destination: the first (or only) destination's
        // With several destinations, ?destination=NAME picks that one's quarantine.
        REQUIRE(http_get("127.0.0.1", port, "/quarantine?destination=archive")->status == 200);
        CHECK(asked_destination == "archive");

        auto released = http_request("127.0.0.1", port, "POST", "/quarantine/release?file=app-9-40-3.qb");
        REQUIRE(released.has_value());
        CHECK(released->status == 200);
        CHECK(q.entries().front().released);
        // Released already, or unknown: 404, nothing changed.
        CHECK(http_request("127.0.0.1", port, "POST", "/quarantine/release?file=app-9-40-3.qb")->status == 404);
        CHECK(http_request("127.0.0.1", port, "POST", "/quarantine/drop?file=nope.qb")->status == 404);
        auto dropped = http_request("127.0.0.1", port, "POST", "/quarantine/drop?file=can-2-0-2.qb");
        REQUIRE(dropped.has_value());
        CHECK(dropped->status == 200);
        CHECK(q.stats().dropped_records == 2);
        CHECK(q.entries().size() == 1);
        // Wrong method, no file.
        CHECK(http_request("127.0.0.1", port, "GET", "/quarantine/release?file=x")->status == 405);
        CHECK(http_request("127.0.0.1", port, "POST", "/quarantine")->status == 405);
        CHECK(http_request("127.0.0.1", port, "POST", "/quarantine/drop")->status == 400);
        endpoint.stop();
    }
    SnapshotSource source;
    HttpEndpoint none(loopback_any_port(), source.provider());
    REQUIRE(none.start().has_value());
    CHECK(http_get("127.0.0.1", none.port(), "/quarantine")->status == 404);
    std::filesystem::remove_all(tmpl);
}
