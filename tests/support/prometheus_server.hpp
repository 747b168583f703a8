// A real Prometheus server for a test: `prometheus` from PATH, started on a free loopback port
// in a temporary directory of its own (config, TSDB, log), scraping the given endpoints at a
// short interval; queried through its HTTP API; stopped with SIGTERM and its directory removed
// when the object goes. For tests that must know a scraper accepts what an endpoint serves,
// not just that the text looks right: the endpoint's tests and the daemon's integration test.
// The process, port and directory handling is LocalServer's (local_server.hpp).
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/json_reader.hpp"
#include "support/local_server.hpp"

namespace ss::test {

class PrometheusServer {
public:
    struct Options {
        std::vector<std::string> targets;    ///< "host:port" of each endpoint to scrape
        std::string job = "sensor_storage";  ///< the job label of what it scrapes
        std::string metrics_path = "/metrics";
        std::chrono::milliseconds scrape_interval{1000};
        std::chrono::milliseconds ready_timeout{15000}; ///< for it to answer /-/ready
    };

    /// One series of a query's instant vector.
    struct Sample {
        std::map<std::string, std::string> labels; ///< __name__ included when the result has one
        double value = 0.0;
    };

    /// Starts the server and waits until it is ready. The error carries its log.
    static std::expected<std::unique_ptr<PrometheusServer>, std::string> start(const Options& options) {
        LocalServerSpec spec;
        spec.program = "prometheus";
        spec.prepare = [options](const LocalServer& server) -> std::expected<std::vector<std::string>, std::string> {
            if (auto written = write_config(options, server.directory() / "prometheus.yml"); !written)
                return std::unexpected(written.error());
            return std::vector<std::string>{"--config.file=" + (server.directory() / "prometheus.yml").string(),
                                            "--storage.tsdb.path=" + (server.directory() / "data").string(),
                                            "--web.listen-address=127.0.0.1:" + std::to_string(server.port())};
        };
        spec.ready = answers_http("/-/ready", 200);
        spec.ready_timeout = options.ready_timeout;
        auto server = LocalServer::start(std::move(spec));
        if (!server) return std::unexpected(server.error());
        return std::unique_ptr<PrometheusServer>(new PrometheusServer(options, std::move(*server)));
    }

    std::uint16_t port() const { return server_->port(); }
    const std::filesystem::path& directory() const noexcept { return server_->directory(); }

    /// What the server has logged so far.
    std::string log() const { return server_->log(); }

    /// Evaluates promql now; the series of its instant vector.
    std::expected<std::vector<Sample>, std::string> query(std::string_view promql) const {
        auto response = http_get("127.0.0.1", port(), "/api/v1/query?query=" + url_encode(promql));
        if (!response) return std::unexpected("query " + std::string(promql) + ": " + response.error());
        auto document = parse_json(response->body);
        if (!document) return std::unexpected("query " + std::string(promql) + ": not JSON (" + document.error() + "): " + response->body);
        const JsonValue* status = document->find("status");
        const JsonValue* data = document->find("data");
        if (response->status != 200 || status == nullptr || status->string != "success" || data == nullptr)
            return std::unexpected("query " + std::string(promql) + " failed: HTTP " + std::to_string(response->status) + ": " + response->body);
        const JsonValue* type = data->find("resultType");
        const JsonValue* result = data->find("result");
        if (type == nullptr || type->string != "vector" || result == nullptr)
            return std::unexpected("query " + std::string(promql) + ": not an instant vector: " + response->body);
        std::vector<Sample> samples;
        for (const JsonValue& series : result->items) {
            const JsonValue* metric = series.find("metric");
            const JsonValue* value = series.find("value");
            if (metric == nullptr || value == nullptr || value->items.size() != 2)
                return std::unexpected("query " + std::string(promql) + ": unexpected series shape: " + response->body);
            Sample s;
            for (std::size_t i = 0; i < metric->keys.size(); ++i) s.labels[metric->keys[i]] = metric->items[i].string;
            std::string_view text = value->items[1].string;
            if (text.starts_with('+')) text.remove_prefix(1); // "+Inf"
            const auto r = std::from_chars(text.data(), text.data() + text.size(), s.value);
            if (r.ec != std::errc()) return std::unexpected("query " + std::string(promql) + ": bad value " + std::string(text));
            samples.push_back(std::move(s));
        }
        return samples;
    }

    /// Waits until every target has been scraped successfully (up == 1). The error says what
    /// Prometheus reported for the targets.
    std::expected<void, std::string> wait_for_scrape(std::chrono::milliseconds timeout) const {
        const std::string up = "up{job=\"" + options_.job + "\"}";
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::string last;
        while (std::chrono::steady_clock::now() < deadline) {
            auto samples = query(up);
            if (samples) {
                std::size_t healthy = 0;
                for (const auto& s : *samples) healthy += s.value == 1.0;
                if (healthy == options_.targets.size()) return {};
                last = std::to_string(healthy) + " of " + std::to_string(options_.targets.size()) + " targets up";
            } else
                last = samples.error();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        auto targets = http_get("127.0.0.1", port(), "/api/v1/targets");
        return std::unexpected("no successful scrape within " + std::to_string(timeout.count()) + " ms (" + last +
                               "); targets: " + (targets ? targets->body : targets.error()));
    }

    /// SIGTERM, waits for it to end (SIGKILL after 10 s). Its exit status; the same on later calls.
    int stop() { return server_->stop(); }

private:
    PrometheusServer(Options options, std::unique_ptr<LocalServer> server)
        : options_(std::move(options)), server_(std::move(server)) {}

    static std::string duration_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

    static std::expected<void, std::string> write_config(const Options& options, const std::filesystem::path& path) {
        std::ofstream config(path);
        config << "global:\n"
               << "  scrape_interval: " << duration_text(options.scrape_interval) << "\n"
               << "  scrape_timeout: " << duration_text(options.scrape_interval) << "\n"
               << "  evaluation_interval: " << duration_text(options.scrape_interval) << "\n"
               << "scrape_configs:\n"
               << "  - job_name: \"" << options.job << "\"\n"
               << "    metrics_path: \"" << options.metrics_path << "\"\n"
               << "    static_configs:\n"
               << "      - targets:\n";
        for (const auto& t : options.targets) config << "          - \"" << t << "\"\n";
        config.close();
        if (!config) return std::unexpected("cannot write " + path.string());
        return {};
    }

    Options options_;
    std::unique_ptr<LocalServer> server_;
};

} // namespace ss::test
