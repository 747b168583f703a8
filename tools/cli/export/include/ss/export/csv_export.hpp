// CSV export and import (docs/export-formats.md, "CSV"): RFC 4180 text with a header row, one
// row per record; channel metadata on '#' lines before each sensor's rows.
#pragma once

#include <memory>
#include <string>

#include "ss/export/export_reader.hpp"
#include "ss/export/export_writer.hpp"

namespace ss::store_export {

/// The CSV format's version, written on its first line.
inline constexpr unsigned csv_format_version = 1;

/// Creates (or truncates) `path` and writes the file's '#' lines and the header row. Fails with
/// the path and the system's reason if it cannot be created.
ExportResult<std::unique_ptr<ExportWriter>> make_csv_writer(const std::string& path, const ExportFileInfo& info);

/// Opens a CSV export and reads its '#' lines up to the header row. Sensors come in file order.
ExportResult<std::unique_ptr<ExportReader>> open_csv_reader(const std::string& path);

} // namespace ss::store_export
