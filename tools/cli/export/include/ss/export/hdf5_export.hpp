// HDF5 export and import (docs/export-formats.md, "HDF5"): one group per sensor, /<source>/<id>,
// with extensible, chunked, shuffled and deflated datasets and the channel metadata as attributes.
// HDF5's own printing of its error stack is switched off for the whole process when the first
// writer or reader is made; its errors come back as ExportError messages naming the file and the
// object. HDF5 (Debian's serial build) is used from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ss/export/export_reader.hpp"
#include "ss/export/export_writer.hpp"

namespace ss::store_export {

/// The HDF5 layout's version, the root attribute format_version.
inline constexpr unsigned hdf5_format_version = 1;

/// Elements per chunk of every dataset when the sensor's record count is unknown or larger
/// (docs/export-formats.md says why 64 Ki).
inline constexpr std::uint64_t hdf5_chunk_records = 64 * 1024;

/// Creates (or truncates) `path` and writes the root attributes.
ExportResult<std::unique_ptr<ExportWriter>> make_hdf5_writer(const std::string& path, const ExportFileInfo& info);

/// Opens an HDF5 export and reads its root attributes and the list of sensor groups. Sensors come
/// in (source, id) order, whatever order they were written in.
ExportResult<std::unique_ptr<ExportReader>> open_hdf5_reader(const std::string& path);

} // namespace ss::store_export
