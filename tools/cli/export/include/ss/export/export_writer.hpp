// The streaming side of an export: sensors one after the other, each with its records in
// sequence order, written as they come, so memory stays bounded by one sensor's buffer whatever
// the store's size. make_csv_writer (csv_export.hpp) and make_hdf5_writer (hdf5_export.hpp)
// return one.
#pragma once

#include <span>

#include "ss/export/export_model.hpp"

namespace ss::store_export {

/// Writes one export file. Calls go begin_sensor, append..., end_sensor for each sensor, then
/// finish once. Not thread-safe. After an error the file is incomplete: the caller reports it and
/// drops the writer (the destructor closes the file without finishing it).
class ExportWriter {
public:
    virtual ~ExportWriter() = default;

    /// Starts a sensor. Refused if a sensor is open, the same (source, id) was written before, or
    /// the metadata fails the core's channel rules.
    virtual ExportResult<void> begin_sensor(const ExportSensor& sensor) = 0;
    /// Adds records of the open sensor. Sequence numbers must go up strictly across all appends
    /// of a sensor (the store never reuses one); refused otherwise, and for an event field on a
    /// time-series sensor.
    virtual ExportResult<void> append(std::span<const ExportRecord> records) = 0;
    /// Ends the open sensor (flushes its buffered records).
    virtual ExportResult<void> end_sensor() = 0;
    /// Completes the file (flushed and closed). Nothing may be called after it.
    virtual ExportResult<void> finish() = 0;
};

} // namespace ss::store_export
