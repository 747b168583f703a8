#include "status_line.hpp"

#include <absl/strings/str_format.h>

#include <algorithm>

namespace ss::daemon {

Totals totals_of(const actors::RuntimeSnapshot& snap) {
    Totals t;
    for (const auto& s : snap.sensors) {
        const SsSensorStats& st = s.stats;
        t.records_in += st.written + st.dropped_new;
        t.stored += st.retained;
        t.uploaded += st.erased;
        t.dropped += st.dropped_new + st.dropped_recycled + st.dropped_corrupt + st.dropped_quota + st.lost_records;
        t.unsent += st.unsent;
        t.pending += st.pending;
        t.oldest_unsent_age_ms = std::max(t.oldest_unsent_age_ms, s.oldest_unsent_age_ms);
    }
    for (const auto& s : snap.sources) {
        t.overflows += s.overflows;
        t.samples_lost += s.samples_lost;
    }
    for (const auto& s : snap.stages) t.restarts += s.restarts;
    return t;
}

std::string human_bytes(std::uint64_t bytes) {
    if (bytes < 1024) return absl::StrFormat("%dB", bytes);
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes) / 1024.0;
    int u = 0;
    while (v >= 1024.0 && u < 3) {
        v /= 1024.0;
        ++u;
    }
    return absl::StrFormat("%.1f%s", v, units[u]);
}

std::string status_line(const actors::RuntimeSnapshot& snap, const Totals& t, std::uint64_t previous_in, double seconds) {
    const double rate = seconds > 0 && t.records_in >= previous_in ? static_cast<double>(t.records_in - previous_in) / seconds : 0.0;
    return absl::StrFormat(
        "t=%ds in=%d (+%.0f/s) stored=%d uploaded=%d dropped=%d ram=%d%% disk=%s unsent=%d oldest=%.1fs overflows=%d "
        "restarts=%d%s",
        snap.uptime_ms / 1000, t.records_in, rate, t.stored, t.uploaded, t.dropped, snap.system.ram_used_pct,
        human_bytes(snap.system.disk_bytes_used), t.unsent, static_cast<double>(t.oldest_unsent_age_ms) / 1000.0,
        t.overflows, t.restarts, snap.healthy ? "" : " DEGRADED");
}

} // namespace ss::daemon
