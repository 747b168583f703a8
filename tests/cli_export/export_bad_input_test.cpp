// Bad input: an output path that cannot be written, writer calls out of order or with records
// the store could not hold, malformed CSV (each problem named with file and line), HDF5 files
// that are not exports or miss a dataset (named with file and object).
#include <doctest/doctest.h>

#include <hdf5.h>

#include <fstream>
#include <sstream>

#include "export_test_support.hpp"
#include "ss/export/csv_export.hpp"
#include "ss/export/hdf5_export.hpp"

using namespace ss::store_export;
using namespace ss::store_export::test;

namespace {

std::string text_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

/// Imports `text` as a CSV file and expects a refusal containing `words`.
void csv_refused(const std::string& text, const std::string& words) {
    TempDir dir;
    const std::string path = dir.file("bad.csv");
    write_text(path, text);
    std::string message;
    auto reader = open_csv_reader(path);
    if (!reader) {
        message = reader.error().message;
    } else {
        auto read = read_export(**reader);
        REQUIRE_FALSE(read.has_value());
        message = read.error().message;
    }
    INFO(message);
    CHECK(message.rfind(path + ":", 0) == 0);
    CHECK(message.find(words) != std::string::npos);
}

/// A small valid CSV export, as text, to damage.
std::string good_csv() {
    TempDir dir;
    auto writer = make_csv_writer(dir.file("g.csv"), test_file_info());
    REQUIRE(writer.has_value());
    SensorRecords all = synthetic_export();
    all.resize(2);
    for (auto& [sensor, records] : all) records.resize(3);
    write_export(**writer, all);
    return text_of(dir.file("g.csv"));
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("an output path that cannot be written is refused with the path and the reason") {
    auto csv = make_csv_writer("/nonexistent-dir/x.csv", test_file_info());
    REQUIRE_FALSE(csv.has_value());
    CHECK(csv.error().message == "/nonexistent-dir/x.csv: cannot create: No such file or directory");
    auto h5 = make_hdf5_writer("/proc/x.h5", test_file_info());
    REQUIRE_FALSE(h5.has_value());
    CHECK(h5.error().message.rfind("/proc/x.h5: cannot create the file", 0) == 0);
}

TEST_CASE("a creation time ISO-8601 cannot write is refused before the file is made") {
    TempDir dir;
    ExportFileInfo info = test_file_info();
    info.created_utc_us = -1;
    auto csv = make_csv_writer(dir.file("x.csv"), info);
    REQUIRE_FALSE(csv.has_value());
    CHECK(csv.error().message == dir.file("x.csv") + ": creation time -1 us is outside 1970..9999");
    CHECK_FALSE(make_hdf5_writer(dir.file("x.h5"), info).has_value());
    CHECK_FALSE(std::filesystem::exists(dir.file("x.csv")));
    CHECK_FALSE(std::filesystem::exists(dir.file("x.h5")));
}

TEST_CASE("writers refuse records out of sequence, times the store cannot have, and calls out of order") {
    TempDir dir;
    auto csv = make_csv_writer(dir.file("x.csv"), test_file_info());
    auto h5 = make_hdf5_writer(dir.file("x.h5"), test_file_info());
    REQUIRE(csv.has_value());
    REQUIRE(h5.has_value());
    for (ExportWriter* w : {csv->get(), h5->get()}) {
        const ExportSensor s = sensor_without_config(0, 1, ss::RecordType::ts);
        CHECK_FALSE(w->append({}).has_value());
        CHECK_FALSE(w->end_sensor().has_value());
        REQUIRE(w->begin_sensor(s).has_value());
        CHECK_FALSE(w->begin_sensor(s).has_value());
        const ExportRecord first{10, 0, RecordClock::unknown, 0, 1, 0};
        REQUIRE(w->append(std::span(&first, 1)).has_value());
        const ExportRecord again{10, 0, RecordClock::unknown, 0, 1, 0};
        auto repeated = w->append(std::span(&again, 1));
        REQUIRE_FALSE(repeated.has_value());
        CHECK(repeated.error().message.find("host:1: sequence number 10 does not follow 10") != std::string::npos);
        const ExportRecord timed_unknown{11, 5, RecordClock::unknown, 0, 1, 0};
        CHECK_FALSE(w->append(std::span(&timed_unknown, 1)).has_value());
        const ExportRecord event_on_ts{12, 0, RecordClock::unknown, 0, 1, 99};
        CHECK_FALSE(w->append(std::span(&event_on_ts, 1)).has_value());
        const ExportRecord past_9999{13, 253'402'300'800'000'000 /* 10000-01-01 */, RecordClock::utc, 0, 1, 0};
        CHECK_FALSE(w->append(std::span(&past_9999, 1)).has_value());
        CHECK_FALSE(w->finish().has_value()); // a sensor is open
        REQUIRE(w->end_sensor().has_value());
        auto twice = w->begin_sensor(s);
        REQUIRE_FALSE(twice.has_value());
        CHECK(twice.error().message.find("host:1 is exported twice") != std::string::npos);
        ExportSensor bad_metadata = *sensor_from_config(test_spec(), 0, 100, ss::RecordType::ts);
        bad_metadata.metadata->calibration.slope = 0.0;
        auto refused = w->begin_sensor(bad_metadata);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().message.find("host:100: metadata: ") != std::string::npos);
        REQUIRE(w->finish().has_value());
    }
}

TEST_CASE("malformed CSV is refused with the file, the line and the problem") {
    const std::string good = good_csv();
    {
        TempDir dir;
        write_text(dir.file("ok.csv"), good);
        auto reader = open_csv_reader(dir.file("ok.csv"));
        REQUIRE(reader.has_value());
        REQUIRE(read_export(**reader).has_value()); // the undamaged file is fine
    }
    csv_refused("", "not a sensor-storage CSV export");
    csv_refused("a,b\r\n1,2\r\n", "not a sensor-storage CSV export");
    csv_refused(replace_once(good, "#ss-export-csv,1", "#ss-export-csv,2"), "format version 2");
    csv_refused(replace_once(good, "raw,value", "raw,valu"), ":3: the header row is not the export's columns");
    // Line 3 is the header row, line 4 host:100's #sensor line; its rows are lines 5 to 7 (raw
    // 0, 37, 74: all bad, -50 to -46.3 °C; monotonic times of boot 4).
    csv_refused(replace_once(good, "host:100,temp-100,1000,", "host:100,temp-100,x1000,"), ":5: seq \"x1000\"");
    csv_refused(replace_once(good, "host:100,temp-100,1001,", "host:100,temp-100,999,"), ":6: sequence number 999");
    csv_refused(replace_once(good, ",bad,\r\n", ",bad\r\n"), ":5: has 10 fields; the header row has 11");
    csv_refused(replace_once(good, ",bad,\r\n", ",good,\r\n"), "quality \"good\" is not what the channel's rules give");
    csv_refused(replace_once(good, ",4,0,-50,bad,", ",4,0,-49,bad,"), "value \"-49\" is not raw 0 calibrated");
    csv_refused(replace_once(good, "boot4+5.000000s", "boot4+5.000001s"), "time \"boot4+5.000001s\"");
    csv_refused(replace_once(good, ",mono,", ",gps,"), "clock \"gps\"");
    csv_refused(replace_once(good, "temp-100,1000,", "temp-100,\"1000,"), "malformed CSV");
    csv_refused(replace_once(good, "#sensor,host:100,ts,", "#sensor,host:100,xx,"), "type \"xx\"");
    csv_refused(replace_once(good, "#sensor,host:100,ts,temp-100,metadata,temp-100,°C,-20,60",
                             "#sensor,host:100,ts,temp-100,metadata,temp-100,°C,-20,-60"),
                "host:100: metadata: ");
    csv_refused(replace_once(good, "#sensor,host:100", "#sensor,bus:100"), "\"bus:100\" is not a sensor");
    csv_refused(replace_once(good, "#sensor,host:101", "#sensor,host:100"), "host:100 appears twice");
    csv_refused(good + "#comment,line\r\n", "\"#comment\" is not a line this format has among records");
}

TEST_CASE("an HDF5 file that is no export, or misses a dataset, is refused naming the file and the object") {
    TempDir dir;
    {
        auto plain = open_hdf5_reader(dir.file("none.h5"));
        REQUIRE_FALSE(plain.has_value());
        CHECK(plain.error().message.rfind(dir.file("none.h5") + ": cannot open as HDF5: ", 0) == 0);
    }
    write_text(dir.file("text.h5"), "not hdf5\n");
    CHECK_FALSE(open_hdf5_reader(dir.file("text.h5")).has_value());
    {
        const hid_t f = H5Fcreate(dir.file("other.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        REQUIRE(f >= 0);
        H5Fclose(f);
        auto other = open_hdf5_reader(dir.file("other.h5"));
        REQUIRE_FALSE(other.has_value());
        CHECK(other.error().message.find("is not a sensor-storage HDF5 export") != std::string::npos);
    }
    {
        auto writer = make_hdf5_writer(dir.file("x.h5"), test_file_info());
        REQUIRE(writer.has_value());
        SensorRecords all = synthetic_export();
        all.resize(2);
        write_export(**writer, all);
        const hid_t f = H5Fopen(dir.file("x.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(f >= 0);
        REQUIRE(H5Ldelete(f, "/host/101/raw", H5P_DEFAULT) >= 0);
        H5Fclose(f);
        auto reader = open_hdf5_reader(dir.file("x.h5"));
        REQUIRE(reader.has_value());
        auto read = read_export(**reader);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().message == dir.file("x.h5") + ": /host/101: has no dataset \"raw\"");
    }
    {
        auto writer = make_hdf5_writer(dir.file("y.h5"), test_file_info());
        REQUIRE(writer.has_value());
        SensorRecords all = synthetic_export();
        all.resize(1);
        write_export(**writer, all);
        const hid_t f = H5Fopen(dir.file("y.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(f >= 0);
        const hid_t g = H5Gopen2(f, "/host/100", H5P_DEFAULT);
        REQUIRE(H5Adelete(g, "calibration_slope") >= 0);
        H5Gclose(g);
        H5Fclose(f);
        auto reader = open_hdf5_reader(dir.file("y.h5"));
        REQUIRE(reader.has_value());
        auto read = read_export(**reader);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().message == dir.file("y.h5") + ": /host/100: has no attribute \"calibration_slope\"");
    }
    {
        // A calibrated value changed after the export: raw no longer gives it.
        auto writer = make_hdf5_writer(dir.file("z.h5"), test_file_info());
        REQUIRE(writer.has_value());
        SensorRecords all = synthetic_export();
        all.resize(1);
        write_export(**writer, all);
        const hid_t f = H5Fopen(dir.file("z.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(f >= 0);
        const hid_t d = H5Dopen2(f, "/host/100/value", H5P_DEFAULT);
        const hid_t space = H5Dget_space(d);
        const hsize_t start = 3, one = 1;
        REQUIRE(H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, &one, nullptr) >= 0);
        const hid_t memory = H5Screate_simple(1, &one, nullptr);
        const double changed = 12.5;
        REQUIRE(H5Dwrite(d, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, &changed) >= 0);
        H5Sclose(memory);
        H5Sclose(space);
        H5Dclose(d);
        H5Fclose(f);
        auto reader = open_hdf5_reader(dir.file("z.h5"));
        REQUIRE(reader.has_value());
        auto read = read_export(**reader);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().message == dir.file("z.h5") + ": /host/100 record 3: value is not raw 111 calibrated");
    }
}
