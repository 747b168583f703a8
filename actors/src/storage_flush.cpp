#include "ss/actors/storage_flush.hpp"

#include <caf/all.hpp>

namespace ss::actors {

std::uint64_t actor_clock_ms(caf::actor_clock::time_point t) noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

storage_flush_actor::behavior_type storage_flush(storage_flush_actor::stateful_pointer<StorageFlushState> self,
                                                 Engine* engine, caf::timespan period, StageBoard* board) {
    auto& st = self->state;
    st.engine = engine;
    st.board = board;
    st.period = period;
    // Absolute time points: a tick that runs late does not push every later one back.
    st.next = self->clock().now() + period;
    self->scheduled_send(self, st.next, caf::tick_atom::value);
    return {
        [self](caf::tick_atom) {
            auto& s = self->state;
            // Both readings come from the actor clock, the stage's only clock (virtual in tests,
            // where a tick takes no time).
            const auto t0 = self->clock().now();
            const std::uint64_t now_ms = actor_clock_ms(t0);
            s.engine->tick(now_ms);
            const auto took = std::chrono::duration_cast<std::chrono::microseconds>(self->clock().now() - t0);
            ++s.stats.ticks;
            s.stats.last_tick_ms = now_ms;
            if (static_cast<std::uint64_t>(took.count()) > s.stats.max_tick_us)
                s.stats.max_tick_us = static_cast<std::uint64_t>(took.count());
            if (s.board != nullptr) {
                s.board->set_flush(s.stats);
                s.board->set_mailbox(StorageFlushState::name, self->mailbox().size());
            }
            if (s.shutting_down) {
                ++s.shutdown_ticks;
                const bool complete = s.engine->flushed();
                if (complete || s.engine->shutdown_budget_spent()) {
                    s.report.deliver(FlushReport{complete, s.shutdown_ticks, now_ms - s.shutdown_since_ms});
                    // Nothing more to tick for: the runtime stops after the flush.
                    self->quit();
                    return;
                }
            }
            s.next += s.period;
            self->scheduled_send(self, s.next, caf::tick_atom::value);
        },
        [self](shutdown_atom) -> caf::typed_response_promise<FlushReport> {
            auto& s = self->state;
            if (!s.shutting_down) {
                s.shutting_down = true;
                s.shutdown_since_ms = actor_clock_ms(self->clock().now());
                s.engine->set_shutdown(true);
                s.report = self->make_response_promise<FlushReport>();
            }
            return s.report;
        },
        [self](caf::get_atom) { return self->state.stats; },
    };
}

} // namespace ss::actors
