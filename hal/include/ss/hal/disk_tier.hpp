// The disk tier as the POSIX port offers it: a cold tier (ss/cold_tier.hpp) over the data root
// of SsInitCfg::disk_root, built by the platform when ss_init_system is given a disk root. The
// implementation, in parts, is under hal/posix/disk/ (disk_tier.hpp there).
#pragma once

#include <cstdint>

#include "ss/cold_tier.hpp"
#include "ss/expected.hpp"
#include "ss/sensor_storage.h"
#include "ss/text.hpp"

namespace ss {
class Engine;
}

namespace ss::hal {

/// Health bits the disk tier raises (SsSystemStats::health_flags).
inline constexpr std::uint32_t health_disk_error = SS_HEALTH_DISK_ERROR;
inline constexpr std::uint32_t health_disk_full = SS_HEALTH_DISK_FULL;

/// The POSIX port's factory for ss::port::Platform::cold_tier_create: the disk tier over the
/// real file system, with everything under cfg.disk_root recovered.
Expected<ColdTier*> create_disk_tier(const SsInitCfg& cfg, Engine& engine, SsLogFn log, void* log_ctx, Text& why);
void destroy_disk_tier(ColdTier* tier);

} // namespace ss::hal
