// Damaged exports: a CSV file with bytes replaced or cut off at many places, and an HDF5 file cut
// off at many places, either read back or are refused with a message naming the file; never a
// crash, a hang or a read out of bounds (the suite runs under ASan in the asan preset).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "export_test_support.hpp"
#include "ss/export/csv_export.hpp"
#include "ss/export/hdf5_export.hpp"

using namespace ss::store_export;
using namespace ss::store_export::test;

namespace {

std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// Reads `path` to the end; true if it read, false if refused with a message naming it.
bool reads_or_refuses(ExportResult<std::unique_ptr<ExportReader>> reader, const std::string& path) {
    std::string message;
    if (!reader) {
        message = reader.error().message;
    } else {
        auto read = read_export(**reader, 97);
        if (read) return true;
        message = read.error().message;
    }
    INFO(message);
    CHECK(message.rfind(path + ":", 0) == 0);
    return false;
}

SensorRecords small_export() {
    SensorRecords all = synthetic_export();
    for (auto& [sensor, records] : all) records.resize(std::min<std::size_t>(records.size(), 40));
    return all;
}

} // namespace

TEST_CASE("a CSV export with bytes replaced or cut off reads or is refused naming the file") {
    TempDir dir;
    const std::string good_path = dir.file("good.csv");
    {
        auto writer = make_csv_writer(good_path, test_file_info());
        REQUIRE(writer.has_value());
        write_export(**writer, small_export());
    }
    const std::string good = bytes_of(good_path);
    const std::string path = dir.file("damaged.csv");
    std::mt19937 random(14);
    const char replacements[] = {',', '"', '\r', '\n', '#', 'x', '9', '-', ':', '\0'};
    int refused = 0;
    for (int round = 0; round < 400; ++round) {
        std::string damaged = good;
        const std::size_t at = random() % damaged.size();
        if (round % 4 == 3) {
            damaged.resize(at);
        } else {
            damaged[at] = replacements[random() % sizeof replacements];
        }
        write_bytes(path, damaged);
        INFO("round " << round << ", byte " << at);
        if (!reads_or_refuses(open_csv_reader(path), path)) ++refused;
    }
    // Most damage is seen: a replaced digit can leave a valid file, a replaced field hardly ever.
    CHECK(refused > 300);
}

TEST_CASE("an HDF5 export cut off anywhere is refused naming the file") {
    TempDir dir;
    const std::string good_path = dir.file("good.h5");
    {
        auto writer = make_hdf5_writer(good_path, test_file_info());
        REQUIRE(writer.has_value());
        write_export(**writer, small_export());
    }
    const std::string good = bytes_of(good_path);
    const std::string path = dir.file("cut.h5");
    for (std::size_t cut = 0; cut < good.size(); cut += good.size() / 61 + 1) {
        write_bytes(path, good.substr(0, cut));
        INFO("cut at " << cut << " of " << good.size());
        CHECK_FALSE(reads_or_refuses(open_hdf5_reader(path), path));
    }
}
