#include "ss/actors/integrity.hpp"

#include <caf/all.hpp>

#include <string>

#include "ss/hal/disk_tier.hpp"
#include "ss/source_name.hpp"

namespace ss::actors {

namespace {

/// Takes one step's findings for sensor `store` into the stats, and logs them.
void account(IntegrityState& s, const SensorStore& store, const SsScrubReport& rep, bool on_disk) {
    s.stats.units_checked += rep.sectors_checked;
    s.stats.corrupt_found += rep.corrupt_sectors;
    s.stats.records_lost += rep.records_dropped;
    if (rep.corrupt_sectors == 0) return;
    std::string line = "integrity: " + std::string(source_name(store.source())) + ":" + std::to_string(store.id()) + ": " +
                       std::to_string(rep.corrupt_sectors) + (on_disk ? " unit(s) on disk" : " sector(s) in RAM") +
                       " failed the CRC check and were dropped; " + std::to_string(rep.records_dropped) +
                       " unsent records lost";
    write_log(s.settings.log, 1, line);
}

/// Checks up to units_per_tick units from where the pass stands. A step ends when its budget
/// is spent or when it completes a pass (so a store with nothing sealed costs one step a pass,
/// not a spin).
void step(IntegrityState& s) {
    const std::uint32_t n = s.engine->sensor_count();
    ColdTier* cold = s.engine->cold_tier();
    std::uint32_t budget = s.settings.units_per_tick;
    while (n != 0 && budget != 0) {
        if (s.slot >= n) s.slot = 0;
        SensorStore& store = s.engine->store_at(s.slot);
        SsScrubReport rep{};
        if (s.on_disk && cold == nullptr) s.on_disk = false;
        budget -= s.on_disk ? hal::scrub_disk_units(cold, s.slot, s.cursor, budget, rep)
                            : s.engine->scrub_sensor(store, s.cursor, budget, rep);
        account(s, store, rep, s.on_disk);
        if (!s.cursor.finished) break; // the budget ran out inside this part
        s.cursor = ScrubCursor{};
        if (s.on_disk) {
            // The disk holds the older part of the stream; RAM the newer one.
            s.on_disk = false;
            continue;
        }
        s.on_disk = true;
        if (++s.slot >= n) {
            s.slot = 0;
            ++s.stats.passes;
            break;
        }
    }
}

} // namespace

integrity_actor::behavior_type integrity(integrity_actor::stateful_pointer<IntegrityState> self, Engine* engine,
                                         IntegritySettings settings, StageBoard* board) {
    auto& st = self->state;
    st.engine = engine;
    st.board = board;
    st.settings = std::move(settings);
    // Absolute time points: a slow step does not push every later one back.
    st.next = self->clock().now() + st.settings.period;
    self->scheduled_send(self, st.next, caf::tick_atom::value);
    return {
        [self](caf::tick_atom) {
            auto& s = self->state;
            step(s);
            ++s.stats.ticks;
            if (s.board != nullptr) {
                s.board->set_integrity(s.stats);
                s.board->set_mailbox(IntegrityState::name, self->mailbox().size());
            }
            s.next += s.settings.period;
            self->scheduled_send(self, s.next, caf::tick_atom::value);
        },
        [self](caf::get_atom) { return self->state.stats; },
    };
}

} // namespace ss::actors
