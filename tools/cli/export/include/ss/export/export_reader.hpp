// The streaming side of an import: an export file read back sensor by sensor, records in
// batches, into the model it was written from (export_model.hpp). open_csv_reader
// (csv_export.hpp) and open_hdf5_reader (hdf5_export.hpp) return one. Input is checked as it is
// read: a malformed file is refused with a message naming the file, the line or HDF5 object and
// the problem, at the point where it is found (records before it may have been returned).
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "ss/export/export_model.hpp"

namespace ss::store_export {

class ExportReader {
public:
    virtual ~ExportReader() = default;

    /// The file's facts (tool, creation time, dataset).
    virtual const ExportFileInfo& file_info() const noexcept = 0;
    /// Moves to the next sensor; none when every sensor has been read. The records of the
    /// previous sensor that were not read are skipped.
    virtual ExportResult<std::optional<ExportSensor>> next_sensor() = 0;
    /// Fills `out` with the current sensor's next records (sequence order); 0 when it has no more.
    virtual ExportResult<std::size_t> read(std::span<ExportRecord> out) = 0;
};

} // namespace ss::store_export
