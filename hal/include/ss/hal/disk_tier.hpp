// The disk tier as the POSIX port offers it: a cold tier (ss/cold_tier.hpp) over the data root
// of SsInitCfg::disk_root, built by the platform when ss_init_system is given a disk root. The
// implementation, in parts, is under hal/posix/disk/ (disk_tier.hpp there).
#pragma once

#include <cstdint>

#include "ss/cold_tier.hpp"
#include "ss/expected.hpp"
#include "ss/hal/file_system.hpp"
#include "ss/sensor_storage.h"
#include "ss/sensor_store.hpp"
#include "ss/text.hpp"

namespace ss {
class Engine;
}

namespace ss::hal {

/// Health bits the disk tier raises (SsSystemStats::health_flags).
inline constexpr std::uint32_t health_disk_error = SS_HEALTH_DISK_ERROR;
inline constexpr std::uint32_t health_disk_full = SS_HEALTH_DISK_FULL;

/// The disk tier over `fs` for cfg.disk_root, with everything there recovered; a runtime that
/// owns its engine (or a test with a fault-injecting file system) opens it this way. Released
/// with destroy_disk_tier, before the engine.
Expected<ColdTier*> open_disk_tier(const SsInitCfg& cfg, Engine& engine, FileSystem& fs, SsLogFn log, void* log_ctx,
                                   Text& why);
/// The POSIX port's factory for ss::port::Platform::cold_tier_create: open_disk_tier over the
/// real file system.
Expected<ColdTier*> create_disk_tier(const SsInitCfg& cfg, Engine& engine, SsLogFn log, void* log_ctx, Text& why);
void destroy_disk_tier(ColdTier* tier);

// The calls below take a tier that open_disk_tier or create_disk_tier returned. Each may be
// made from any thread, concurrently with the manager tick and the uploader.

/// One bounded step of a scrub of sensor `slot`'s units in the disk tier: checks up to
/// max_units units that hold unsent records, from `at` on (ss/sensor_store.hpp's ScrubCursor,
/// by sequence number; at.finished once none is left). A unit on disk is read back and its
/// header, CRC and sequence number checked; a unit still in RAM, its image there. A bad unit is
/// handled as recovery handles one: dropped from what is served, its unsent records counted as
/// lost (lost_units, lost_records, dropped_corrupt; kept in the meta), SS_HEALTH_CORRUPTION
/// raised, its file and offset logged. A read that fails drops nothing (it is not evidence
/// about the data; the unit is passed over until the next pass). The sensor's cold lock is held
/// only between reads, never across one: the uploader waits for no I/O of the scrub's. Adds to
/// `report` (units checked, corrupt, records lost) and returns the units it took up — checked,
/// or whose read failed — which is what the caller's budget spent.
std::uint32_t scrub_disk_units(ColdTier* tier, std::uint32_t slot, ScrubCursor& at, std::uint32_t max_units,
                               SsScrubReport& report) noexcept;

/// Lifts the space limit (set_disk_space_limit).
inline constexpr std::uint64_t no_space_limit = ~std::uint64_t{0};

/// Caps the disk quota in force at `bytes` (whole disk sectors, rounded down): the quota is then
/// the least of the configured one, the one lowered while the file system reports ENOSPC, and
/// this. With less room than is in use, each write that needs a new disk sector first drops
/// the oldest unsent one (never a pending one), as at the configured quota. no_space_limit
/// lifts the cap.
void set_disk_space_limit(ColdTier* tier, std::uint64_t bytes) noexcept;

/// The disk tier's space, in bytes.
struct DiskSpace {
    std::uint64_t used_bytes = 0;        ///< disk sectors held over all sensors
    std::uint64_t quota_bytes = 0;       ///< the quota in force
    std::uint64_t configured_bytes = 0;  ///< SsInitCfg::disk_quota_bytes (whole disk sectors)
    std::uint64_t space_limit_bytes = no_space_limit; ///< set_disk_space_limit's cap
};
DiskSpace disk_space(const ColdTier* tier) noexcept;

} // namespace ss::hal
