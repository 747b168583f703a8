// The HDF5 layout as HDF5 itself reports it: groups /<source>/<id>, column datasets with their
// types, extensible, chunked (64 Ki, or the size of a sensor smaller than that), shuffled
// and deflated; the metadata attributes; and HDF5 errors returned as messages naming the file.
#include <doctest/doctest.h>

#include <hdf5.h>

#include <string>

#include "export_test_support.hpp"
#include "ss/export/hdf5_export.hpp"

using namespace ss::store_export;
using namespace ss::store_export::test;

namespace {

struct Opened {
    hid_t id;
    herr_t (*close)(hid_t);
    ~Opened() {
        if (id >= 0) close(id);
    }
};

std::vector<H5Z_filter_t> filters_of(hid_t dataset) {
    Opened plist{H5Dget_create_plist(dataset), H5Pclose};
    std::vector<H5Z_filter_t> filters;
    const int n = H5Pget_nfilters(plist.id);
    for (int i = 0; i < n; ++i) {
        unsigned flags = 0;
        std::size_t elements = 0;
        unsigned values[4] = {};
        unsigned config = 0;
        filters.push_back(H5Pget_filter2(plist.id, static_cast<unsigned>(i), &flags, &elements, values, 0, nullptr, &config));
    }
    return filters;
}

hsize_t chunk_of(hid_t dataset) {
    Opened plist{H5Dget_create_plist(dataset), H5Pclose};
    hsize_t chunk = 0;
    REQUIRE(H5Pget_layout(plist.id) == H5D_CHUNKED);
    REQUIRE(H5Pget_chunk(plist.id, 1, &chunk) == 1);
    return chunk;
}

} // namespace

TEST_CASE("every sensor is a group /<source>/<id> of chunked, shuffled, deflated, extensible column datasets") {
    TempDir dir;
    const SensorRecords all = synthetic_export();
    {
        auto writer = make_hdf5_writer(dir.file("x.h5"), test_file_info());
        REQUIRE(writer.has_value());
        write_export(**writer, all);
    }
    Opened file{H5Fopen(dir.file("x.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
    REQUIRE(file.id >= 0);
    Opened seq{H5Dopen2(file.id, "/host/100/seq", H5P_DEFAULT), H5Dclose};
    REQUIRE(seq.id >= 0);
    CHECK(filters_of(seq.id) == std::vector<H5Z_filter_t>{H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE});
    CHECK(chunk_of(seq.id) == all[0].second.size()); // smaller than a chunk: one of its size
    Opened space{H5Dget_space(seq.id), H5Sclose};
    hsize_t size = 0, max = 0;
    REQUIRE(H5Sget_simple_extent_dims(space.id, &size, &max) == 1);
    CHECK(size == all[0].second.size());
    CHECK(max == H5S_UNLIMITED);

    const std::pair<const char*, H5T_class_t> columns[] = {
        {"seq", H5T_INTEGER},  {"time_us", H5T_INTEGER}, {"clock", H5T_ENUM},   {"boot", H5T_INTEGER},
        {"raw", H5T_INTEGER},  {"value", H5T_FLOAT},     {"quality", H5T_ENUM}, {"event_ms", H5T_INTEGER}};
    for (const auto& [name, type_class] : columns) {
        INFO(name);
        const std::string ts_path = std::string("/host/100/") + name;
        const std::string evt_path = std::string("/app/2/") + name;
        CHECK((H5Lexists(file.id, ts_path.c_str(), H5P_DEFAULT) > 0) == (std::string(name) != "event_ms"));
        Opened d{H5Dopen2(file.id, evt_path.c_str(), H5P_DEFAULT), H5Dclose};
        REQUIRE(d.id >= 0);
        Opened type{H5Dget_type(d.id), H5Tclose};
        CHECK(H5Tget_class(type.id) == type_class);
    }
    // The quality enum's names and values.
    Opened quality{H5Dopen2(file.id, "/host/100/quality", H5P_DEFAULT), H5Dclose};
    Opened qtype{H5Dget_type(quality.id), H5Tclose};
    char name[32];
    for (auto [value, expected] : {std::pair{0, "good"}, std::pair{1, "suspect"}, std::pair{2, "bad"},
                                   std::pair{3, "interpolated"}, std::pair{255, "unknown"}}) {
        const auto v = static_cast<std::uint8_t>(value);
        REQUIRE(H5Tenum_nameof(qtype.id, &v, name, sizeof name) >= 0);
        CHECK(std::string(name) == expected);
    }
}

TEST_CASE("a sensor smaller than a chunk, known ahead or found at its end, gets chunks its size, down to 256") {
    TempDir dir;
    auto writer = make_hdf5_writer(dir.file("x.h5"), test_file_info());
    REQUIRE(writer.has_value());
    struct Case {
        std::uint32_t id;
        std::uint64_t expected_records; // the hint; 0 = unknown
        std::uint64_t records;          // written
        hsize_t chunk;
    };
    const Case cases[] = {
        {1, 10, 0, 256},                        // known small, empty
        {2, 0, 3000, 3000},                     // unknown, ends before a chunk is full
        {3, 5000, 6000, 5000},                  // known, then more than known
        {4, 0, 70'000, hdf5_chunk_records},     // unknown and large
        {5, 0, 100, 256},
    };
    std::vector<ExportRecord> records;
    for (const Case& c : cases) {
        ExportSensor s = sensor_without_config(0, c.id, ss::RecordType::ts);
        s.expected_records = c.expected_records;
        REQUIRE((*writer)->begin_sensor(s).has_value());
        records.clear();
        for (std::uint64_t i = 0; i < c.records; ++i) records.push_back({i, 0, RecordClock::unknown, 0, 7, 0});
        REQUIRE((*writer)->append(records).has_value());
        REQUIRE((*writer)->end_sensor().has_value());
    }
    REQUIRE((*writer)->finish().has_value());
    Opened file{H5Fopen(dir.file("x.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
    for (const Case& c : cases) {
        INFO("host:" << c.id);
        const std::string path = "/host/" + std::to_string(c.id) + "/raw";
        Opened d{H5Dopen2(file.id, path.c_str(), H5P_DEFAULT), H5Dclose};
        REQUIRE(d.id >= 0);
        CHECK(chunk_of(d.id) == c.chunk);
        Opened space{H5Dget_space(d.id), H5Sclose};
        hsize_t size = 0;
        H5Sget_simple_extent_dims(space.id, &size, nullptr);
        CHECK(size == c.records);
    }
}

TEST_CASE("an HDF5 file that cannot be created is an error naming the file and giving HDF5's reason") {
    auto writer = make_hdf5_writer("/nonexistent-dir/x.h5", test_file_info());
    REQUIRE_FALSE(writer.has_value());
    INFO(writer.error().message);
    const std::string prefix = "/nonexistent-dir/x.h5: cannot create the file: ";
    CHECK(writer.error().message.rfind(prefix, 0) == 0);
    CHECK(writer.error().message.size() > prefix.size() + 10);
}
