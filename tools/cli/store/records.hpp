// The records of a valid unit with their sequence numbers and times (docs/storage-format.md,
// "Record times"): record i was taken at first_time + i × period, in the clock the header's
// flag names; event records carry their own ts_ms besides.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ss/sector_format.hpp"

namespace ss::store_tool {

enum class Clock : std::uint8_t { unknown, utc, monotonic };

/// "unknown", "utc", "monotonic".
const char* clock_text(Clock c) noexcept;

struct Record {
    std::uint64_t seq = 0;
    std::uint32_t value = 0;
    /// µs: since the Unix epoch (utc) or on the monotonic clock of the unit's boot; 0 with
    /// Clock::unknown.
    std::uint64_t time_us = 0;
    Clock clock = Clock::unknown;
    /// Events only: the raw ts_ms the writer gave (UTC or monotonic ms, 003 §19); 0 for time series.
    std::uint64_t ts_ms = 0;
};

/// What every record of one unit shares.
struct UnitBase {
    RecordType type = RecordType::ts;
    std::uint8_t version = sector::format_version;
    std::uint32_t boot = 0;
    std::uint32_t period_us = 0;
    std::uint64_t unit_offset = 0;
};

/// The header fields of a valid unit.
UnitBase unit_base(const std::byte* unit, RecordType type, std::uint64_t offset) noexcept;

/// Appends records [from, to) (indexes within the unit, to ≤ its count) of a valid unit to out.
void decode_records(const std::byte* unit, RecordType type, std::uint32_t from, std::uint32_t to,
                    std::vector<Record>& out);

} // namespace ss::store_tool
