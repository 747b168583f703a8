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

#include "export_expected_json.hpp"
#include "export_test_support.hpp"
#include "ss/export/csv_export.hpp"
#include "ss/export/hdf5_export.hpp"
#include "ss/source_name.hpp"

using namespace ss::store_export;
using namespace ss::store_export::test;

namespace {

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
