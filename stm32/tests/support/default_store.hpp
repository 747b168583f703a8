// The STM32 default store as the firmware tests and benchmarks start it: the C API over the
// STM32 defaults (100 sensors, 102 sectors of 256 B), its arena in the STORE region, and the
// 100 sensors registered — ids 0..99, every fourth (3, 7, ...) an event sensor, the rest
// time-series.
#pragma once

#include <cstddef>
#include <cstdint>

#include "semihosting.hpp"
#include "ss/sensor_storage.h"
#include "ss_stm32_port.h"

namespace ss::stm32::test {

inline constexpr std::uint32_t default_sensors = 100;

/// The arena, sized by the compiler for the defaults; in .store, so it cannot outgrow the region.
alignas(8) __attribute__((section(".store"))) inline std::byte default_store_arena[SS_STM32_ARENA_BYTES(
    default_sensors, 102 * 256, 256)];

/// The type sensor `id` is registered with.
constexpr SensorType default_sensor_type(std::uint32_t id) noexcept { return id % 4 == 3 ? SENSOR_EVT : SENSOR_TS; }

/// Starts the store and registers the sensors into `sensors`; prints why and returns false if
/// either fails.
inline bool start_default_store(SensorStore* (&sensors)[default_sensors]) noexcept {
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_STM32);
    cfg.arena = default_store_arena;
    cfg.arena_bytes = sizeof default_store_arena;
    if (ss_init_system(&cfg) != 0) {
        host_write("FAIL ss_init_system: ");
        host_write(ss_last_error());
        host_write("\n");
        return false;
    }
    for (std::uint32_t id = 0; id < default_sensors; ++id) {
        if (ss_sensor_init(id, default_sensor_type(id), &sensors[id]) != 0) {
            host_write("FAIL ss_sensor_init: ");
            host_write(ss_last_error());
            host_write("\n");
            return false;
        }
    }
    return true;
}

} // namespace ss::stm32::test
