// The checks every writer and reader applies to records, so that a file one of them writes the
// other reads, and the import refuses what the export could never have written.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "ss/export/export_model.hpp"

namespace ss::store_export::detail {

/// 9999-12-31T23:59:59.999999Z: the last UTC time ISO-8601's four-digit year can write.
inline constexpr std::int64_t max_utc_us = 253'402'300'799'999'999;

/// Why `record` cannot follow a record with sequence number *last_seq of `sensor` (none: no
/// record yet); nothing if it may. Sequence numbers go up strictly; a UTC time lies in
/// 0 .. max_utc_us, a monotonic one is not negative, an unknown one is 0; a time-series record
/// has event_ms 0.
std::optional<std::string> record_problem(const ExportSensor& sensor, const ExportRecord& record,
                                          const std::optional<std::uint64_t>& last_seq);

/// Why `info` cannot head an export (its creation time is outside what ISO-8601 can write:
/// 0 .. max_utc_us); nothing if it can.
std::optional<std::string> file_info_problem(const ExportFileInfo& info);

/// Why `sensor` cannot be exported (its metadata fails the core's channel rules, its source is
/// not one of the store's, its type is not ts or evt); nothing if it can.
std::optional<std::string> sensor_problem(const ExportSensor& sensor);

/// The (source, id) pairs a file has had so far.
using SeenSensors = std::set<std::pair<std::uint8_t, std::uint32_t>>;

/// Why a writer cannot start `sensor` ("<label>: " and sensor_problem's reason, or "<label> is
/// exported twice" when `seen` has it); nothing if it can, and then `seen` has it now.
std::optional<std::string> begin_sensor_problem(const ExportSensor& sensor, SeenSensors& seen);

} // namespace ss::store_export::detail
