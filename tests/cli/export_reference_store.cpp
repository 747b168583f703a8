// The fixture of the end-to-end export checks: a store the library wrote (written_store.hpp),
// exported by the ss-store executable as the dataset "plant" of an actor config, in both formats,
// as DIR/sample.csv and DIR/sample.h5, with DIR/expected.json beside them: the records as the
// library itself serves them (values, sequence numbers, times, boots, event times) and the
// channel metadata as the config states it, built here from the config's literal numbers.
// The export formats' own checkers (tests/cli_export/export_{h5py,h5dump,csv}_check.py) then
// read the files with h5py, h5dump and Python's csv module and compare every record.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "cli/export_store.hpp"
#include "cli/tool_run.hpp"
#include "cli_export/export_expected_json.hpp"
#include "ss/capture/channel.hpp"
#include "ss/text.hpp"

namespace {

using ss::test::ServedRecord;
using ss::test::WrittenStore;

std::string output_dir;

/// 2026-12-05T06:00:00Z: the creation time the exports record (SOURCE_DATE_EPOCH).
constexpr long long created_seconds = 1'796'450'400;

using namespace ss::store_export;
using ss::RecordType;
using ss::store_export::test::expected_json;
using ss::store_export::test::ExpectedSensors;

/// A channel as the test's config states it, built here from the same literal numbers.
ExportSensor described(ss::store_tool::SensorKey key, RecordType type, const char* name, const char* unit,
                       ss::capture::ValueRange valid, ss::capture::ValueRange plausible,
                       ss::capture::Calibration calibration) {
    ExportSensor s;
    s.source = static_cast<std::uint8_t>(key.source);
    s.id = key.id;
    s.type = type;
    s.config_name = name;
    ss::Text why;
    auto channel = ss::capture::make_channel(name, unit, valid, plausible, calibration, why);
    REQUIRE_MESSAGE(channel.has_value(), why.c_str());
    s.metadata = *channel;
    return s;
}

std::vector<ExportRecord> records_of(const std::vector<ServedRecord>& served) {
    std::vector<ExportRecord> out;
    for (const ServedRecord& r : served) {
        ExportRecord e;
        e.seq = r.seq;
        set_store_time(e, r.time);
        e.boot = r.boot;
        e.raw = r.value;
        e.event_ms = r.ts_ms;
        out.push_back(e);
    }
    return out;
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

    ExportFileInfo info;
    info.tool_version = "ss-store " + std::to_string(SS_VERSION_MAJOR) + "." + std::to_string(SS_VERSION_MINOR) + "." +
                        std::to_string(SS_VERSION_PATCH);
    info.created_utc_us = created_seconds * 1'000'000;
    info.dataset = DatasetInfo{"plant", "DS-7", "Pump hall", {{"site", "plant 3"}}};
    const ExpectedSensors all = {
        {described(WrittenStore::host1, RecordType::ts, "temp", "degC", {0.0, 4000.0}, {0.0, 8000.0},
                   {0.5, -10.0, ss::test::temp_calibrated_ms}),
         records_of(served.at(WrittenStore::host1))},
        {described(WrittenStore::app2, RecordType::evt, "door", "", {0.0, 300.0}, {0.0, 300.0}, {}),
         records_of(served.at(WrittenStore::app2))},
        {described(WrittenStore::can3, RecordType::ts, "oil", "bar", {0.0, 1000.0}, {0.0, 4000.0}, {}),
         records_of(served.at(WrittenStore::can3))}};
    std::ofstream json(output_dir + "/expected.json");
    json << expected_json(info, all);
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
