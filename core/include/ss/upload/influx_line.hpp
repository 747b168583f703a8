// InfluxDB line protocol, for an InfluxDB or Telegraf-compatible endpoint: one point per record,
//   <channel>,boot=<n>,gateway=<g>,sensor=<id>,source=<s>[,unit=<u>] value=<v>i,seq=<n>i <ns>
// InfluxDB keeps one point per series and timestamp, so the record's sequence number goes into
// the timestamp's digits below the record's own precision: distinct records never share a
// timestamp, and a record sent again lands on exactly its own point (docs/upload-protocol.md,
// "InfluxDB line protocol", says why and where that stops holding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/expected.hpp"
#include "ss/upload/batch.hpp"

namespace ss::upload {

/// The point timestamp, ns, of record i of b: a time-series record's µs time × 1000 plus
/// seq mod 1000; an event's ms × 10^6 plus seq mod 10^6. The UTC flag is dropped. Errc::invalid_argument
/// if the record has no known time or the timestamp would not fit a signed 64-bit number.
Expected<std::int64_t> influx_timestamp_ns(const Batch& b, std::uint32_t i) noexcept;

/// Exact bytes influx_line_encode writes for b. Errc::invalid_argument if b fails check, a
/// record has no timestamp (influx_timestamp_ns), the channel starts with '#' (a comment line)
/// or the channel or unit holds a backslash (InfluxDB 1.x and 2.x unescape it differently).
Expected<std::size_t> influx_line_size(const Batch& b) noexcept;

/// Writes b's records into out as line protocol, one line each, ending in '\n'. Returns the bytes
/// written; the errors of influx_line_size, and Errc::no_space if the lines do not all fit
/// (nothing is claimed written, the content of out is unspecified).
Expected<std::size_t> influx_line_encode(const Batch& b, std::span<std::byte> out) noexcept;

} // namespace ss::upload
