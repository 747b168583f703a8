// Record times for people: UTC as ISO 8601 with µs, monotonic as seconds on the writing boot's
// clock (it means nothing without the boot number, which is printed beside it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/records.hpp"

namespace ss::store_tool {

/// "2026-12-05T06:10:45.123456Z", "mono 1234.000500s", or "-" for an unknown time.
std::string time_text(Clock clock, std::uint64_t time_us);

/// A UTC time given on the command line: "2026-12-05", "2026-12-05T06:10:45" or with a fraction
/// of up to six digits ("2026-12-05T06:10:45.5"), a final 'Z' optional; µs since the Unix epoch,
/// or nullopt if the text is none of these.
std::optional<std::int64_t> parse_time_argument(std::string_view text);

} // namespace ss::store_tool
