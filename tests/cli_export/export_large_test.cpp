// Streaming at size: 2 Mi records over 2048 sensors (the benchmark store has 2048) go
// through each writer and back through its reader in batches, and the process's peak resident
// memory grows by less than a bound far below the records' own size (64 MiB as ExportRecords),
// so neither side holds a whole export. Prints records/s and file sizes.
#include <doctest/doctest.h>

#include <sys/resource.h>

#include <chrono>
#include <filesystem>

#include "export_test_support.hpp"
#include "ss/export/csv_export.hpp"
#include "ss/export/hdf5_export.hpp"

using namespace ss::store_export;
using namespace ss::store_export::test;

namespace {

constexpr std::uint32_t sensors = 2048;
constexpr std::uint64_t records_per_sensor = 1024;
constexpr std::uint64_t total_records = sensors * records_per_sensor;
// Peak growth allowed: HDF5's chunk caches and metadata, one chunk of column buffers, the
// batches (measured: under 7 MiB for HDF5, under 1 MiB for CSV). Holding the export would take
// 2 Mi * 32 B = 64 MiB for the records alone; HDF5 keeping every sensor's metadata cached
// took 300 MiB.
constexpr long max_growth_kib = 16 * 1024;
// AddressSanitizer keeps freed memory in quarantine (up to 256 MiB), so the peak says nothing
// about what the code holds there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool rss_meaningful = false;
#else
constexpr bool rss_meaningful = true;
#endif

long peak_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

ExportSensor large_sensor(std::uint32_t k) {
    if (k % 2 == 0) {
        auto s = sensor_from_config(test_spec(), 0, 100, ss::RecordType::ts);
        REQUIRE(s.has_value());
        s->id = 1000 + k; // the temperatures' metadata under many ids
        return *s;
    }
    return sensor_without_config(1, k, k % 4 == 1 ? ss::RecordType::evt : ss::RecordType::ts);
}

void write_large(ExportWriter& writer) {
    std::vector<ExportRecord> batch(256);
    for (std::uint32_t k = 0; k < sensors; ++k) {
        ExportSensor sensor = large_sensor(k);
        sensor.expected_records = records_per_sensor;
        REQUIRE(writer.begin_sensor(sensor).has_value());
        for (std::uint64_t i = 0; i < records_per_sensor; i += batch.size()) {
            for (std::size_t j = 0; j < batch.size(); ++j) batch[j] = synthetic_record(sensor, i + j, records_per_sensor);
            auto ok = writer.append(batch);
            REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().message));
        }
        REQUIRE(writer.end_sensor().has_value());
    }
    auto done = writer.finish();
    REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error().message));
}

/// Reads everything back; the number of records, checking each sensor's against what was written.
std::uint64_t read_large(ExportReader& reader) {
    std::vector<ExportRecord> batch(4096);
    std::uint64_t records = 0;
    for (;;) {
        auto sensor = reader.next_sensor();
        REQUIRE(sensor.has_value());
        if (!*sensor) return records;
        std::uint64_t i = 0;
        for (;;) {
            auto n = reader.read(batch);
            REQUIRE_MESSAGE(n.has_value(), (n ? "" : n.error().message));
            if (*n == 0) break;
            for (std::size_t j = 0; j < *n; ++j, ++i) {
                // One REQUIRE per record would cost more than the reading it checks.
                const ExportRecord expected = synthetic_record(**sensor, i, records_per_sensor);
                if (!(batch[j] == expected)) REQUIRE(batch[j] == expected);
            }
        }
        CHECK(i == records_per_sensor);
        records += i;
    }
}

void run(const char* format, const std::string& path,
         ExportResult<std::unique_ptr<ExportWriter>> (*make)(const std::string&, const ExportFileInfo&),
         ExportResult<std::unique_ptr<ExportReader>> (*open)(const std::string&)) {
    test_spec();
    const long before = peak_rss_kib();
    const auto t0 = std::chrono::steady_clock::now();
    {
        auto writer = make(path, test_file_info());
        REQUIRE(writer.has_value());
        write_large(**writer);
    }
    const auto t1 = std::chrono::steady_clock::now();
    const long write_growth = peak_rss_kib() - before;
    std::uint64_t read = 0;
    {
        auto reader = open(path);
        REQUIRE(reader.has_value());
        read = read_large(**reader);
    }
    const auto t2 = std::chrono::steady_clock::now();
    const long growth = peak_rss_kib() - before;
    const double write_s = std::chrono::duration<double>(t1 - t0).count();
    const double read_s = std::chrono::duration<double>(t2 - t1).count();
    MESSAGE(std::string(format) << ": " << total_records << " records, " << sensors << " sensors: written in " << write_s << " s ("
                   << static_cast<std::uint64_t>(static_cast<double>(total_records) / write_s) << " records/s), read in "
                   << read_s << " s (" << static_cast<std::uint64_t>(static_cast<double>(total_records) / read_s)
                   << " records/s), file " << std::filesystem::file_size(path) << " B, peak RSS growth " << write_growth
                   << " KiB writing, " << growth << " KiB in all");
    CHECK(read == total_records);
    if (rss_meaningful) CHECK(growth < max_growth_kib);
}

} // namespace

TEST_CASE("2 Mi records over 2048 sensors stream through the CSV writer and reader in bounded memory") {
    TempDir dir;
    run("csv", dir.file("large.csv"), make_csv_writer, open_csv_reader);
}

TEST_CASE("2 Mi records over 2048 sensors stream through the HDF5 writer and reader in bounded memory") {
    TempDir dir;
    run("hdf5", dir.file("large.h5"), make_hdf5_writer, open_hdf5_reader);
}
