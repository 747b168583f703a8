// A real InfluxDB for a test: Debian's influxd (1.6) with every directory (meta, data, WAL) in a
// temporary directory of its own, its HTTP API on a free loopback port and its RPC service,
// which binds 127.0.0.1:8088 by default, moved to a second free port, so tests running side by
// side do not collide; usage reporting, the _internal monitor database, pprof and the other
// listeners (graphite, collectd, opentsdb, udp, ifql; all off by default) stay off. Ready when
// GET /ping answers 204. Helpers create a database, write line protocol and query it back
// through the HTTP API, timestamps exact (epoch=ns, read from the JSON's number text).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/http_client.hpp"
#include "support/json_reader.hpp"
#include "support/local_server.hpp"

namespace ss::test {

class InfluxDbServer {
public:
    struct Options {
        std::chrono::milliseconds ready_timeout{15000};
    };

    /// One series of a query's result: its measurement, tags (with GROUP BY), column names and rows.
    struct Series {
        std::string name;
        std::map<std::string, std::string> tags;
        std::vector<std::string> columns;
        std::vector<std::vector<JsonValue>> rows;

        /// The index of a column; columns.size() when absent.
        std::size_t column(std::string_view column_name) const {
            std::size_t i = 0;
            while (i < columns.size() && columns[i] != column_name) ++i;
            return i;
        }
    };

    static std::expected<std::unique_ptr<InfluxDbServer>, std::string> start() { return start(Options{}); }

    static std::expected<std::unique_ptr<InfluxDbServer>, std::string> start(const Options& options) {
        LocalServerSpec spec;
        spec.program = "influxd";
        spec.port_count = 2; // HTTP API, RPC (backup and restore)
        spec.prepare = [](const LocalServer& server) -> std::expected<std::vector<std::string>, std::string> {
            const auto config_path = server.directory() / "influxdb.conf";
            if (auto written = write_config(server, config_path); !written) return std::unexpected(written.error());
            return std::vector<std::string>{"-config", config_path.string()};
        };
        spec.ready = answers_http("/ping", 204);
        spec.ready_timeout = options.ready_timeout;
        auto server = LocalServer::start(std::move(spec));
        if (!server) return std::unexpected(server.error());
        return std::unique_ptr<InfluxDbServer>(new InfluxDbServer(std::move(*server)));
    }

    /// The HTTP API's port.
    std::uint16_t port() const { return server_->port(0); }
    std::uint16_t rpc_port() const { return server_->port(1); }
    const std::filesystem::path& directory() const { return server_->directory(); }
    std::string log() const { return server_->log(); }
    std::string log_tail() const { return server_->log_tail(); }
    int stop() { return server_->stop(); }
    int kill() { return server_->kill(); }
    std::expected<void, std::string> restart() { return server_->restart(); }

    std::expected<void, std::string> create_database(std::string_view name) const {
        auto results = run_query("POST", {}, "CREATE DATABASE \"" + std::string(name) + "\"");
        if (!results) return std::unexpected(results.error());
        return {};
    }

    /// Writes line protocol (one point per line) to database; precision is "ns", "u", "ms" or "s".
    /// Succeeds on 204, as an uploader's acknowledgement would.
    std::expected<void, std::string> write(std::string_view database, std::string_view line_protocol,
                                           std::string_view precision = "ns") const {
        const std::string target = "/write?db=" + url_encode(database) + "&precision=" + std::string(precision);
        auto response = http_request("127.0.0.1", port(), "POST", target, line_protocol, std::chrono::seconds(30));
        if (!response) return std::unexpected("write: " + response.error());
        if (response->status != 204)
            return std::unexpected("write: HTTP " + std::to_string(response->status) + ": " + response->body);
        return {};
    }

    /// Runs InfluxQL against database, times as integer nanoseconds since the epoch; the series
    /// of every statement's result. An error InfluxDB reports (bad syntax, no such database) is
    /// an error here.
    std::expected<std::vector<Series>, std::string> query(std::string_view database, std::string_view influxql) const {
        return run_query("GET", database, influxql);
    }

private:
    explicit InfluxDbServer(std::unique_ptr<LocalServer> server) : server_(std::move(server)) {}

    static std::expected<void, std::string> write_config(const LocalServer& server, const std::filesystem::path& path) {
        const std::string dir = server.directory().string();
        std::ofstream config(path);
        config << "reporting-enabled = false\n"
               << "bind-address = \"127.0.0.1:" << server.port(1) << "\"\n"
               << "[meta]\n  dir = \"" << dir << "/meta\"\n"
               << "[data]\n  dir = \"" << dir << "/data\"\n  wal-dir = \"" << dir << "/wal\"\n  query-log-enabled = false\n"
               << "[monitor]\n  store-enabled = false\n"
               << "[http]\n  enabled = true\n  bind-address = \"127.0.0.1:" << server.port(0) << "\"\n"
               << "  log-enabled = false\n  pprof-enabled = false\n  unix-socket-enabled = false\n"
               << "[ifql]\n  enabled = false\n"
               << "[logging]\n  suppress-logo = true\n";
        config.close();
        if (!config) return std::unexpected("cannot write " + path.string());
        return {};
    }

    std::expected<std::vector<Series>, std::string> run_query(std::string_view method, std::string_view database,
                                                              std::string_view influxql) const {
        std::string target = "/query?epoch=ns&q=" + url_encode(influxql);
        if (!database.empty()) target += "&db=" + url_encode(database);
        const std::string what = "query " + std::string(influxql);
        auto response = http_request("127.0.0.1", port(), method, target, {}, std::chrono::seconds(30));
        if (!response) return std::unexpected(what + ": " + response.error());
        auto document = parse_json(response->body);
        if (!document) return std::unexpected(what + ": not JSON (" + document.error() + "): " + response->body);
        if (const JsonValue* error = document->find("error"); error != nullptr || response->status != 200)
            return std::unexpected(what + ": HTTP " + std::to_string(response->status) + ": " + response->body);
        const JsonValue* results = document->find("results");
        if (results == nullptr) return std::unexpected(what + ": no results: " + response->body);
        std::vector<Series> all;
        for (const JsonValue& result : results->items) {
            if (const JsonValue* error = result.find("error"); error != nullptr)
                return std::unexpected(what + ": " + error->string);
            const JsonValue* series_list = result.find("series");
            if (series_list == nullptr) continue;
            for (const JsonValue& s : series_list->items) {
                Series series;
                if (const JsonValue* name = s.find("name")) series.name = name->string;
                if (const JsonValue* tags = s.find("tags"))
                    for (std::size_t i = 0; i < tags->keys.size(); ++i) series.tags[tags->keys[i]] = tags->items[i].string;
                if (const JsonValue* columns = s.find("columns"))
                    for (const JsonValue& c : columns->items) series.columns.push_back(c.string);
                if (const JsonValue* values = s.find("values"))
                    for (const JsonValue& row : values->items) series.rows.push_back(row.items);
                all.push_back(std::move(series));
            }
        }
        return all;
    }

    std::unique_ptr<LocalServer> server_;
};

} // namespace ss::test
