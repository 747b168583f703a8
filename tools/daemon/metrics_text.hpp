// /metrics: a RuntimeSnapshot in the Prometheus text exposition format, version 0.0.4.
// docs/metrics.md lists every family with its type, labels and meaning.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ss/actors/runtime_snapshot.hpp"

namespace ss::daemon {

/// The Content-Type a scraper expects for this format (null-terminated, for C APIs).
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// Every family of the snapshot. The per-sensor families cover only the first
/// max_sensor_series sensors of snapshot.sensors, so a gateway with thousands of sensors cannot
/// flood a Prometheus server; sensor_storage_sensor_series_limited tells when that cut, and the
/// totals always cover every sensor.
std::string render_metrics(const actors::RuntimeSnapshot& snapshot, std::size_t max_sensor_series);

} // namespace ss::daemon
