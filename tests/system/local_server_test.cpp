// The launcher every real-server test stands on (tests/support/local_server.hpp), on its failure
// paths, which the server tests do not reach: a server that dies at start is reported with its
// output, one that never gets ready is stopped and reported, and neither leaves its directory.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "support/local_server.hpp"

using namespace std::chrono_literals;

TEST_CASE("a server that exits before it is ready is reported with its exit status and its output") {
    std::filesystem::path directory;
    ss::test::LocalServerSpec spec;
    spec.program = "mosquitto";
    spec.prepare = [&](const ss::test::LocalServer& server) -> std::expected<std::vector<std::string>, std::string> {
        directory = server.directory();
        return std::vector<std::string>{"-c", (server.directory() / "missing.conf").string()};
    };
    spec.ready = ss::test::accepts_tcp_on_every_port();
    auto server = ss::test::LocalServer::start(std::move(spec));
    REQUIRE_FALSE(server.has_value());
    CHECK_MESSAGE(server.error().find("mosquitto exited with status") != std::string::npos, server.error());
    CHECK_MESSAGE(server.error().find("missing.conf") != std::string::npos, server.error()); // mosquitto's own words
    CHECK_FALSE(directory.empty());
    CHECK_FALSE(std::filesystem::exists(directory));
}

TEST_CASE("a server that is not ready in time is stopped and reported, and its directory goes") {
    std::filesystem::path directory;
    ss::test::LocalServerSpec spec;
    spec.program = "sleep";
    spec.name = "never-ready";
    spec.prepare = [&](const ss::test::LocalServer& server) -> std::expected<std::vector<std::string>, std::string> {
        directory = server.directory();
        return std::vector<std::string>{"30"};
    };
    spec.ready = ss::test::accepts_tcp_on_every_port(); // sleep listens on nothing
    spec.ready_timeout = 300ms;
    const auto started = std::chrono::steady_clock::now();
    auto server = ss::test::LocalServer::start(std::move(spec));
    REQUIRE_FALSE(server.has_value());
    CHECK_MESSAGE(server.error().find("never-ready was not ready within 300 ms") != std::string::npos, server.error());
    CHECK(std::chrono::steady_clock::now() - started < 5s); // SIGTERM ended it, not the 30 s
    CHECK(directory.filename().string().starts_with("ss-never-ready-"));
    CHECK_FALSE(std::filesystem::exists(directory));
}

TEST_CASE("a program that is not installed is named in the error") {
    ss::test::LocalServerSpec spec;
    spec.program = "ss-no-such-server";
    auto server = ss::test::LocalServer::start(std::move(spec));
    REQUIRE_FALSE(server.has_value());
    CHECK(server.error().find("ss-no-such-server is not on PATH") != std::string::npos);
}
