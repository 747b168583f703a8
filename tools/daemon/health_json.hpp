// /health: a RuntimeSnapshot's verdict and key figures as a small JSON object, for load
// balancers, systemd-style probes and people. docs/metrics.md describes every field.
#pragma once

#include <string>

#include "ss/actors/runtime_snapshot.hpp"

namespace ss::daemon {

/// Whether /health reports "ok" (HTTP 200) rather than "degraded" (503). The runtime decides:
/// the core's sticky flags (corruption, dropping) stay set for the life of the process, and a
/// probe that failed forever after one dropped record would only get a healthy gateway killed.
bool health_ok(const actors::RuntimeSnapshot& snapshot) noexcept;

/// {"status":"ok"|"degraded","gateway":…,"uptime_s":…,"problems":[…],"health_flags":[…],
///  "sensors":…,"records_retained":…,"ram_used_pct":…,"disk_bytes_used":…,
///  "oldest_unsent_age_s":…,"upload":{…}} and a final newline.
std::string render_health_json(const actors::RuntimeSnapshot& snapshot);

} // namespace ss::daemon
