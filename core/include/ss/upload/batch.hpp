// The batch an upload codec encodes: records of one sensor with consecutive sequence numbers and
// everything a receiver needs to file them (docs/upload-protocol.md, "Batch"). Freestanding: the
// gateway's uploader and the MCU's uplink build the same description.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ss/expected.hpp"
#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"

namespace ss::upload {

/// Most records one batch may hold. Bounds every codec's output size (a JSON line is at most a
/// few KB), so that sizes fit a 32-bit size_t on the MCU; an uploader sends more as more batches.
inline constexpr std::uint32_t max_records = 65536;
/// Longest gateway name, bytes.
inline constexpr std::size_t max_gateway_bytes = 64;
/// Longest channel name and unit, bytes each.
inline constexpr std::size_t max_name_bytes = 255;

/// Records [first_seq, first_seq + count) of one sensor. The sequence numbers are consecutive by
/// definition: a gap (records dropped by policy, cleared or lost) ends a batch, and the records
/// after it go out in a new batch whose first_seq tells the receiver what is missing.
///
/// The batch only points at its names and records: they belong to the caller and must outlive
/// every use of the batch (an encode call, or the decoded batch's input and record buffers).
struct Batch {
    /// Gateway name, 1..max_gateway_bytes of [A-Za-z0-9._-] (it is part of the idempotency key).
    std::string_view gateway;
    /// The boot that wrote the records: whose monotonic clock a non-UTC time is on.
    std::uint32_t boot = 0;
    SsSource source = SS_SOURCE_HOST;
    std::uint32_t sensor_id = 0;
    RecordType type = RecordType::ts;
    /// Sequence number of record 0; first_seq + count - 1 <= sector::max_seq.
    std::uint64_t first_seq = 0;
    /// Records in the batch, 1..max_records.
    std::uint32_t count = 0;
    /// The channel's name (1..max_name_bytes) and unit (0..max_name_bytes; empty = none), UTF-8
    /// without control characters.
    std::string_view channel;
    std::string_view unit;
    /// Time-series batches: the time of record 0 in µs (sector::utc_flag set = UTC, clear = the
    /// boot's monotonic clock; sector::time_unknown = not known) and the sample period in µs
    /// (0 = none). Event batches carry their own times: 0 and 0.
    std::uint64_t first_time_us = sector::time_unknown;
    std::uint32_t period_us = 0;
    /// count packed records as the store keeps them: TS a u32 value (4 B), EVT a u32 value then a
    /// u64 ts_ms (12 B, only 4-byte aligned: read through memcpy). Little-endian.
    const std::byte* records = nullptr;

    /// Bytes of one record of this batch's type.
    constexpr std::size_t record_bytes() const noexcept { return sector::record_bytes(type); }
    /// Bytes of all records.
    constexpr std::size_t records_bytes() const noexcept { return count * record_bytes(); }
    /// Sequence number of record i.
    constexpr std::uint64_t seq(std::uint32_t i) const noexcept { return first_seq + i; }
    /// Value of record i (i < count).
    std::uint32_t value(std::uint32_t i) const noexcept {
        return sector::load<std::uint32_t>(records + std::size_t{i} * record_bytes());
    }
    /// Time-series record i's time: first_time_us + i * period_us, keeping the UTC flag;
    /// sector::time_unknown if the time base does not give one (see sector::record_time).
    std::uint64_t time_us(std::uint32_t i) const noexcept { return sector::record_time(first_time_us, period_us, i); }
    /// Event record i's timestamp as stored, ms (UTC when the writer had it, else monotonic).
    std::uint64_t event_ms(std::uint32_t i) const noexcept {
        return sector::load<std::uint64_t>(records + std::size_t{i} * sector::evt_record_bytes + 4);
    }
};

/// Checks what every codec relies on: the field rules above, records present, the sequence range
/// within sector::max_seq, an event batch without a time base, and a time-series time base whose
/// last record's time stays below the UTC flag. Returns Errc::invalid_argument naming nothing
/// (the rules are few; docs/upload-protocol.md lists them) when one does not hold.
Expected<void> check(const Batch& b) noexcept;

} // namespace ss::upload
