#include "ss/actors/quota.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "ss/hal/disk_tier.hpp"
#include "ss/source_name.hpp"

namespace ss::actors {

std::string bytes_text(std::uint64_t bytes) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t u = 0;
    std::uint64_t scale = 1;
    while (u + 1 < std::size(units) && bytes >= scale * 1024) {
        scale *= 1024;
        ++u;
    }
    char text[32];
    if (bytes % scale == 0) std::snprintf(text, sizeof text, "%llu %s", static_cast<unsigned long long>(bytes / scale), units[u]);
    else std::snprintf(text, sizeof text, "%.1f %s", static_cast<double>(bytes) / static_cast<double>(scale), units[u]);
    return text;
}

namespace {

/// The budget the file system allows: the configured quota, or what the tier uses plus the
/// free space above the reserve if that is less.
void watch_space(QuotaState& s, ColdTier* cold) {
    const QuotaSettings& cfg = s.settings;
    hal::FsSpace fs;
    const int r = cfg.free_space ? cfg.free_space(cfg.data_root, fs) : hal::file_system_space(cfg.data_root.c_str(), fs);
    if (r < 0) {
        // Without a reading the quota stays as it is: lowering blind could drop data for
        // nothing, restoring blind could fill the disk.
        if (!s.probe_failing)
            write_log(cfg.log, 1, "quota: cannot read the free space of " + cfg.data_root + ": " + std::strerror(-r) +
                                      "; the disk quota stays as it is");
        s.probe_failing = true;
        return;
    }
    s.probe_failing = false;
    s.stats.free_bytes = fs.free_bytes;
    const hal::DiskSpace disk = hal::disk_space(cold);
    const std::uint64_t pct = std::min<std::uint32_t>(cfg.min_free_pct, 100);
    const std::uint64_t reserve = std::max(cfg.min_free_bytes, fs.total_bytes / 100 * pct + fs.total_bytes % 100 * pct / 100);
    const std::uint64_t above_reserve = fs.free_bytes > reserve ? fs.free_bytes - reserve : 0;
    const std::uint64_t fits = disk.used_bytes + above_reserve;
    if (fits >= disk.configured_bytes) {
        if (s.stats.lowered) {
            hal::set_disk_space_limit(cold, hal::no_space_limit);
            write_log(cfg.log, 2, "quota: " + cfg.data_root + " has " + bytes_text(fs.free_bytes) +
                                      " free again: the configured disk quota of " + bytes_text(disk.configured_bytes) +
                                      " is in force again");
            s.stats.lowered = false;
        }
        return;
    }
    // Set every period, not only when first lowered: what fits follows what others write.
    hal::set_disk_space_limit(cold, fits);
    if (!s.stats.lowered)
        write_log(cfg.log, 1, "quota: " + cfg.data_root + " has " + bytes_text(fs.free_bytes) + " free, the reserve is " +
                                  bytes_text(reserve) + ": the disk quota is lowered from " +
                                  bytes_text(disk.configured_bytes) + " to " + bytes_text(hal::disk_space(cold).quota_bytes) +
                                  " (" + bytes_text(disk.used_bytes) + " in use)");
    s.stats.lowered = true;
}

/// One line per sensor whose dropped_quota rose since the last check.
void report_drops(QuotaState& s, std::uint64_t quota_bytes) {
    const std::uint32_t n = s.engine->sensor_count();
    if (s.dropped_seen.size() < n) s.dropped_seen.resize(n, 0);
    for (std::uint32_t i = 0; i < n; ++i) {
        SsSensorStats st{};
        s.engine->stats(s.engine->store_at(i), st);
        if (st.dropped_quota <= s.dropped_seen[i]) continue;
        const std::uint64_t dropped = st.dropped_quota - s.dropped_seen[i];
        s.dropped_seen[i] = st.dropped_quota;
        s.stats.records_dropped += dropped;
        std::string within = bytes_text(quota_bytes);
        if (s.settings.quota_per_sensor_bytes != 0) within += " (" + bytes_text(s.settings.quota_per_sensor_bytes) + " per sensor)";
        write_log(s.settings.log, 1, "quota: dropped " + std::to_string(dropped) + " unsent records of " +
                                         source_name(st.source) + ":" + std::to_string(st.sensor_id) +
                                         " (oldest first) to stay within " + within);
    }
}

} // namespace

quota_actor::behavior_type quota(quota_actor::stateful_pointer<QuotaState> self, Engine* engine, QuotaSettings settings,
                                 StageBoard* board) {
    auto& st = self->state;
    st.engine = engine;
    st.board = board;
    st.settings = std::move(settings);
    st.next = self->clock().now() + st.settings.period;
    self->scheduled_send(self, st.next, caf::tick_atom::value);
    return {
        [self](caf::tick_atom) {
            auto& s = self->state;
            ++s.stats.checks;
            if (ColdTier* cold = s.engine->cold_tier()) {
                if (!s.settings.data_root.empty()) watch_space(s, cold);
                s.stats.quota_bytes = hal::disk_space(cold).quota_bytes;
                report_drops(s, s.stats.quota_bytes);
            }
            if (s.board != nullptr) {
                s.board->set_quota(s.stats);
                s.board->set_mailbox(QuotaState::name, self->mailbox().size());
            }
            s.next += s.settings.period;
            self->scheduled_send(self, s.next, caf::tick_atom::value);
        },
        [self](caf::get_atom) { return self->state.stats; },
    };
}

} // namespace ss::actors
