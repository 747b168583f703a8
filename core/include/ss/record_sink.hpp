// Where a producer of records (the ADC pipeline, a decoder, an actor) puts them, without knowing
// what keeps them: a store of this process's engine (StoreSink), a store behind the C API
// (HandleSink), or a test double. The producer is handed a sink instead of reaching for a global
// API, so an actor or an MCU task can give it its own store.
//
// A sink takes records in bulk because its callers produce them a buffer at a time, and the
// store behind it takes a whole buffer under one lock.
#pragma once

#include <cstdint>

#include "ss/expected.hpp"
#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"

namespace ss {

/// Takes records of one type. Not owned by its callers: whoever builds a sink keeps it alive for
/// as long as any producer holds it, and destroys it as its own type (hence the protected,
/// non-virtual destructor: nobody deletes a sink through this interface).
///
/// Thread-safety is each implementation's: StoreSink and HandleSink may be called from any
/// number of threads at once (the store serialises under its own lock); a test double need not
/// be. A producer calls its sink from one thread at a time (the pipeline: its processing side).
///
/// An implementation in the core keeps every override inline (no key function): its vtable is
/// then emitted where it is constructed, with the type_info an application built with RTTI
/// links against (UBSan's vptr check does), and never in the core, which has no RTTI.
class RecordSink {
public:
    /// The one record type this sink takes. Fixed for the sink's lifetime, so a producer checks
    /// it once when it is wired (a time-series producer refuses an event sink there) rather than
    /// discovering the mismatch on every add.
    virtual RecordType record_type() const noexcept = 0;

    /// Appends n time-series values (a TS sink), in order, as n single adds would.
    ///
    /// Returns how many were stored: always the first ones. The other n − stored were dropped
    /// for lack of room, and the sink has counted them (a store counts them in dropped_new and
    /// skips their sequence numbers), so the caller only adds them to its own figures.
    /// invalid_argument: nothing was stored and nothing was counted by the sink, because the
    /// call was wrong (an event sink, values null with n > 0, a store that no longer exists).
    /// n == 0 stores nothing and succeeds. The values' times are not known: a store gives a
    /// sector they open the time it is opened (docs/storage-format.md, "Record times").
    Expected<std::uint32_t> add_values(const std::uint32_t* values, std::uint32_t n) noexcept {
        return add_values_at(values, n, sector::time_unknown);
    }

    /// add_values, for values taken one sample period apart from first_time on (µs,
    /// sector::utc_flag for UTC; time_unknown as add_values): a store keeps the exact time of
    /// each sector's first value.
    virtual Expected<std::uint32_t> add_values_at(const std::uint32_t* values, std::uint32_t n,
                                                  std::uint64_t first_time) noexcept = 0;

    /// The values added next start a new series: they do not continue the previous ones' time
    /// grid (a pre-trigger window after the last one). A store gives them a sector of their own,
    /// so that its first time is theirs (ss_ts_begin_series); a sink that keeps no times need
    /// not override this. invalid_argument as add_values (nothing changed).
    virtual Expected<void> begin_series() noexcept { return {}; }

    /// Appends n events (an EVT sink), packed SsEventRecords; the same contract as add_values.
    virtual Expected<std::uint32_t> add_events(const SsEventRecord* events, std::uint32_t n) noexcept = 0;

protected:
    RecordSink() noexcept = default;
    RecordSink(const RecordSink&) noexcept = default;
    RecordSink& operator=(const RecordSink&) noexcept = default;
    ~RecordSink() = default;
};

} // namespace ss
