// The reference receiver (tools/ss_receiver.py) as the daemon tests run it: started on a free
// loopback port with its SQLite database in the server's temporary directory, the daemon's
// [destinations] entry that points at it, and what it holds, by sensor.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "daemon_accounting.hpp"
#include "support/http_receiver.hpp"
#include "support/local_server.hpp"

namespace daemon_test {

/// A [destinations] entry for the receiver: compact codec, two requests in flight of four batches.
inline std::string http_destination(std::uint16_t receiver_port) {
    return "{ kind = 'http', url = \"http://127.0.0.1:" + std::to_string(receiver_port) +
           "/ingest\", codec = 'compact', max_in_flight = 2, batches_per_request = 4, request_timeout = 2s }";
}

/// The receiver, started and answering.
inline std::unique_ptr<ss::test::LocalServer> start_receiver() {
    ss::test::LocalServerSpec spec;
    spec.program = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    spec.name = "ss-receiver";
    spec.prepare = [](const ss::test::LocalServer& s) -> std::expected<std::vector<std::string>, std::string> {
        return std::vector<std::string>{SS_RECEIVER_SCRIPT, "--port", std::to_string(s.port(0)), "--db",
                                        (s.directory() / "records.sqlite").string(), "--report", "0"};
    };
    spec.ready = ss::test::answers_http("/stats", 200);
    auto r = ss::test::LocalServer::start(std::move(spec));
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error()));
    return std::move(*r);
}

/// seq numbers per sensor in the receiver's database; every row must be of `gateway`.
inline daemon_test::SeqSets received(const std::filesystem::path& db_path, const std::string& gateway = "upload-gw") {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT gateway, source, sensor, seq FROM records", -1, &st, nullptr) == SQLITE_OK);
    daemon_test::SeqSets out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == gateway);
        const std::string source = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
        const auto sensor = static_cast<std::uint32_t>(sqlite3_column_int64(st, 2));
        out[{source, sensor}].insert(static_cast<std::uint64_t>(sqlite3_column_int64(st, 3)));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

} // namespace daemon_test
