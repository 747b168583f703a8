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
/// A handle is an opaque token, not a pointer: (check << 16) | (slot + 1), the 16-bit check a
/// hash of the slot and the generation. The generation changes at every init, so a handle kept
/// across ss_deinit_system and a new ss_init_system is refused even when the arena lands at the
/// same address; the check refuses handles that were altered or made up. g_handle_key holds
/// this init's key (the generation, and the generation mixed), so that a handle is checked with
/// one multiply, one exclusive or and one compare: this is on every add.
extern std::uint32_t g_handle_key;

[[gnu::always_inline]] inline std::uint32_t handle_check(std::uint32_t slot_plus_one) noexcept {
    return (slot_plus_one * 0x9E3779B1u) >> 16 ^ g_handle_key;
}

/// How many sensors a handle's slot is checked against. On a single-core MCU an ISR sees the
/// engine's writes in program order, and the acquire load would add a barrier to every add.
[[gnu::always_inline]] inline std::uint32_t registered_sensors() noexcept {
    return g_engine.sensor_count(port::cpu_has_primask ? std::memory_order_relaxed : std::memory_order_acquire);
}

/// The slot of the store a C handle names: true, with `slot` set, when the handle is a live one
/// of this init. No g_ready test: the engine counts no sensor before init or after deinit, so
/// the slot test refuses them.
[[gnu::always_inline]] inline bool slot_of(const ::SensorStore* handle, std::uint32_t& slot) noexcept {
    const auto h = reinterpret_cast<std::uintptr_t>(handle);
    const auto slot_plus_one = static_cast<std::uint32_t>(h & 0xFFFF);
    slot = slot_plus_one - 1u; // 0 wraps: refused by the count
    return (h >> 16) == handle_check(slot_plus_one) && slot < registered_sensors();
}

/// The store a C handle names, or nullptr when the handle is not a live one of this init.
[[gnu::always_inline]] inline ss::SensorStore* store_of(const ::SensorStore* handle) noexcept {
    std::uint32_t slot;
    return slot_of(handle, slot) ? &g_engine.store_at(slot) : nullptr;
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
