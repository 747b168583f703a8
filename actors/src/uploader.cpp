#include "ss/actors/uploader.hpp"

#include <caf/all.hpp>

#include <algorithm>

#include "ss/actors/storage_flush.hpp"
#include "ss/destination_fanout.hpp"
#include "posix/upload/destination_cursor_file.hpp"
#include "posix/upload/quarantine.hpp"

namespace ss::actors {

namespace {

/// When a batch was quarantined, as the operator reads it: UTC, not the actor clock, and from
/// the engine's clock (the host's SsClockOps or the platform's), the one records are stamped
/// by. 0 where UTC is not known.
std::uint64_t utc_now_ms(const Engine& engine) { return engine.clock().utc_now_us() / 1000; }

/// Erases (one destination) or acknowledges for this destination (several) the records of
/// `store` below end_seq.
void release(UploaderState& s, SensorStore& store, std::uint64_t end_seq) {
    if (s.settings.fanout == nullptr) {
        (void)s.engine->erase_pending_until(store, end_seq);
        return;
    }
    (void)s.settings.fanout->acknowledge(s.settings.destination, store, end_seq);
    s.cursors_moved = true;
}

/// Writes this destination's acknowledged cursors to its file, if they moved and the save
/// period has passed (the runtime writes them once more after stopping the stage).
void save_cursors(UploaderState& s, std::uint64_t now_ms) {
    if (s.settings.fanout == nullptr || s.settings.cursor_file == nullptr || !s.cursors_moved) return;
    const auto period_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(s.settings.cursor_save_period).count());
    if (now_ms < s.cursors_saved_ms + period_ms) return;
    std::vector<hal::DestinationCursorFile::Entry> entries;
    const std::uint32_t n = s.engine->sensor_count();
    entries.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        const SensorStore& store = s.engine->store_at(i);
        entries.push_back({store.source(), store.id(),
                           s.settings.fanout->cursor(s.settings.destination, store).acked_seq});
    }
    // A failed write is tried again at the next period: until then a restart re-sends more.
    if (s.settings.cursor_file->save(entries) == 0) s.cursors_moved = false;
    s.cursors_saved_ms = now_ms;
}

/// The first `count` records of a pending batch.
hal::UploadBatch front_of(const hal::UploadBatch& b, std::uint32_t count) {
    hal::UploadBatch part = b;
    part.count = count;
    return part;
}

/// The first `done` records of f left the store (acknowledged or quarantined): f holds the rest.
void advance(UploaderState::InFlight& f, std::uint32_t done) {
    hal::UploadBatch& b = f.batch;
    const std::size_t skip = std::size_t{done} * sector::record_bytes(b.type);
    // Later records follow at the batch's period; events keep their own times.
    if (b.type == RecordType::ts) b.first_time = sector::record_time(b.first_time, b.period_us, done);
    b.first_seq += done;
    b.count -= done;
    b.records += skip;
    f.send_count = std::min(f.send_count, b.count);
}

/// Sends the part of each batch in flight once. False if any failed (then the next attempt
/// waits for the backoff); true if the rest, if any, may go again at once (what was left after
/// an acknowledged part, a halved batch).
bool attempt(UploaderState& s, std::uint64_t now_ms) {
    const std::size_t n = s.in_flight.size();
    s.batches.clear();
    for (const auto& f : s.in_flight) s.batches.push_back(front_of(f.batch, f.send_count));
    s.results.assign(n, hal::UploadResult{});
    const std::size_t tried = std::min(s.transport->send_many(s.batches, s.results), n);
    s.stats.batches_sent += tried;
    std::size_t kept = 0;
    bool failed = tried < n;
    std::uint32_t retry_after_ms = 0;
    for (std::size_t i = 0; i < n; ++i) {
        UploaderState::InFlight f = s.in_flight[i];
        const hal::UploadResult r = i < tried ? s.results[i] : hal::UploadResult{};
        const std::uint32_t part = f.send_count;
        bool gone = false; // the part left the store
        switch (r.outcome) {
        case hal::UploadOutcome::acknowledged:
            gone = true;
            ++s.stats.batches_acked;
            s.stats.records_acked += part;
            if (s.settings.board != nullptr)
                s.settings.board->observe_upload_latency(static_cast<double>(now_ms - f.consumed_at_ms) / 1000.0);
            break;
        case hal::UploadOutcome::too_large:
            if (part > 1) {
                f.send_count = part / 2; // sent again at once, in halves
                ++s.quarantined.splits;
                break;
            }
            [[fallthrough]]; // a single record too large will never pass: refused for good
        case hal::UploadOutcome::rejected:
            if (s.settings.quarantine != nullptr &&
                s.settings.quarantine->put(front_of(f.batch, part), r.reason, utc_now_ms(*s.engine)) == 0) {
                gone = true;
                ++s.quarantined.batches;
                s.quarantined.records += part;
            } else {
                ++s.quarantined.unkept;
                failed = true;
            }
            break;
        case hal::UploadOutcome::retry:
            if (i < tried) retry_after_ms = std::max(retry_after_ms, r.retry_after_ms);
            failed = true;
            break;
        }
        if (gone) {
            // Exactly the part: its records leave, the rest of the batch stays pending. The part
            // is the front of the store's pending region (one batch per sensor in flight), which
            // erase_pending_until always takes.
            release(s, *f.store, f.batch.first_seq + part);
            advance(f, part);
            if (f.batch.count == 0) continue;
        }
        // Kept for the next attempt; its records stay where they are in the buffer.
        s.in_flight[kept++] = f;
    }
    s.in_flight.resize(kept);
    if (!failed) {
        s.failures = 0;
        return true;
    }
    ++s.failures;
    ++s.stats.retries;
    s.retry_at_ms = now_ms + s.backoff.delay_ms(s.failures, retry_after_ms);
    return false;
}

