// The CSV export's text: the first lines, the header row, a sensor's '#sensor' line, rows with
// ISO-8601 UTC and monotonic times, RFC 4180 quoting, CRLF line ends, the unknown quality of a
// sensor without metadata.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "export_test_support.hpp"
#include "ss/export/csv_export.hpp"

using namespace ss::store_export;
using namespace ss::store_export::test;

namespace {

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<std::string> lines;
    std::string all = text.str();
    for (std::size_t at = 0; at < all.size();) {
        const std::size_t end = all.find("\r\n", at);
        REQUIRE_MESSAGE(end != std::string::npos, "every line ends in CRLF");
        lines.push_back(all.substr(at, end - at));
        at = end + 2;
    }
    return lines;
}

} // namespace

TEST_CASE("a CSV export starts with its format line, the file facts, the dataset and the header row") {
    TempDir dir;
    ExportFileInfo info = test_file_info();
    info.dataset = DatasetInfo{"climate", "DS-2026-001", "Hall climate, \"north\" wing", {{"site", "plant 3"}}};
    auto writer = make_csv_writer(dir.file("x.csv"), info);
    REQUIRE(writer.has_value());
    REQUIRE((*writer)->finish().has_value());
    const auto lines = lines_of(dir.file("x.csv"));
    REQUIRE(lines.size() == 5);
    CHECK(lines[0] == "#ss-export-csv,1");
    CHECK(lines[1] == "#file,tool_version,ss-store test,created,2026-12-05T06:00:00.123456Z");
    CHECK(lines[2] == "#dataset,climate,DS-2026-001,\"Hall climate, \"\"north\"\" wing\"");
    CHECK(lines[3] == "#dataset-metadata,site,plant 3");
    CHECK(lines[4] == "sensor,name,seq,time,time_us,clock,boot,raw,value,quality,event_ms");
}

TEST_CASE("CSV rows carry the sensor, its name, the time as text and in µs, raw, calibrated value and quality") {
    TempDir dir;
    auto writer = make_csv_writer(dir.file("x.csv"), test_file_info());
    REQUIRE(writer.has_value());
    auto temp = sensor_from_config(test_spec(), 0, 100, ss::RecordType::ts);
    REQUIRE(temp.has_value());
    REQUIRE((*writer)->begin_sensor(*temp).has_value());
    const ExportRecord records[] = {
        {5, base_utc_us + 7, RecordClock::utc, 4, 1400, 0},
        {9, 12'000'001, RecordClock::monotonic, 5, 300, 0},
        {10, 0, RecordClock::unknown, 5, 100, 0},
    };
    REQUIRE((*writer)->append(records).has_value());
    REQUIRE((*writer)->end_sensor().has_value());
    auto door = sensor_from_config(test_spec(), 1, 2, ss::RecordType::evt);
    REQUIRE((*writer)->begin_sensor(*door).has_value());
    const ExportRecord event{0, base_utc_us, RecordClock::utc, 4, 1, 1'796'450'400'017};
    REQUIRE((*writer)->append(std::span(&event, 1)).has_value());
    REQUIRE((*writer)->end_sensor().has_value());
    const ExportSensor bare = sensor_without_config(0, 900, ss::RecordType::ts);
    REQUIRE((*writer)->begin_sensor(bare).has_value());
    const ExportRecord plain{1, 0, RecordClock::unknown, 0, 4'000'000'000u, 0};
    REQUIRE((*writer)->append(std::span(&plain, 1)).has_value());
    REQUIRE((*writer)->end_sensor().has_value());
    REQUIRE((*writer)->finish().has_value());

    const auto lines = lines_of(dir.file("x.csv"));
    REQUIRE(lines.size() == 3 + 4 + 2 + 2);
    CHECK(lines[3] == "#sensor,host:100,ts,temp-100,metadata,temp-100,°C,-20,60,-40,85,0.05,-50,1769817600000,unsigned32");
    CHECK(lines[4] == "host:100,temp-100,5,2026-12-05T06:00:00.000007Z,1796450400000007,utc,4,1400,20,good,");
    CHECK(lines[5] == "host:100,temp-100,9,boot5+12.000001s,12000001,mono,5,300,-35,suspect,");
    CHECK(lines[6] == "host:100,temp-100,10,,,,5,100,-45,bad,");
    CHECK(lines[7] == "#sensor,app:2,evt,door-2,metadata,door-2,,0,1,0,1,1,0,0,unsigned32");
    CHECK(lines[8] == "app:2,door-2,0,2026-12-05T06:00:00.000000Z,1796450400000000,utc,4,1,1,good,1796450400017");
    CHECK(lines[9] == "#sensor,host:900,ts,,none");
    CHECK(lines[10] == "host:900,,1,,,,0,4000000000,4e+09,unknown,");
}

TEST_CASE("a field with a comma, a quote or a leading '#' is quoted with inner quotes doubled") {
    TempDir dir;
    ExportFileInfo info = test_file_info();
    info.tool_version = "#tool, \"v1\"";
    auto writer = make_csv_writer(dir.file("x.csv"), info);
    REQUIRE(writer.has_value());
    REQUIRE((*writer)->finish().has_value());
    CHECK(lines_of(dir.file("x.csv"))[1] ==
          "#file,tool_version,\"#tool, \"\"v1\"\"\",created,2026-12-05T06:00:00.123456Z");
    auto reader = open_csv_reader(dir.file("x.csv"));
    REQUIRE(reader.has_value());
    CHECK((*reader)->file_info().tool_version == "#tool, \"v1\"");
}

TEST_CASE("a CSV written by hand, LF line ends and no #sensor lines, imports as sensors without metadata") {
    TempDir dir;
    const std::string path = dir.file("hand.csv");
    std::ofstream(path, std::ios::binary) << "#ss-export-csv,1\n"
                                             "sensor,name,seq,time,time_us,clock,boot,raw,value,quality,event_ms\n"
                                             "host:5,pump,7,,,,1,42,42,unknown,\n"
                                             "host:5,pump,9,boot1+0.000100s,100,mono,1,43,43,unknown,\n"
                                             "app:1,,0,1970-01-01T00:00:01.000000Z,1000000,utc,1,1,1,unknown,1000\n";
    auto reader = open_csv_reader(path);
    REQUIRE_MESSAGE(reader.has_value(), (reader ? "" : reader.error().message));
    CHECK((*reader)->file_info().tool_version.empty());
    auto read = read_export(**reader);
    REQUIRE_MESSAGE(read.has_value(), (read ? "" : read.error().message));
    REQUIRE(read->size() == 2);
    const auto& [pump, pump_records] = (*read)[0];
    CHECK(pump.source == 0);
    CHECK(pump.id == 5);
    CHECK(pump.config_name == "pump");
    CHECK(pump.type == ss::RecordType::ts);
    CHECK_FALSE(pump.metadata.has_value());
    REQUIRE(pump_records.size() == 2);
    CHECK(pump_records[1] == ExportRecord{9, 100, RecordClock::monotonic, 1, 43, 0});
    const auto& [door, door_records] = (*read)[1];
    CHECK(door.type == ss::RecordType::evt);
    REQUIRE(door_records.size() == 1);
    CHECK(door_records[0] == ExportRecord{0, 1'000'000, RecordClock::utc, 1, 1, 1000});
}
