#include "ss/actors/uploader.hpp"

#include <caf/all.hpp>

#include <algorithm>

#include "ss/actors/storage_flush.hpp"

namespace ss::actors {

namespace {

/// Sends the group in flight once; true if every batch was acknowledged (and so erased).
bool attempt(UploaderState& s, std::uint64_t now_ms) {
    const std::size_t n = s.in_flight.size();
    s.batches.clear();
    for (const auto& f : s.in_flight) s.batches.push_back(f.batch);
    s.results.assign(n, hal::UploadResult{});
    const std::size_t tried = std::min(s.transport->send_many(s.batches, s.results), n);
    s.stats.batches_sent += tried;
    std::size_t kept = 0;
    std::uint32_t retry_after_ms = 0;
    for (std::size_t i = 0; i < n; ++i) {
        UploaderState::InFlight& f = s.in_flight[i];
        if (i < tried && s.results[i].outcome == hal::UploadOutcome::acknowledged) {
            // The batch was the sensor's whole pending region (one batch per sensor in flight).
            s.engine->erase_all_pending(*f.store);
            ++s.stats.batches_acked;
            s.stats.records_acked += f.batch.count;
            if (s.settings.board != nullptr)
                s.settings.board->observe_upload_latency(static_cast<double>(now_ms - f.consumed_at_ms) / 1000.0);
            continue;
        }
        if (i < tried) retry_after_ms = std::max(retry_after_ms, s.results[i].retry_after_ms);
        // Kept for the next attempt; its records stay where they are in the buffer.
        s.in_flight[kept++] = f;
    }
    s.in_flight.resize(kept);
    if (kept == 0) {
        s.failures = 0;
        return true;
    }
    ++s.failures;
    ++s.stats.retries;
    s.retry_at_ms = now_ms + s.backoff.delay_ms(s.failures, retry_after_ms);
    return false;
}

/// Consumes the next batches, round robin over the sensors, one per sensor, at most `max`;
/// false if nothing is unsent.
bool take_next(UploaderState& s, std::uint64_t now_ms, std::uint32_t max) {
    const std::uint32_t n = s.engine->sensor_count();
    const std::size_t slot_bytes = std::size_t{s.settings.batch_records} * sector::evt_record_bytes;
    std::uint32_t scanned = 0;
    while (scanned < n && s.in_flight.size() < max) {
        const std::uint32_t slot = (s.cursor + scanned++) % n;
        SensorStore& store = s.engine->store_at(slot);
        std::byte* const room = s.buffer.data() + s.in_flight.size() * slot_bytes;
        // A periodic time series gets one time base per batch, so that every record's time
        // follows from it; events carry their own times, and a series without a period has
        // none to derive (only a batch's first record has a time).
        const bool derived_times =
            store.type() == RecordType::ts && store.sample_period_us(s.engine->context()) != 0;
        auto got = s.engine->consume(store, room, s.settings.batch_records,
                                     derived_times ? BatchTime::continuous : BatchTime::first_segment);
        if (!got) continue; // nothing unsent (or a read error: the records stay for later)
        s.in_flight.push_back(UploaderState::InFlight{
            &store,
            hal::UploadBatch{store.source(), store.id(), store.type(), got->first_seq, got->count, room,
                             got->first_time, got->period_us, got->boot},
            now_ms});
    }
    s.cursor = n == 0 ? 0 : (s.cursor + scanned) % n;
    return !s.in_flight.empty();
}

} // namespace

uploader_actor::behavior_type uploader(uploader_actor::stateful_pointer<UploaderState> self, Engine* engine,
                                       hal::UploadTransport* transport, UploaderSettings settings) {
    auto& st = self->state;
    st.engine = engine;
    st.transport = transport;
    st.settings = settings;
    st.backoff = RetryBackoff(settings.backoff_base_ms, settings.backoff_cap_ms, settings.seed);
    if (st.settings.batches_per_send == 0) st.settings.batches_per_send = 1;
    // Room for a group of batches of the widest records, once.
    st.buffer.resize(std::size_t{st.settings.batches_per_send} * settings.batch_records * sector::evt_record_bytes);
    st.in_flight.reserve(st.settings.batches_per_send);
    st.next = self->clock().now() + settings.period;
    self->scheduled_send(self, st.next, caf::tick_atom::value);
    return {
        [self](caf::tick_atom) {
            auto& s = self->state;
            const std::uint64_t now_ms = actor_clock_ms(self->clock().now());
            std::uint32_t sent = 0;
            while (sent < s.settings.batches_per_tick) {
                if (!s.in_flight.empty()) {
                    // A group waits to be sent again: nothing overtakes it.
                    if (now_ms < s.retry_at_ms) break;
                    sent += static_cast<std::uint32_t>(s.in_flight.size());
                    if (!attempt(s, now_ms)) break;
                    continue;
                }
                const std::uint32_t room = std::min(s.settings.batches_per_send, s.settings.batches_per_tick - sent);
                if (!take_next(s, now_ms, room)) break;
                sent += static_cast<std::uint32_t>(s.in_flight.size());
                if (!attempt(s, now_ms)) break;
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
