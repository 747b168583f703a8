// Writes the synthetic export (export_test_support.hpp) as a dataset export in both formats into
// a directory, with expected.json beside them: every sensor's identity and metadata and every
// record's stored fields (not the calibrated value or quality, which the Python checkers compute
// from the metadata themselves). The checkers then read the files with readers of their own.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <string>

#include "export_test_support.hpp"
#include "ss/export/csv_export.hpp"
#include "ss/export/hdf5_export.hpp"
#include "ss/source_name.hpp"

using namespace ss::store_export;
using namespace ss::store_export::test;

namespace {

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

template <class Number>
std::string json_number(Number v) {
    char text[64];
    return std::string(text, std::to_chars(text, text + sizeof text, v).ptr);
}

std::string expected_json(const ExportFileInfo& info, const SensorRecords& all) {
    const DatasetInfo& d = *info.dataset;
    std::string j = "{\"tool_version\":" + json_string(info.tool_version) +
                    ",\"created_us\":" + json_number(info.created_utc_us) + ",\"dataset\":{\"name\":" +
                    json_string(d.name) + ",\"id\":" + json_string(d.id) +
                    ",\"description\":" + json_string(d.description) + ",\"metadata\":{";
    bool first = true;
    for (const auto& [k, v] : d.metadata) {
        j += (first ? "" : ",") + json_string(k) + ":" + json_string(v);
        first = false;
    }
    j += "}},\"sensors\":[";
    for (std::size_t k = 0; k < all.size(); ++k) {
        const ExportSensor& s = all[k].first;
        j += (k == 0 ? "" : ",");
        j += "{\"source\":" + json_string(ss::source_name(s.source)) + ",\"id\":" + json_number(s.id) +
             ",\"type\":" + json_string(s.type == ss::RecordType::evt ? "evt" : "ts") +
             ",\"config_name\":" + json_string(s.config_name) + ",\"metadata\":";
        if (!s.metadata) {
            j += "null";
        } else {
            const auto& m = *s.metadata;
            j += "{\"name\":" + json_string(m.name.view()) + ",\"unit\":" + json_string(m.unit.view()) +
                 ",\"valid\":[" + json_number(m.valid.low) + "," + json_number(m.valid.high) + "],\"plausible\":[" +
                 json_number(m.plausible.low) + "," + json_number(m.plausible.high) +
                 "],\"slope\":" + json_number(m.calibration.slope) + ",\"offset\":" + json_number(m.calibration.offset) +
                 ",\"calibrated_ms\":" + json_number(m.calibration.reference_date_ms) + ",\"encoding\":" +
                 json_string(m.encoding == ss::capture::RawEncoding::signed32 ? "signed32" : "unsigned32") + "}";
        }
        j += ",\"records\":[";
        for (std::size_t i = 0; i < all[k].second.size(); ++i) {
            const ExportRecord& r = all[k].second[i];
            const char* clock = r.clock == RecordClock::utc ? "utc" : r.clock == RecordClock::monotonic ? "mono" : "";
            j += (i == 0 ? "[" : ",[") + json_number(r.seq) + "," + json_number(r.time_us) + "," + json_string(clock) +
                 "," + json_number(r.boot) + "," + json_number(r.raw) + "," + json_number(r.event_ms) + "]";
        }
        j += "]}";
    }
    return j + "]}\n";
}

std::string output_dir;

} // namespace

TEST_CASE("the synthetic dataset export is written in both formats with its expectations") {
    const SensorRecords all = synthetic_export();
    ExportFileInfo info = test_file_info();
    auto dataset = dataset_from_config(test_spec(), "climate", ExportFormat::csv);
    REQUIRE(dataset.has_value());
    info.dataset = dataset->info;
    auto csv = make_csv_writer(output_dir + "/sample.csv", info);
    REQUIRE_MESSAGE(csv.has_value(), (csv ? "" : csv.error().message));
    write_export(**csv, all);
    auto h5 = make_hdf5_writer(output_dir + "/sample.h5", info);
    REQUIRE_MESSAGE(h5.has_value(), (h5 ? "" : h5.error().message));
    write_export(**h5, all);
    std::ofstream json(output_dir + "/expected.json");
    json << expected_json(info, all);
    REQUIRE(json.good());
}

// usage: cli_export_reference_gen DIR [doctest options]
int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [doctest options]\n", argv[0]);
        return 2;
    }
    output_dir = argv[1];
    doctest::Context context(argc - 1, argv + 1);
    return context.run();
}
