// What an export holds, independent of where the records come from (a store on disk, a test) and
// of the file format they go to (CSV, HDF5): a file's facts, sensors with their channel metadata,
// and records in sequence order. Writers (export_writer.hpp) and import readers
// (export_reader.hpp) both speak this model, so an export read back compares equal to what was
// written. The formats are specified in docs/export-formats.md.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>

#include "ss/capture/channel.hpp"
#include "ss/sector_format.hpp"

namespace ss::store_export {

/// Why an export or import failed: a sentence for a person that names the file and, where one
/// is known, the line (CSV) or the HDF5 object, then the problem.
struct ExportError {
    std::string message;
};

template <class T>
using ExportResult = std::expected<T, ExportError>;

/// Which clock a record's time is on (the store's SS_TIME_UTC flag and SS_TIME_UNKNOWN).
enum class RecordClock : std::uint8_t {
    unknown = 0,   ///< no time is known (records of a format-1 store); time_us is 0
    monotonic = 1, ///< µs on the monotonic clock of boot `boot`: comparable within that boot only
    utc = 2,       ///< µs since 1970-01-01T00:00:00Z
};

/// One stored record.
struct ExportRecord {
    std::uint64_t seq = 0;      ///< the sensor's sequence number (gaps are kept, never renumbered)
    std::int64_t time_us = 0;   ///< when it was taken, µs on `clock`; 0 when the clock is unknown
    RecordClock clock = RecordClock::unknown;
    std::uint32_t boot = 0;     ///< the boot that wrote it (names the monotonic clock)
    std::uint32_t raw = 0;      ///< the 32-bit record value as stored
    std::uint64_t event_ms = 0; ///< event records: the raw ts_ms the writer gave; 0 for time series

    friend bool operator==(const ExportRecord&, const ExportRecord&) = default;
};

/// Sets record.time_us and record.clock from a store time as ss_batch_record_time gives it
/// (SS_TIME_UTC flag for UTC, SS_TIME_UNKNOWN = 0 for none).
void set_store_time(ExportRecord& record, std::uint64_t store_time) noexcept;

/// The store time of a record, for writing it back into a store: time_us with SS_TIME_UTC for
/// UTC, time_us for monotonic, SS_TIME_UNKNOWN for unknown. A monotonic time of 0 is
/// SS_TIME_UNKNOWN there (the store cannot tell them apart); a negative time_us is not one the
/// rules let through (record_rules.hpp) and gives SS_TIME_UNKNOWN.
std::uint64_t store_time(const ExportRecord& record) noexcept;

/// Quality written beside each value: the core's capture::Quality, plus `unknown` for a sensor
/// whose rules (valid and plausible ranges) are not known, so that no value is called good
/// without a rule saying so.
enum class ExportQuality : std::uint8_t {
    good = 0,
    suspect = 1,
    bad = 2,
    interpolated = 3,
    unknown = 255,
};

/// "good", "suspect", "bad", "interpolated" or "unknown".
const char* export_quality_name(ExportQuality quality) noexcept;

/// A sensor as exported: its identity in the store, its type and what is known about it.
struct ExportSensor {
    std::uint8_t source = 0;        ///< the store's SsSource byte (0 host, 1 app, 2 can)
    std::uint32_t id = 0;           ///< the sensor id within its source
    RecordType type = RecordType::ts;
    /// The sensor's name in the actor config ("temp-105"); "" when no config named it.
    std::string config_name;
    /// Channel metadata (name, unit, ranges, calibration, raw encoding); none = not known, and then
    /// the value is the raw number and the quality `unknown`.
    std::optional<capture::ChannelMetadata> metadata;
    /// Records the caller expects for this sensor; 0 = not known. Only sizes HDF5 chunks (a
    /// sensor with ten records does not need a chunk of 64 Ki); more or fewer may be appended.
    std::uint64_t expected_records = 0;

    /// Same identity, type, name and metadata field by field (expected_records is a hint and
    /// not compared; ChannelMetadata itself has no ==).
    friend bool operator==(const ExportSensor& a, const ExportSensor& b) noexcept;
};

/// "host:1": the source's name (ss/source_name.hpp) and the id, as the CSV and messages write it.
std::string sensor_label(std::uint8_t source, std::uint32_t id);

/// The calibrated value of a record: capture::to_physical with metadata, else the raw number.
double export_value(const ExportSensor& sensor, std::uint32_t raw) noexcept;

/// The quality of a record: capture::quality_of_raw with metadata, else unknown.
ExportQuality export_quality(const ExportSensor& sensor, std::uint32_t raw) noexcept;

/// A dataset of the actor config (seed 001), when the export is one.
struct DatasetInfo {
    std::string name;
    std::string id;
    std::string description;
    std::map<std::string, std::string> metadata; ///< free-form key → text

    friend bool operator==(const DatasetInfo&, const DatasetInfo&) = default;
};

/// Facts about the file as a whole.
struct ExportFileInfo {
    std::string tool_version;        ///< the program that wrote it, e.g. "ss-store 0.1.0"
    std::int64_t created_utc_us = 0; ///< when it was written, µs since the Unix epoch
    std::optional<DatasetInfo> dataset;

    friend bool operator==(const ExportFileInfo&, const ExportFileInfo&) = default;
};

} // namespace ss::store_export
