// Export then import, both formats: the same sensors with the same metadata and the same records
// (sequence numbers with their gaps, times on their clocks, boots, raw values, event times), and
// the same file facts; read in batches of several sizes.
#include <doctest/doctest.h>

#include "export_test_support.hpp"
#include "ss/export/csv_export.hpp"
#include "ss/export/hdf5_export.hpp"

using namespace ss::store_export;
using namespace ss::store_export::test;

namespace {

void check_same(const SensorRecords& written, const SensorRecords& read) {
    REQUIRE(read.size() == written.size());
    for (std::size_t k = 0; k < written.size(); ++k) {
        INFO("sensor " << sensor_label(written[k].first.source, written[k].first.id));
        CHECK(read[k].first == written[k].first);
        REQUIRE(read[k].second.size() == written[k].second.size());
        for (std::size_t i = 0; i < written[k].second.size(); ++i) {
            INFO("record " << i);
            REQUIRE(read[k].second[i] == written[k].second[i]);
        }
    }
}

ExportFileInfo dataset_file_info() {
    ExportFileInfo info = test_file_info();
    auto dataset = dataset_from_config(test_spec(), "climate", ExportFormat::csv);
    REQUIRE(dataset.has_value());
    info.dataset = dataset->info;
    return info;
}

} // namespace

TEST_CASE("a CSV export reads back as the same sensors, metadata and records") {
    TempDir dir;
    const SensorRecords written = synthetic_export();
    const ExportFileInfo info = dataset_file_info();
    {
        auto writer = make_csv_writer(dir.file("all.csv"), info);
        REQUIRE(writer.has_value());
        write_export(**writer, written);
    }
    for (std::size_t batch : {1u, 7u, 1000u}) {
        auto reader = open_csv_reader(dir.file("all.csv"));
        REQUIRE_MESSAGE(reader.has_value(), (reader ? "" : reader.error().message));
        CHECK((*reader)->file_info() == info);
        auto read = read_export(**reader, batch);
        REQUIRE_MESSAGE(read.has_value(), (read ? "" : read.error().message));
        check_same(written, *read);
    }
}

TEST_CASE("an HDF5 export reads back as the same sensors, metadata and records") {
    TempDir dir;
    const SensorRecords written = synthetic_export();
    const ExportFileInfo info = dataset_file_info();
    {
        auto writer = make_hdf5_writer(dir.file("all.h5"), info);
        REQUIRE(writer.has_value());
        write_export(**writer, written);
    }
    for (std::size_t batch : {1u, 7u, 100'000u}) {
        auto reader = open_hdf5_reader(dir.file("all.h5"));
        REQUIRE_MESSAGE(reader.has_value(), (reader ? "" : reader.error().message));
        CHECK((*reader)->file_info() == info);
        auto read = read_export(**reader, batch);
        REQUIRE_MESSAGE(read.has_value(), (read ? "" : read.error().message));
        check_same(written, *read);
    }
}

TEST_CASE("a sensor left half read is skipped by next_sensor in both formats") {
    TempDir dir;
    const SensorRecords written = synthetic_export();
    {
        auto csv = make_csv_writer(dir.file("a.csv"), test_file_info());
        REQUIRE(csv.has_value());
        write_export(**csv, written);
        auto h5 = make_hdf5_writer(dir.file("a.h5"), test_file_info());
        REQUIRE(h5.has_value());
        write_export(**h5, written);
    }
    std::vector<std::unique_ptr<ExportReader>> readers;
    readers.push_back(std::move(*open_csv_reader(dir.file("a.csv"))));
    readers.push_back(std::move(*open_hdf5_reader(dir.file("a.h5"))));
    for (const auto& reader : readers) {
        std::vector<ExportRecord> three(3);
        for (const auto& [sensor, records] : written) {
            auto next = reader->next_sensor();
            REQUIRE(next.has_value());
            REQUIRE(next->has_value());
            CHECK(**next == sensor);
            auto n = reader->read(three);
            REQUIRE(n.has_value());
            CHECK(*n == std::min<std::size_t>(3, records.size()));
            if (*n > 0) CHECK(three[0] == records[0]);
        }
        auto end = reader->next_sensor();
        REQUIRE(end.has_value());
        CHECK_FALSE(end->has_value());
    }
}
