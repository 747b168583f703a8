// Export metadata from the actor config file (config/, docs/configuration.md): which config
// sensor a stored (source, id) is, its channel metadata as the runtime builds it, and the
// sensors and file name of a [datasets] entry (seed 001).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ss/actors/pipeline_spec.hpp"
#include "ss/export/export_model.hpp"

namespace ss::store_export {

/// The config sensor stored under (source, id): the [sensors] entry whose source's bus is
/// `source` and whose ids include `id` (a group of `count` is expanded as the runtime does, names
/// "<group>-<id>"), with its metadata (make_channel: name, unit, valid and plausible ranges,
/// slope, offset, calibration date; signed32 encoding for signed CAN signals). Refused if the
/// config has no such sensor, or it has the other record type than `stored_type`.
ExportResult<ExportSensor> sensor_from_config(const actors::PipelineSpec& spec, std::uint8_t source,
                                              std::uint32_t id, RecordType stored_type);

/// A sensor exported without a config: no name, no metadata (value = raw, quality unknown).
ExportSensor sensor_without_config(std::uint8_t source, std::uint32_t id, RecordType type);

/// The export file formats.
enum class ExportFormat : std::uint8_t { csv, hdf5 };

/// A [datasets] entry resolved against the config's sensors.
struct DatasetSelection {
    DatasetInfo info;                  ///< for ExportFileInfo::dataset
    std::vector<ExportSensor> sensors; ///< every member, in the order listed, groups expanded
    std::string file_name;             ///< dataset_file_name(info, format)
};

/// "<name>_<id>.h5" or ".csv" (seed 001), spaces and any byte other than letters, digits, '.',
/// '_' and '-' replaced by '_' so that an id like "run 3/4" stays one file name.
std::string dataset_file_name(const DatasetInfo& dataset, ExportFormat format);

/// The dataset called `name`: its sensors (a group's name stands for all its members, a member
/// may be listed alone; each sensor once) with their metadata. Refused if there is no such
/// dataset.
ExportResult<DatasetSelection> dataset_from_config(const actors::PipelineSpec& spec, std::string_view name,
                                                   ExportFormat format);

} // namespace ss::store_export
