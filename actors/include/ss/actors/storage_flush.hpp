// The storage-flush stage: owns the manager tick of one engine. Every period (100 ms by
// default) it hands the engine the actor clock's time (Engine::tick: seal, spill, write, sync),
// so under CAF's test coordinator an hour of ticks runs in virtual time. Asked for the shutdown
// flush, it keeps ticking until everything is durable or the engine's shutdown budget is spent,
// then reports and quits.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>

#include "ss/actors/messages.hpp"
#include "ss/actors/stage_board.hpp"
#include "ss/engine.hpp"

namespace ss::actors {

using storage_flush_actor = caf::typed_actor<caf::reacts_to<caf::tick_atom>,
                                             caf::replies_to<shutdown_atom>::with<FlushReport>,
                                             caf::replies_to<caf::get_atom>::with<FlushStats>>;

struct StorageFlushState {
    static inline const char* name = "storage-flush";
    Engine* engine = nullptr;
    StageBoard* board = nullptr; ///< where the stats are posted; may be null
    caf::timespan period{};
    caf::actor_clock::time_point next{};
    FlushStats stats{};
    bool shutting_down = false;
    std::uint32_t shutdown_ticks = 0;
    std::uint64_t shutdown_since_ms = 0;
    caf::typed_response_promise<FlushReport> report{};
};

/// Spawn with sys.spawn(storage_flush, &engine, period, &board) (board may be null). The engine
/// and the board must outlive the actor.
storage_flush_actor::behavior_type storage_flush(storage_flush_actor::stateful_pointer<StorageFlushState> self,
                                                 Engine* engine, caf::timespan period, StageBoard* board);

/// Milliseconds of an actor clock's time point (the engine's monotonic time).
std::uint64_t actor_clock_ms(caf::actor_clock::time_point t) noexcept;

} // namespace ss::actors
