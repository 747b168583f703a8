#include "ss/actors/uploader.hpp"

#include <caf/all.hpp>

#include "ss/actors/storage_flush.hpp"

namespace ss::actors {

namespace {

/// Sends the batch in flight once; true if it was acknowledged (and so erased).
bool attempt(UploaderState& s, std::uint64_t now_ms) {
    ++s.stats.batches_sent;
    const hal::UploadResult r = s.transport->send(s.batch);
    if (r.outcome == hal::UploadOutcome::acknowledged) {
        // The batch was the sensor's whole pending region (one batch in flight at a time).
        s.engine->erase_all_pending(*s.store);
        ++s.stats.batches_acked;
        s.stats.records_acked += s.batch.count;
        if (s.settings.board != nullptr)
            s.settings.board->observe_upload_latency(static_cast<double>(now_ms - s.consumed_at_ms) / 1000.0);
        s.store = nullptr;
        s.failures = 0;
        return true;
    }
    ++s.failures;
    ++s.stats.retries;
    s.retry_at_ms = now_ms + s.backoff.delay_ms(s.failures, r.retry_after_ms);
    return false;
}

/// Consumes the next batch, round robin over the sensors; false if nothing is unsent.
bool take_next(UploaderState& s, std::uint64_t now_ms) {
    const std::uint32_t n = s.engine->sensor_count();
    for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint32_t slot = (s.cursor + k) % n;
        SensorStore& store = s.engine->store_at(slot);
        auto got = s.engine->consume(store, s.buffer.data(), s.settings.batch_records);
        if (!got) continue; // nothing unsent (or a read error: the records stay for later)
        s.cursor = (slot + 1) % n;
        s.store = &store;
        s.consumed_at_ms = now_ms;
        s.batch = hal::UploadBatch{store.source(), store.id(), store.type(), got->first_seq, got->count, s.buffer.data()};
        return true;
    }
    return false;
}

} // namespace

uploader_actor::behavior_type uploader(uploader_actor::stateful_pointer<UploaderState> self, Engine* engine,
                                       hal::UploadTransport* transport, UploaderSettings settings) {
    auto& st = self->state;
    st.engine = engine;
    st.transport = transport;
    st.settings = settings;
    st.backoff = RetryBackoff(settings.backoff_base_ms, settings.backoff_cap_ms, settings.seed);
    // Room for a batch of the widest records, once.
    st.buffer.resize(std::size_t{settings.batch_records} * sector::evt_record_bytes);
    st.next = self->clock().now() + settings.period;
    self->scheduled_send(self, st.next, caf::tick_atom::value);
    return {
        [self](caf::tick_atom) {
            auto& s = self->state;
            const std::uint64_t now_ms = actor_clock_ms(self->clock().now());
            for (std::uint32_t sent = 0; sent < s.settings.batches_per_tick; ++sent) {
                if (s.store != nullptr) {
                    // A batch waits to be sent again: nothing overtakes it.
                    if (now_ms < s.retry_at_ms || !attempt(s, now_ms)) break;
                    continue;
                }
                if (!take_next(s, now_ms) || !attempt(s, now_ms)) break;
            }
            if (s.settings.board != nullptr) {
                s.settings.board->set_upload(s.stats);
                s.settings.board->set_mailbox(UploaderState::name, self->mailbox().size());
            }
            s.next += s.settings.period;
            self->scheduled_send(self, s.next, caf::tick_atom::value);
        },
        [self](caf::get_atom) { return self->state.stats; },
    };
}

} // namespace ss::actors
