// The HTTP transport with the InfluxDB line protocol codec against a real InfluxDB 1.x on
// loopback: five minutes of 1 Hz temperatures from ten sensors and door events (several in the
// same millisecond) go to /write; a query gives every record back with its value and time, none
// twice, and batches sent again (as after a gateway crash) overwrite only themselves.
#include <doctest/doctest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "posix/upload/codec_encoder.hpp"
#include "posix/upload/http_transport.hpp"
#include "support/influxdb_server.hpp"

using ss::hal::UploadBatch;
using ss::hal::UploadOutcome;
using ss::hal::UploadResult;

namespace {

constexpr std::uint32_t temp_sensors = 10, seconds = 300, batch_records = 60;
constexpr std::uint32_t doors = 2, events = 50;
constexpr std::uint64_t start_us = 1'733'300'000'000'000ull; // 2024-12-04T08:13:20Z

std::uint32_t temperature(std::uint32_t sensor, std::uint32_t i) { return 2000 + sensor * 10 + (i * 7) % 50; }
std::uint64_t door_ms(std::uint32_t i) { return start_us / 1000 + (i / 3) * 1000; } // three per second, same ms

} // namespace

TEST_CASE("line protocol into a real InfluxDB: every record once, with its value and time; re-sends overwrite themselves") {
    auto started = ss::test::InfluxDbServer::start();
    REQUIRE_MESSAGE(started.has_value(), (started ? std::string() : started.error()));
    auto& influx = **started;
    REQUIRE(influx.create_database("ss"));

    ss::hal::ChannelDirectory channels;
    for (std::uint32_t s = 0; s < temp_sensors; ++s) channels[{SS_SOURCE_HOST, 100 + s}] = {"temperature", "cdegC"};
    for (std::uint32_t d = 0; d < doors; ++d) channels[{SS_SOURCE_CAN, 1 + d}] = {"door", ""};
    ss::hal::CodecEncoder encoder(ss::hal::WireCodec::line_protocol, "gw-influx", channels);
    ss::hal::HttpTransport::Settings settings;
    settings.url = "http://127.0.0.1:" + std::to_string(influx.port()) + "/write?db=ss&precision=ns";
    settings.batches_per_request = 4;
    settings.max_in_flight = 2;
    ss::hal::HttpTransport transport(settings, encoder);

    std::vector<std::vector<std::byte>> records;
    std::vector<UploadBatch> batches;
    for (std::uint32_t s = 0; s < temp_sensors; ++s)
        for (std::uint32_t first = 0; first < seconds; first += batch_records) {
            records.emplace_back(std::size_t{batch_records} * 4);
            for (std::uint32_t i = 0; i < batch_records; ++i) {
                const std::uint32_t v = temperature(s, first + i);
                std::memcpy(records.back().data() + i * 4, &v, 4);
            }
            UploadBatch b{SS_SOURCE_HOST, 100 + s, ss::RecordType::ts, first, batch_records, records.back().data()};
            b.first_time = ss::sector::utc_flag | (start_us + std::uint64_t{first} * 1'000'000);
            b.period_us = 1'000'000;
            b.boot = 4;
            batches.push_back(b);
        }
    for (std::uint32_t d = 0; d < doors; ++d) {
        records.emplace_back(std::size_t{events} * 12);
        for (std::uint32_t i = 0; i < events; ++i) {
            const std::uint32_t v = i % 2;
            const std::uint64_t ms = door_ms(i);
            std::memcpy(records.back().data() + i * 12, &v, 4);
            std::memcpy(records.back().data() + i * 12 + 4, &ms, 8);
        }
        UploadBatch b{SS_SOURCE_CAN, 1 + d, ss::RecordType::evt, 500, events, records.back().data()};
        b.boot = 4;
        batches.push_back(b);
    }
    std::vector<UploadResult> results(batches.size());
    REQUIRE(transport.send_many(batches, results) == batches.size());
    for (const auto& r : results) CHECK(r.outcome == UploadOutcome::acknowledged);
    // As after a crash: some batches again, the same records.
    const std::vector<UploadBatch> again{batches[0], batches[7], batches.back()};
    std::vector<UploadResult> again_results(again.size());
    transport.send_many(again, again_results);
    for (const auto& r : again_results) CHECK(r.outcome == UploadOutcome::acknowledged);

    auto series = influx.query("ss", "SELECT value, seq FROM temperature GROUP BY sensor");
    REQUIRE_MESSAGE(series.has_value(), (series ? std::string() : series.error()));
    REQUIRE(series->size() == temp_sensors);
    for (const auto& s : *series) {
        const std::uint32_t sensor = static_cast<std::uint32_t>(std::stoul(s.tags.at("sensor"))) - 100;
        CAPTURE(sensor);
        REQUIRE(s.rows.size() == seconds); // every record, none twice
        const std::size_t time = s.column("time"), value = s.column("value"), seq = s.column("seq");
        for (std::uint32_t i = 0; i < seconds; ++i) {
            const auto& row = s.rows[i];
            // µs × 1000 + seq mod 1000: the record's time, and its number below the µs.
            const std::uint64_t ns = (start_us + std::uint64_t{i} * 1'000'000) * 1000 + i % 1000;
            CHECK(row[time].number_text == std::to_string(ns));
            CHECK(row[value].number == temperature(sensor, i));
            CHECK(row[seq].number == i);
        }
    }
    auto door_series = influx.query("ss", "SELECT value, seq FROM door GROUP BY sensor");
    REQUIRE_MESSAGE(door_series.has_value(), (door_series ? std::string() : door_series.error()));
    REQUIRE(door_series->size() == doors);
    for (const auto& s : *door_series) {
        REQUIRE(s.rows.size() == events); // three events share each millisecond, none merged
        std::set<double> seqs;
        for (const auto& row : s.rows) seqs.insert(row[s.column("seq")].number);
        CHECK(seqs.size() == events);
    }
    // The tags a receiver files them under.
    auto tagged = influx.query("ss", "SELECT count(value) FROM temperature WHERE gateway = 'gw-influx' AND boot = '4' "
                                     "AND source = 'host' AND unit = 'cdegC'");
    REQUIRE(tagged.has_value());
    REQUIRE(tagged->size() == 1);
    CHECK(tagged->front().rows.at(0).at(1).number == temp_sensors * seconds);
}
