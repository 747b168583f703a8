// What the C API's files share (c_api.cpp, c_api_record_time.cpp, c_api_range.cpp,
// c_api_clear.cpp): the one process-wide engine, the handle ↔ store mapping, the log sink in
// force. Private to core/src: never installed, nothing outside the C API includes it.
#pragma once

#include <cstdint>

#include "ss/engine.hpp"
#include "ss/port.hpp"
#include "ss/sensor_storage.h"

namespace ss::c_api::internal {

/// The engine behind every C entry point; built by ss_init_system, torn down by ss_deinit_system.
extern Engine g_engine;

/// The store a C handle names, or nullptr when the handle is not a live one of this init (or
/// the system is not initialised).
ss::SensorStore* store_of(const ::SensorStore* handle) noexcept;

/// The engine's store context (locks, pool, clocks) that store operations take.
inline const StoreContext& ctx() noexcept { return g_engine.context(); }

/// Writes msg to the log sink in force (SsInitCfg::log or the platform's); silent without one.
void log(port::LogLevel level, const char* msg) noexcept;

/// The bulk adds' common path (ss_ts_add_many, ss_ts_add_many_at, ss_evt_add_many): 0 when all n
/// were stored, -ENOSPC when a prefix was (out_stored says how many), -EINVAL for bad input.
int add_many(::SensorStore* handle, RecordType type, const void* recs, std::uint32_t n, std::uint32_t* out_stored,
             std::uint64_t first_time = SS_TIME_UNKNOWN) noexcept;

} // namespace ss::c_api::internal
