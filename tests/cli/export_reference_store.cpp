// The fixture of the end-to-end export checks: a store the library wrote (written_store.hpp),
// exported by the ss-store executable as the dataset "plant" of an actor config, in both formats,
// as DIR/sample.csv and DIR/sample.h5, with DIR/expected.json beside them: the records as the
// library itself serves them (values, sequence numbers, times, boots, event times) and the
// channel metadata as the config states it, written here from the config's literal numbers.
// The export formats' own checkers (tests/cli_export/export_{h5py,h5dump,csv}_check.py) then
// read the files with h5py, h5dump and Python's csv module and compare every record.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "cli/export_store.hpp"
#include "cli/tool_run.hpp"
#include "ss/source_name.hpp"

namespace {

using ss::test::ServedRecord;
using ss::test::WrittenStore;

std::string output_dir;

/// 2026-12-05T06:00:00Z: the creation time the exports record (SOURCE_DATE_EPOCH).
constexpr long long created_seconds = 1'796'450'400;

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

template <class Number>
std::string num(Number v) {
    char text[64];
    return std::string(text, std::to_chars(text, text + sizeof text, v).ptr);
}

struct Channel {
    const char* name;
    const char* unit;
    double valid_low, valid_high, plausible_low, plausible_high, slope, offset;
    std::uint64_t calibrated_ms;
};

std::string sensor_json(ss::store_tool::SensorKey key, bool event, const Channel& c,
                        const std::vector<ServedRecord>& records) {
    std::string j = "{\"source\":" + json_string(ss::source_name(key.source)) + ",\"id\":" + num(key.id) +
                    ",\"type\":" + json_string(event ? "evt" : "ts") + ",\"config_name\":" + json_string(c.name) +
                    ",\"metadata\":{\"name\":" + json_string(c.name) + ",\"unit\":" + json_string(c.unit) +
                    ",\"valid\":[" + num(c.valid_low) + "," + num(c.valid_high) + "],\"plausible\":[" +
                    num(c.plausible_low) + "," + num(c.plausible_high) + "],\"slope\":" + num(c.slope) +
                    ",\"offset\":" + num(c.offset) + ",\"calibrated_ms\":" + num(c.calibrated_ms) +
                    ",\"encoding\":\"unsigned32\"},\"records\":[";
    for (std::size_t i = 0; i < records.size(); ++i) {
        const ServedRecord& r = records[i];
        const bool known = r.time != SS_TIME_UNKNOWN;
        const bool utc = known && (r.time & SS_TIME_UTC) != 0;
        const std::uint64_t us = known ? (r.time & ~SS_TIME_UTC) : 0;
        j += (i == 0 ? "[" : ",[") + num(r.seq) + "," + num(us) + "," + json_string(!known ? "" : utc ? "utc" : "mono") +
             "," + num(r.boot) + "," + num(r.value) + "," + num(r.ts_ms) + "]";
    }
    return j + "]}";
}

} // namespace

TEST_CASE("ss-store exports a store the library wrote, as a dataset, in both formats, with its expectations") {
    WrittenStore w;
    const auto served = ss::test::served_with_times(w.root);
    REQUIRE(served.at(WrittenStore::host1).size() == w.live.at(WrittenStore::host1).size());
    REQUIRE(served.at(WrittenStore::app2).size() == w.live.at(WrittenStore::app2).size());
    REQUIRE(served.at(WrittenStore::can3).size() == w.live.at(WrittenStore::can3).size());

    const std::string config = output_dir + "/gateway.ini";
    ss::test::write_export_config(config);
    REQUIRE(::setenv("SOURCE_DATE_EPOCH", std::to_string(created_seconds).c_str(), 1) == 0);
    const std::string before = ss::test::tree_digest(w.root);
    for (const char* format : {"csv", "hdf5"}) {
        const std::string made = output_dir + (std::string(format) == "csv" ? "/plant_DS-7.csv" : "/plant_DS-7.h5");
        std::filesystem::remove(made);
        const auto r = ss::test::run_tool({"export", w.root, "--format", format, "--config", config, "--dataset", "plant",
                                           "--out", output_dir});
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(r.out.find("exported 1600 records of 3 sensors") != std::string::npos);
        std::filesystem::rename(made, output_dir + (std::string(format) == "csv" ? "/sample.csv" : "/sample.h5"));
    }
    CHECK(ss::test::tree_digest(w.root) == before); // the store was only read

    const Channel temp{"temp", "degC", 0.0, 4000.0, 0.0, 8000.0, 0.5, -10.0, ss::test::temp_calibrated_ms};
    const Channel door{"door", "", 0.0, 300.0, 0.0, 300.0, 1.0, 0.0, 0};
    const Channel oil{"oil", "bar", 0.0, 1000.0, 0.0, 4000.0, 1.0, 0.0, 0};
    std::string j = "{\"tool_version\":\"ss-store " + num(SS_VERSION_MAJOR) + "." + num(SS_VERSION_MINOR) + "." +
                    num(SS_VERSION_PATCH) + "\",\"created_us\":" + num(created_seconds * 1'000'000) +
                    ",\"dataset\":{\"name\":\"plant\",\"id\":\"DS-7\",\"description\":\"Pump hall\","
                    "\"metadata\":{\"site\":\"plant 3\"}},\"sensors\":[";
    j += sensor_json(WrittenStore::host1, false, temp, served.at(WrittenStore::host1)) + ",";
    j += sensor_json(WrittenStore::app2, true, door, served.at(WrittenStore::app2)) + ",";
    j += sensor_json(WrittenStore::can3, false, oil, served.at(WrittenStore::can3)) + "]}\n";
    std::ofstream json(output_dir + "/expected.json");
    json << j;
    REQUIRE(json.good());
}

// usage: store_export_reference_gen DIR [doctest options]
int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [doctest options]\n", argv[0]);
        return 2;
    }
    output_dir = argv[1];
    std::filesystem::create_directories(output_dir);
    doctest::Context context(argc - 1, argv + 1);
    return context.run();
}
