// The integrity stage: a scrub that never ends and never hurries. Every period (1 s by default)
// it checks at most units_per_tick units — RAM sectors and disk units together — going round
// the sensors: for each, its units on disk (hal::scrub_disk_units, read back from the files),
// then its sealed sectors in RAM (Engine::scrub_sensor). A pass over a big store so takes many
// periods; that is the rate limit, and it bounds the stage's reads per period whatever the
// store's size. A corrupt unit is dropped and counted as any loss is (dropped_corrupt, the disk
// tier's lost_units and lost_records, SS_HEALTH_CORRUPTION), so it is never served; the stage
// adds its own figures to the stage board and answers get_atom with them. Pending records are
// left alone (they were handed out already; an acknowledgement erases them).
//
// It reads from disk: a runtime may spawn it detached (sys.spawn<caf::detached>(...)) so that a
// slow disk holds up no other stage. The tests run it under the test coordinator.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>

#include "ss/actors/messages.hpp"
#include "ss/actors/stage_board.hpp"
#include "ss/actors/stage_log.hpp"
#include "ss/engine.hpp"

namespace ss::actors {

using integrity_actor =
    caf::typed_actor<caf::reacts_to<caf::tick_atom>, caf::replies_to<caf::get_atom>::with<IntegrityStats>>;

struct IntegritySettings {
    caf::timespan period = std::chrono::seconds(1); ///< between two steps of the scrub
    /// Most units (RAM sectors and disk units) checked in a step; 0 pauses the scrub. 64 units
    /// of 4 KB a second read 256 KB/s and pass over a 256 MiB disk quota in about 17 minutes.
    std::uint32_t units_per_tick = 64;
    StageLog log; ///< one line per sensor and step that found corruption; stderr when empty
};

struct IntegrityState {
    static inline const char* name = "integrity";
    Engine* engine = nullptr;
    StageBoard* board = nullptr; ///< where the stats are posted; may be null
    IntegritySettings settings{};
    caf::actor_clock::time_point next{};
    std::uint32_t slot = 0;   ///< the sensor the pass is at
    bool on_disk = true;      ///< in its units on disk (next: its sectors in RAM)
    ScrubCursor cursor{};     ///< where the pass stands in that part of its stream
    IntegrityStats stats{};
};

/// Spawn with sys.spawn(integrity, &engine, settings, &board) (board may be null). The engine
/// and the board must outlive the actor; the engine's cold tier, if any, is the disk tier
/// (StorageHost opens it).
integrity_actor::behavior_type integrity(integrity_actor::stateful_pointer<IntegrityState> self, Engine* engine,
                                         IntegritySettings settings, StageBoard* board);

} // namespace ss::actors
