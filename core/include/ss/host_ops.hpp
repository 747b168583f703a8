// The locks and clocks a configuration asks for (SsInitCfg::lock_ops, SsInitCfg::clock_ops):
// checked, and turned into what the engine takes. Whoever builds an engine uses these, so that
// the C API's process-wide engine and a runtime's own (ss::actors::StorageHost) accept and refuse
// the same configurations with the same words, and stamp sectors alike. Freestanding: no heap,
// no OS call (the platform's clocks are read through ss::port::platform()).
#pragma once

#include <cstdint>

#include "ss/expected.hpp"
#include "ss/port.hpp"
#include "ss/sensor_storage.h"
#include "ss/text.hpp"

namespace ss {

class Engine;

/// The lock ops cfg asks for, after checking them: the host's, or the platform's when
/// cfg.lock_ops is NULL. invalid_argument with `why` naming the wrong field
/// ("invalid configuration: lock_ops.try_lock is NULL"); `why` is cleared when a field is checked.
/// A platform with a defect (port::Platform::defect) is refused whatever cfg asks for.
Expected<port::LockOps> pick_lock_ops(const SsInitCfg& cfg, Text& why) noexcept;

/// The clocks cfg asks for: the host's, or the platform's when cfg.clock_ops is NULL.
/// invalid_argument with `why` set when the host's have no monotonic_us.
Expected<port::Clock> pick_clock(const SsInitCfg& cfg, Text& why) noexcept;

/// The time a sector's first record gets when its writer gave none, read from the clock of the
/// Engine that `engine` points at (Engine::clock()): UTC (SS_TIME_UTC set) when that clock knows
/// it, else its monotonic time, else SS_TIME_UNKNOWN. For Engine::set_record_clock.
std::uint64_t record_clock(void* engine) noexcept;

/// Hands `clock` to `engine` (Engine::set_clock) and stamps its sectors from it (record_clock,
/// reading this engine); before any sensor is registered. `engine` must outlive its use.
void use_clock(Engine& engine, const port::Clock& clock) noexcept;

} // namespace ss
