// A real Prometheus server scrapes the endpoint: what it stores under the per-sensor labels
// (an awkwardly named sensor included), the totals and the histogram must be the snapshot's
// figures. This is the proof that a scraper accepts /metrics, beyond what a linter checks.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "daemon/http_endpoint.hpp"
#include "daemon/sample_snapshot.hpp"
#include "support/prometheus_server.hpp"

namespace {

/// A PromQL string literal: the same three escapes as a label value in the text format.
std::string promql_string(std::string_view value) {
    std::string out = "\"";
    for (const char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out + "\"";
}

std::string sensor_selector(const ss::actors::SensorSnapshot& s) {
    return "{source=" + promql_string(s.source) + ",sensor=" + promql_string(s.name) + ",id=\"" +
           std::to_string(s.stats.sensor_id) + "\"}";
}

} // namespace

TEST_CASE("a Prometheus server scrapes the endpoint and stores the snapshot's values") {
    const auto started_at = std::chrono::steady_clock::now();
    const auto snapshot = ss::test::sample_snapshot(5);
    ss::daemon::HttpEndpointConfig config;
    config.address = "127.0.0.1";
    config.port = 0;
    ss::daemon::HttpEndpoint endpoint(config, [&] { return snapshot; });
    const auto listening = endpoint.start();
    REQUIRE_MESSAGE(listening.has_value(), (listening ? std::string() : listening.error()));

    ss::test::PrometheusServer::Options options;
    options.targets = {"127.0.0.1:" + std::to_string(endpoint.port())};
    options.scrape_interval = std::chrono::seconds(1);
    auto prometheus = ss::test::PrometheusServer::start(options);
    REQUIRE_MESSAGE(prometheus.has_value(), (prometheus ? std::string() : prometheus.error()));
    const std::filesystem::path directory = (*prometheus)->directory();
    CHECK(std::filesystem::exists(directory / "data"));

    const auto scraped = (*prometheus)->wait_for_scrape(std::chrono::seconds(10));
    REQUIRE_MESSAGE(scraped.has_value(), (scraped ? std::string() : scraped.error()) << "\nlog:\n" << (*prometheus)->log());

    const auto one_value = [&](const std::string& promql) {
        auto samples = (*prometheus)->query(promql);
        REQUIRE_MESSAGE(samples.has_value(), (samples ? std::string() : samples.error()));
        REQUIRE_MESSAGE(samples->size() == 1, promql << ": " << samples->size() << " series");
        return samples->front();
    };

    // One server for every check (a doctest SUBCASE would start one per subcase).
    {
        INFO("a per-sensor counter under its labels, for an awkward name too");
        for (const std::size_t i : {std::size_t{0}, std::size_t{1}, std::size_t{4}}) {
            const auto& sensor = snapshot.sensors[i];
            CAPTURE(sensor.name);
            const auto sample = one_value("sensor_storage_sensor_records_written_total" + sensor_selector(sensor));
            CHECK(sample.value == static_cast<double>(sensor.stats.written));
            CHECK(sample.labels.at("sensor") == sensor.name);
            CHECK(sample.labels.at("source") == sensor.source);
            CHECK(sample.labels.at("id") == std::to_string(sensor.stats.sensor_id));
            CHECK(sample.labels.at("job") == "sensor_storage");
            CHECK(sample.labels.count("gateway") == 0);
        }
        const auto& awkward = snapshot.sensors[1];
        CHECK(awkward.name == ss::test::awkward_sensor_name);
        CHECK(one_value("sensor_storage_sensor_records_dropped_total" + sensor_selector(awkward).insert(1, "cause=\"quota\",")).value ==
              static_cast<double>(awkward.stats.dropped_quota));
        CHECK(one_value("count(sensor_storage_sensor_records_written_total)").value == 5);
    }
    {
        INFO("totals, the info gauge and the histogram");
        std::uint64_t written = 0;
        for (const auto& s : snapshot.sensors) written += s.stats.written;
        CHECK(one_value("sensor_storage_records_written_total").value == static_cast<double>(written));
        CHECK(one_value("sensor_storage_records_retained").value == static_cast<double>(snapshot.system.records_retained));
        CHECK(one_value("sensor_storage_records_dropped_total{cause=\"recycled\"}").value ==
              static_cast<double>(snapshot.system.dropped_recycled));
        CHECK(one_value("sensor_storage_info").labels.at("gateway") == "gw-hall-7");
        CHECK(one_value("sensor_storage_upload_latency_seconds_count").value == 4200);
        CHECK(one_value("sensor_storage_upload_latency_seconds_sum").value == 142.625);
        CHECK(one_value("sensor_storage_upload_latency_seconds_bucket{le=\"0.05\"}").value == 3100);
        // histogram_quantile works on what was stored: the median lies in the (10 ms, 50 ms] bucket.
        const double median = one_value("histogram_quantile(0.5, sensor_storage_upload_latency_seconds_bucket)").value;
        CHECK(median > 0.01);
        CHECK(median <= 0.05);
    }

    CHECK((*prometheus)->stop() == 0); // SIGTERM: a clean shutdown exits 0
    prometheus->reset();
    CHECK_FALSE(std::filesystem::exists(directory));
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at);
    std::printf("prometheus scrape test: %lld ms, Prometheus started, scraped, queried and stopped\n",
                static_cast<long long>(took.count()));
    CHECK(took < std::chrono::seconds(20));
}
