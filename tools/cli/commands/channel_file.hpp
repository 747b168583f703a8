// The channel metadata a store keeps beside its data: <root>/channels.csv, written by `import`
// from the export it loads, read by `export` when no actor config is given, copied by
// `salvage`. It is a CSV export (docs/export-formats.md) with the sensors' '#sensor' lines and no
// records, so the format's own writer and reader serve it; the library never reads it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ss/export/export_model.hpp"
#include "store/result.hpp"
#include "store/sensor_key.hpp"

namespace ss::store_tool {

inline constexpr const char* channel_file = "channels.csv";

/// Writes <root>/channels.csv for `sensors` (their names and metadata; records none).
Result<void> write_channel_file(const std::string& root, const store_export::ExportFileInfo& info,
                                const std::vector<store_export::ExportSensor>& sensors);

/// The sensors <root>/channels.csv describes, by key; empty when the store has no such file.
Result<std::map<SensorKey, store_export::ExportSensor>> read_channel_file(const std::string& root);

} // namespace ss::store_tool
