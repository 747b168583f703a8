// The quota stage: the disk budget as the file system allows it, and what the budget dropped.
// The disk tier enforces the configured quota (global and per sensor) itself: at the quota it
// drops the oldest unsent disk sector, never a pending one, and while the file system reports
// ENOSPC the space in use stands in for the quota. Every period (5 s by default) this stage
//   - asks the file system holding the data root for its free space (statvfs, or the probe a
//     test scripts). When writing up to the configured quota would leave less than the reserve
//     free — the reserve being the larger of min_free_bytes and min_free_pct of the file
//     system's size — it caps the quota at what fits: the space the tier uses plus the free
//     space above the reserve (never below what is in use, so nothing is dropped to make the
//     cap; the tier then drops the oldest unsent data as it writes new). When the configured
//     quota fits again, the cap goes. Lowering and restoring are logged once each;
//   - reads every sensor's dropped_quota counter and logs, for each that rose, one line:
//     "quota: dropped N unsent records of <source>:<id> (oldest first) to stay within X";
//   - posts its figures on the stage board, and answers get_atom with them.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ss/actors/messages.hpp"
#include "ss/actors/stage_board.hpp"
#include "ss/actors/stage_log.hpp"
#include "ss/engine.hpp"
#include "ss/hal/file_system.hpp"

namespace ss::actors {

using quota_actor = caf::typed_actor<caf::reacts_to<caf::tick_atom>, caf::replies_to<caf::get_atom>::with<QuotaStats>>;

/// Reads the space of the file system holding `path`: 0 and `out` filled, or a negative errno.
using FreeSpaceProbe = std::function<int(const std::string& path, hal::FsSpace& out)>;

struct QuotaSettings {
    caf::timespan period = std::chrono::seconds(5); ///< between two checks
    std::string data_root;                          ///< the disk tier's directory; "" = no watching
    std::uint64_t min_free_bytes = 64ull << 20;     ///< space the store leaves free for everyone else
    std::uint32_t min_free_pct = 0;                 ///< the same, in percent of the file system's size (0..100)
    std::uint64_t quota_per_sensor_bytes = 0;       ///< SsInitCfg::disk_quota_per_sensor_bytes, for the log lines
    FreeSpaceProbe free_space;                      ///< empty: statvfs (hal::file_system_space)
    StageLog log;                                   ///< stderr when empty
};

struct QuotaState {
    static inline const char* name = "quota";
    Engine* engine = nullptr;
    StageBoard* board = nullptr; ///< where the stats are posted; may be null
    QuotaSettings settings{};
    caf::actor_clock::time_point next{};
    std::vector<std::uint64_t> dropped_seen; ///< per slot: its dropped_quota at the last check
    bool probe_failing = false;              ///< logged once until the probe works again
    QuotaStats stats{};
};

/// Spawn with sys.spawn(quota, &engine, settings, &board) (board may be null). The engine and
/// the board must outlive the actor; the engine's cold tier, if any, is the disk tier
/// (StorageHost opens it). Without one there is nothing to watch: the stage only ticks.
quota_actor::behavior_type quota(quota_actor::stateful_pointer<QuotaState> self, Engine* engine, QuotaSettings settings,
                                 StageBoard* board);

/// "64 MiB", "1.5 GiB", "300 KiB", "12 B": bytes for a log line.
std::string bytes_text(std::uint64_t bytes);

} // namespace ss::actors
