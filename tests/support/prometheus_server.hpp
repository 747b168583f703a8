// A real Prometheus server for a test: `prometheus` from PATH, started on a free loopback port
// in a temporary directory of its own (config, TSDB, log), scraping the given endpoints at a
// short interval; queried through its HTTP API; stopped with SIGTERM and its directory removed
// when the object goes. For tests that must know a scraper accepts what an endpoint serves,
// not just that the text looks right: the endpoint's tests and the daemon's integration test.
#pragma once

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/free_port.hpp"
#include "support/http_client.hpp"
#include "support/json_reader.hpp"

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
        const std::filesystem::path binary = find_on_path("prometheus");
        if (binary.empty()) return std::unexpected(std::string("prometheus is not on PATH (scripts/install-deps.sh installs it)"));
        auto directory = make_temp_directory();
        if (!directory) return std::unexpected(directory.error());
        std::unique_ptr<PrometheusServer> server(new PrometheusServer(options, *directory));
        if (auto written = server->write_config(); !written) return std::unexpected(written.error());

        // The port was free a moment ago; if someone took it since, try another.
        std::string last_error;
        for (int attempt = 0; attempt < 3; ++attempt) {
            auto started = server->launch(binary);
            if (started) return server;
            last_error = started.error();
            if (last_error.find("address already in use") == std::string::npos) break;
        }
        return std::unexpected(last_error);
    }

    ~PrometheusServer() {
        stop();
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    PrometheusServer(const PrometheusServer&) = delete;
    PrometheusServer& operator=(const PrometheusServer&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    const std::filesystem::path& directory() const noexcept { return directory_; }

    /// What the server has logged so far.
    std::string log() const { return read_text_file(log_path()); }

    /// Evaluates promql now; the series of its instant vector.
    std::expected<std::vector<Sample>, std::string> query(std::string_view promql) const {
        auto response = http_get("127.0.0.1", port_, "/api/v1/query?query=" + url_encode(promql));
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
        auto targets = http_get("127.0.0.1", port_, "/api/v1/targets");
        return std::unexpected("no successful scrape within " + std::to_string(timeout.count()) + " ms (" + last +
                               "); targets: " + (targets ? targets->body : targets.error()));
    }

    /// SIGTERM, waits for it to end (SIGKILL after 10 s). Its exit status; the same on later calls.
    int stop() {
        if (!process_) return stopped_status_;
        stopped_status_ = process_->terminate(std::chrono::seconds(10));
        process_.reset();
        return stopped_status_;
    }

private:
    PrometheusServer(Options options, std::filesystem::path directory)
        : options_(std::move(options)), directory_(std::move(directory)) {}

    std::filesystem::path log_path() const { return directory_ / "prometheus.log"; }

    static std::expected<std::filesystem::path, std::string> make_temp_directory() {
        std::string pattern = (std::filesystem::temp_directory_path() / "ss-prometheus-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            return std::unexpected("mkdtemp: " + std::error_code(errno, std::generic_category()).message());
        return std::filesystem::path(pattern);
    }

    static std::string duration_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

    std::expected<void, std::string> write_config() const {
        std::ofstream config(directory_ / "prometheus.yml");
        config << "global:\n"
               << "  scrape_interval: " << duration_text(options_.scrape_interval) << "\n"
               << "  scrape_timeout: " << duration_text(options_.scrape_interval) << "\n"
               << "  evaluation_interval: " << duration_text(options_.scrape_interval) << "\n"
               << "scrape_configs:\n"
               << "  - job_name: \"" << options_.job << "\"\n"
               << "    metrics_path: \"" << options_.metrics_path << "\"\n"
               << "    static_configs:\n"
               << "      - targets:\n";
        for (const auto& t : options_.targets) config << "          - \"" << t << "\"\n";
        config.close();
        if (!config) return std::unexpected("cannot write " + (directory_ / "prometheus.yml").string());
        return {};
    }

    std::expected<void, std::string> launch(const std::filesystem::path& binary) {
        port_ = free_loopback_port();
        if (port_ == 0) return std::unexpected(std::string("no free loopback port"));
        auto child = ChildProcess::spawn(binary,
                                         {"--config.file=" + (directory_ / "prometheus.yml").string(),
                                          "--storage.tsdb.path=" + (directory_ / "data").string(),
                                          "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
                                         ChildStreams{{}, log_path(), true});
        if (!child) return std::unexpected(child.error());
        process_ = std::make_unique<ChildProcess>(std::move(*child));
        const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (auto status = process_->poll()) {
                process_.reset();
                return std::unexpected("prometheus exited with status " + std::to_string(*status) + "; its log:\n" + log());
            }
            auto ready = http_get("127.0.0.1", port_, "/-/ready");
            if (ready && ready->status == 200) return {};
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        stop();
        return std::unexpected("prometheus was not ready within " + std::to_string(options_.ready_timeout.count()) +
                               " ms; its log:\n" + log());
    }

    Options options_;
    std::filesystem::path directory_;
    std::uint16_t port_ = 0;
    std::unique_ptr<ChildProcess> process_;
    int stopped_status_ = -1;
};

} // namespace ss::test
