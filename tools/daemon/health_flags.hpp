// The names /health and /metrics give the core's SS_HEALTH_* bits: one table, so the JSON list
// and the metric's `flag` label always agree.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ss/sensor_storage.h"

namespace ss::daemon {

struct HealthFlagName {
    std::uint32_t bit;
    std::string_view name;
};

inline constexpr std::array<HealthFlagName, 4> health_flag_names{{
    {SS_HEALTH_CORRUPTION, "corruption"},
    {SS_HEALTH_DROPPING, "dropping"},
    {SS_HEALTH_DISK_ERROR, "disk_error"},
    {SS_HEALTH_DISK_FULL, "disk_full"},
}};

/// The set bits of flags the table does not know (a newer core), which the renderers still
/// show, as "bit<N>", rather than hide.
constexpr std::uint32_t unnamed_health_bits(std::uint32_t flags) noexcept {
    for (const auto& f : health_flag_names) flags &= ~f.bit;
    return flags;
}

/// "bit<N>" for bit N of an unnamed flag.
inline std::string unnamed_health_flag_name(unsigned bit_index) {
    return "bit" + std::to_string(bit_index);
}

} // namespace ss::daemon
