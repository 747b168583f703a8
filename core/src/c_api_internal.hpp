// What the C API's files share (c_api.cpp, c_api_record_time.cpp, c_api_range.cpp,
// c_api_clear.cpp): the one process-wide engine, the handle ↔ store mapping, the log sink in
// force. Private to core/src: never installed, nothing outside the C API includes it.
#pragma once

#include <atomic>
#include <cstdint>

#include "ss/engine.hpp"
#include "ss/port.hpp"
#include "ss/sensor_storage.h"

namespace ss::c_api::internal {

/// The engine behind every C entry point; built by ss_init_system, torn down by ss_deinit_system.
extern Engine g_engine;
/// Non-zero once the engine is up: set last in init and cleared first in deinit, so calls
/// before init see 0. 32 bits, not bool: libstdc++ inlines the integer atomics' loads even at
/// -Os, and this one is on every add.
extern std::atomic<std::uint32_t> g_ready;
/// The number of the current init (goes up at every ss_init_system).
extern std::uint32_t g_generation;
/// A handle is an opaque token, not a pointer: (check << 24) | (generation << 16) | (slot + 1),
/// the check byte a hash of the slot and the generation. The generation changes at every init,
/// so a handle kept across ss_deinit_system and a new ss_init_system is refused even when the
/// arena lands at the same address; the check byte refuses handles that were altered or made
/// up. g_handle_key holds this init's (check mix << 8) | generation, so that the top 16 bits of
/// a handle are checked with one multiply and one compare: this is on every add.
extern std::uint32_t g_handle_key;

[[gnu::always_inline]] inline std::uintptr_t handle_high(std::uintptr_t slot_plus_one) noexcept {
    return ((static_cast<std::uint32_t>(slot_plus_one) * 0x9E3779B1u) >> 16 & 0xFF00u) ^ g_handle_key;
}

/// The store a C handle names, or nullptr when the handle is not a live one of this init (or
/// the system is not initialised). Inline: it is the first step of every add. No g_ready test:
/// the engine counts no sensor before init or after deinit, so the slot test refuses them.
[[gnu::always_inline]] inline ss::SensorStore* store_of(const ::SensorStore* handle) noexcept {
    const auto h = reinterpret_cast<std::uintptr_t>(handle);
    const std::uintptr_t slot_plus_one = h & 0xFFFF;
    if (slot_plus_one == 0 || (h >> 16) != handle_high(slot_plus_one) || slot_plus_one > g_engine.sensor_count())
        return nullptr;
    return &g_engine.store_at(static_cast<std::uint32_t>(slot_plus_one - 1));
}

/// The engine's store context (locks, pool, clocks) that store operations take.
[[gnu::always_inline]] inline const StoreContext& ctx() noexcept { return g_engine.context(); }

/// Writes msg to the log sink in force (SsInitCfg::log or the platform's); silent without one.
void log(port::LogLevel level, const char* msg) noexcept;

/// The bulk adds' common path (ss_ts_add_many, ss_ts_add_many_at, ss_evt_add_many): 0 when all n
/// were stored, -ENOSPC when a prefix was (out_stored says how many), -EINVAL for bad input.
int add_many(::SensorStore* handle, RecordType type, const void* recs, std::uint32_t n, std::uint32_t* out_stored,
             std::uint64_t first_time = SS_TIME_UNKNOWN) noexcept;

} // namespace ss::c_api::internal
