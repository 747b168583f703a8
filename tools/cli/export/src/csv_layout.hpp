// The CSV export's fixed words: its first line, the '#' line kinds and the header row
// (docs/export-formats.md, "CSV"). Writer and reader share them so they cannot drift.
#pragma once

#include <array>
#include <string_view>

namespace ss::store_export::detail {

/// First field of the first line; the second is the format version.
inline constexpr std::string_view csv_magic = "#ss-export-csv";
/// '#' lines: file facts, the dataset, one per dataset metadata key, one per sensor.
inline constexpr std::string_view csv_file_line = "#file";
inline constexpr std::string_view csv_dataset_line = "#dataset";
inline constexpr std::string_view csv_dataset_metadata_line = "#dataset-metadata";
inline constexpr std::string_view csv_sensor_line = "#sensor";

/// The header row, in column order.
inline constexpr std::array<std::string_view, 11> csv_columns = {
    "sensor", "name", "seq", "time", "time_us", "clock", "boot", "raw", "value", "quality", "event_ms"};

/// A #sensor line's fields after the kind: label, type, config name, then "none" or
/// "metadata" followed by the channel's fields.
inline constexpr std::array<std::string_view, 10> csv_channel_fields = {
    "channel_name", "unit", "valid_low", "valid_high", "plausible_low", "plausible_high",
    "slope", "offset", "calibrated_ms", "encoding"};

} // namespace ss::store_export::detail
