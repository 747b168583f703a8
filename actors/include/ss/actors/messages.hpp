// The messages the runtime's actors exchange. They carry indices, handles, counts and times,
// never sample data: every one is trivially copyable and small (checked below), so a message
// costs a few words whatever the data rate.
#pragma once

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <type_traits>

#include "ss/sensor_storage.h"

namespace ss::actors {

/// Asks the storage-flush stage for the shutdown flush (replies with a FlushReport).
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
/// Tells a processing stage that its source's ring has blocks.
using wake_atom = caf::atom_constant<caf::atom("wake")>;
/// Asks a processing stage to process everything queued (replies true when the ring is empty).
using drain_atom = caf::atom_constant<caf::atom("drain")>;

/// How a shutdown flush ended.
struct FlushReport {
    bool complete = false;       ///< everything retained is durable; a stop now loses nothing
    std::uint32_t ticks = 0;     ///< ticks the flush took
    std::uint64_t elapsed_ms = 0; ///< from the request to the report, in the actor clock's time
};

/// What the storage-flush stage has done so far.
struct FlushStats {
    std::uint64_t ticks = 0;
    std::uint64_t last_tick_ms = 0; ///< the time handed to the engine at the last tick
    std::uint64_t max_tick_us = 0;  ///< the longest tick, measured on the actor clock
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, FlushReport& x) {
    return f(caf::meta::type_name("flush_report"), x.complete, x.ticks, x.elapsed_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, FlushStats& x) {
    return f(caf::meta::type_name("flush_stats"), x.ticks, x.last_tick_ms, x.max_tick_us);
}

inline bool operator==(const FlushReport& a, const FlushReport& b) noexcept {
    return a.complete == b.complete && a.ticks == b.ticks && a.elapsed_ms == b.elapsed_ms;
}

/// Messages stay a few words and copy as bytes.
template <class T>
inline constexpr bool is_small_message = std::is_trivially_copyable_v<T> && sizeof(T) <= 32;
static_assert(is_small_message<FlushReport>);
static_assert(is_small_message<FlushStats>);

} // namespace ss::actors

namespace ss::actors {

/// What the uploader stage has done so far.
struct UploadStats {
    std::uint64_t batches_sent = 0;  ///< send attempts, re-sends included
    std::uint64_t batches_acked = 0;
    std::uint64_t records_acked = 0;
    std::uint64_t retries = 0;       ///< attempts that failed and were scheduled again
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, UploadStats& x) {
    return f(caf::meta::type_name("upload_stats"), x.batches_sent, x.batches_acked, x.records_acked, x.retries);
}
static_assert(is_small_message<UploadStats>);

} // namespace ss::actors

namespace ss::actors {

/// One storage event (ss/events.hpp, SsEvent in the C header) on its way to a subscriber of the
/// event hub.
struct StorageEvent {
    SsEvent event{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StorageEvent& x) {
    SsEvent& e = x.event;
    return f(caf::meta::type_name("storage_event"), e.kind, e.source, e.sensor_id, e.cause, e.overflow, e.count,
             e.first_seq, e.last_seq, e.health_before, e.health_after);
}

inline bool operator==(const StorageEvent& a, const StorageEvent& b) noexcept {
    const SsEvent& x = a.event;
    const SsEvent& y = b.event;
    return x.kind == y.kind && x.source == y.source && x.sensor_id == y.sensor_id && x.cause == y.cause &&
           x.overflow == y.overflow && x.count == y.count && x.first_seq == y.first_seq && x.last_seq == y.last_seq &&
           x.health_before == y.health_before && x.health_after == y.health_after;
}

/// What the event hub has done for one subscriber.
struct SubscriberStats {
    std::uint64_t delivered = 0; ///< events the subscriber has answered
    std::uint64_t dropped = 0;   ///< events lost because its queue was full
    std::uint32_t queued = 0;    ///< waiting for a credit
    std::uint32_t in_flight = 0; ///< sent, not yet answered
};

/// What the event hub has done so far.
struct EventHubStats {
    std::uint64_t ticks = 0;
    std::uint64_t events = 0;      ///< derived, before the subscribers' kinds and queues
    std::uint32_t subscribers = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SubscriberStats& x) {
    return f(caf::meta::type_name("subscriber_stats"), x.delivered, x.dropped, x.queued, x.in_flight);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, EventHubStats& x) {
    return f(caf::meta::type_name("event_hub_stats"), x.ticks, x.events, x.subscribers);
}

static_assert(is_small_message<StorageEvent>);
static_assert(is_small_message<SubscriberStats>);
static_assert(is_small_message<EventHubStats>);
/// What the integrity stage has done so far.
struct IntegrityStats {
    std::uint64_t units_checked = 0; ///< RAM sectors and disk units whose CRC was verified
    std::uint64_t records_lost = 0;  ///< unsent records dropped with the corrupt ones
    std::uint32_t corrupt_found = 0; ///< RAM sectors and disk units found corrupt (and dropped)
    std::uint32_t passes = 0;        ///< passes over every sensor completed
    std::uint32_t ticks = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, IntegrityStats& x) {
    return f(caf::meta::type_name("integrity_stats"), x.units_checked, x.records_lost, x.corrupt_found, x.passes,
             x.ticks);
}
static_assert(is_small_message<IntegrityStats>);

/// What the quota stage has seen so far.
struct QuotaStats {
    std::uint64_t quota_bytes = 0;     ///< the disk quota in force at the last check
    std::uint64_t free_bytes = 0;      ///< free space of the data root's file system at the last check
    std::uint64_t records_dropped = 0; ///< unsent records the quota dropped since the stage started
    std::uint32_t checks = 0;
    bool lowered = false;              ///< the quota is lowered to what fits the free space
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, QuotaStats& x) {
    return f(caf::meta::type_name("quota_stats"), x.quota_bytes, x.free_bytes, x.records_dropped, x.checks, x.lowered);
}
static_assert(is_small_message<QuotaStats>);

} // namespace ss::actors

namespace ss::actors {

/// What a serial uplink (serial_uplink.hpp) has done so far; posted on the stage board under the
/// uplink's name, not sent in messages.
struct SerialUplinkStats {
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::uint64_t batches = 0;             ///< payloads the link delivered
    std::uint64_t records_stored = 0;
    std::uint64_t records_skipped = 0;     ///< held already (a batch sent again)
    std::uint64_t records_dropped = 0;     ///< refused by the store (counted in its stats too)
    std::uint64_t batches_quarantined = 0; ///< written to the quarantine and acknowledged
    std::uint64_t batches_acked = 0;       ///< acknowledged to the MCU once durable
    std::uint64_t unacked = 0;             ///< delivered batches waiting to be durable
    std::uint64_t crc_failures = 0;        ///< the link's (uplink::ReceiverCounters)
    std::uint64_t link_faults = 0;         ///< malformed frames, gaps, resyncs
    std::uint32_t port_opens = 0;
    std::uint32_t port_errors = 0;         ///< opens, reads or writes that failed
    bool connected = false;                ///< the port is open
};

} // namespace ss::actors