/// Sends one batch an operator released from the quarantine, if there is one and the
/// destination is not in a backoff: acknowledged, it leaves the quarantine; refused, it is
/// held again.
void resend_released(UploaderState& s, std::uint64_t now_ms) {
    if (s.settings.quarantine == nullptr || now_ms < s.retry_at_ms) return;
    std::string file;
    auto batch = s.settings.quarantine->next_released(s.released_records, file);
    if (!batch) return;
    hal::UploadResult r{};
    s.transport->send_many(std::span<const hal::UploadBatch>(&*batch, 1), std::span<hal::UploadResult>(&r, 1));
    ++s.stats.batches_sent;
    switch (r.outcome) {
    case hal::UploadOutcome::acknowledged:
        if (s.settings.quarantine->delivered(file)) ++s.quarantined.released;
        break;
    case hal::UploadOutcome::too_large:
    case hal::UploadOutcome::rejected:
        if (s.settings.quarantine->refused_again(file, r.reason)) ++s.quarantined.refused_again;
        break;
    case hal::UploadOutcome::retry:
        ++s.failures;
        ++s.stats.retries;
        s.retry_at_ms = now_ms + s.backoff.delay_ms(s.failures, r.retry_after_ms);
        break;
    }
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
        const BatchTime time = derived_times ? BatchTime::continuous : BatchTime::first_segment;
        auto got = s.settings.fanout != nullptr
                       ? s.settings.fanout->read(s.settings.destination, store, room, s.settings.batch_records, time)
                       : s.engine->consume(store, room, s.settings.batch_records, time);
        if (!got) continue; // nothing unsent (or a read error: the records stay for later)
        s.in_flight.push_back(UploaderState::InFlight{
            &store,
            hal::UploadBatch{store.source(), store.id(), store.type(), got->first_seq, got->count, room,
                             got->first_time, got->period_us, got->boot},
            now_ms, got->count});
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
            resend_released(s, now_ms);
            save_cursors(s, now_ms);
            if (s.settings.board != nullptr) {
                const std::string& dest = s.settings.destination_name;
                s.settings.board->set_upload(dest, s.stats);
                s.settings.board->set_wire(dest, s.transport->wire_counts());
                // A pass over every sensor: once a second is enough for stats and metrics.
                if (s.settings.fanout != nullptr && now_ms >= s.totals_at_ms + 1000) {
                    const DestinationTotals t = s.settings.fanout->totals(s.settings.destination);
                    s.settings.board->set_destination_drops(dest, t.dropped, t.behind);
                    s.totals_at_ms = now_ms;
                }
                if (s.settings.quarantine != nullptr) {
                    const hal::Quarantine::Stats q = s.settings.quarantine->stats();
                    s.settings.board->set_quarantine(dest, QuarantineSnapshot{
                        q.held_batches, q.held_records, s.quarantined.batches, s.quarantined.records,
                        s.quarantined.released, s.quarantined.refused_again, q.dropped_batches, q.dropped_records,
                        s.quarantined.unkept, s.quarantined.splits, q.unreadable_files});
                }
                s.settings.board->set_mailbox(dest.empty() ? std::string(UploaderState::name)
                                                           : std::string(UploaderState::name) + ":" + dest,
                                              self->mailbox().size());
            }
            s.next += s.settings.period;
            self->scheduled_send(self, s.next, caf::tick_atom::value);
        },
        [self](caf::get_atom) { return self->state.stats; },
    };
}

} // namespace ss::actors
