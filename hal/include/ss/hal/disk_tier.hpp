// The disk tier as the POSIX port offers it: a cold tier (ss/cold_tier.hpp) over the data root
// of SsInitCfg::disk_root, built by the platform when ss_init_system is given a disk root. The
// implementation, in parts, is under hal/posix/disk/ (disk_tier.hpp there).
#pragma once

#include <cstdint>

#include "ss/cold_tier.hpp"
#include "ss/expected.hpp"
#include "ss/hal/file_system.hpp"
#include "ss/sensor_storage.h"
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

} // namespace ss::hal
