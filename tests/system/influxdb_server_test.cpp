// The InfluxDB launcher (tests/support/influxdb_server.hpp) against the real influxd: a database
// is created, points are written in line protocol and come back from a query with their exact
// nanosecond times and values; a point written again overwrites only itself (what an uploader's
// re-sent batch relies on); written points survive a SIGKILL and a restart (the WAL).
#include <doctest/doctest.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>

#include "support/influxdb_server.hpp"

namespace {

// Nanosecond times beyond 2^53: a reader that went through double would lose the low digits.
constexpr std::uint64_t first_time_ns = 1796402454000000001ULL;
constexpr int points_per_sensor = 500;

std::string points(const std::string& sensor, int count, double scale) {
    std::string lines;
    for (int i = 0; i < count; ++i)
        lines += "temperature,gateway=gw-7,sensor=" + sensor + " value=" + std::to_string(scale * i) + ",seq=" +
                 std::to_string(i) + "i " + std::to_string(first_time_ns + static_cast<std::uint64_t>(i) * 1000) + "\n";
    return lines;
}

std::uint64_t count_points(const ss::test::InfluxDbServer& influx, const std::string& sensor) {
    auto series = influx.query("ss", "SELECT count(value) FROM temperature WHERE sensor='" + sensor + "'");
    REQUIRE_MESSAGE(series.has_value(), (series ? std::string() : series.error()));
    if (series->empty()) return 0;
    REQUIRE(series->front().rows.size() == 1);
    return static_cast<std::uint64_t>(series->front().rows[0][series->front().column("count")].number);
}

} // namespace

TEST_CASE("influxd stores line protocol written over HTTP and a query gives every point back exactly") {
    auto started = ss::test::InfluxDbServer::start();
    REQUIRE_MESSAGE(started.has_value(), (started ? std::string() : started.error()));
    auto& influx = **started;
    const auto directory = influx.directory();
    CHECK(influx.port() != influx.rpc_port());

    REQUIRE_MESSAGE(influx.create_database("ss"), influx.log_tail());
    auto written = influx.write("ss", points("inlet", points_per_sensor, 0.25) + points("outlet", points_per_sensor, -0.5));
    REQUIRE_MESSAGE(written.has_value(), (written ? std::string() : written.error()));

    {
        INFO("every point with its exact time and value, per series");
        auto series = influx.query("ss", "SELECT value, seq FROM temperature GROUP BY sensor");
        REQUIRE_MESSAGE(series.has_value(), (series ? std::string() : series.error()));
        REQUIRE(series->size() == 2);
        for (const auto& s : *series) {
            CAPTURE(s.tags.at("sensor"));
            const double scale = s.tags.at("sensor") == "inlet" ? 0.25 : -0.5;
            REQUIRE(s.rows.size() == points_per_sensor);
            const std::size_t time = s.column("time"), value = s.column("value"), seq = s.column("seq");
            REQUIRE(seq < s.columns.size());
            for (int i = 0; i < points_per_sensor; ++i) {
                const auto& row = s.rows[static_cast<std::size_t>(i)];
                CHECK(row[time].number_text == std::to_string(first_time_ns + static_cast<std::uint64_t>(i) * 1000));
                CHECK(row[value].number == doctest::Approx(scale * i));
                CHECK(row[seq].number == i);
            }
        }
    }
    {
        INFO("a point written again overwrites itself: one per series and time");
        REQUIRE(influx.write("ss", points("inlet", 10, 0.25)).has_value());
        CHECK(count_points(influx, "inlet") == points_per_sensor);
    }
    {
        INFO("InfluxDB's own errors come back as errors");
        CHECK_FALSE(influx.query("no_such_db", "SELECT * FROM temperature").has_value());
        CHECK_FALSE(influx.query("ss", "SELEKT nonsense").has_value());
        CHECK_FALSE(influx.write("ss", "not line protocol at all").has_value());
    }
    {
        INFO("points survive a SIGKILL and a restart on the same port and directory");
        CHECK(influx.kill() == 128 + SIGKILL);
        const auto restarted = influx.restart();
        REQUIRE_MESSAGE(restarted.has_value(), (restarted ? std::string() : restarted.error()));
        CHECK(count_points(influx, "inlet") == points_per_sensor);
        CHECK(count_points(influx, "outlet") == points_per_sensor);
        const std::string log = influx.log();
        CHECK(log.find("InfluxDB starting") != log.rfind("InfluxDB starting")); // two runs, one log
    }
    CHECK(influx.stop() == 0);
    started->reset();
    CHECK_FALSE(std::filesystem::exists(directory));
}
