// Record times for people: UTC as ISO 8601 with µs, monotonic as seconds on the writing boot's
// clock (it means nothing without the boot number, which is printed beside it).
#pragma once

#include <cstdint>
#include <string>

#include "store/records.hpp"

namespace ss::store_tool {

/// "2026-12-05T06:10:45.123456Z", "mono 1234.000500s", or "-" for an unknown time.
std::string time_text(Clock clock, std::uint64_t time_us);

} // namespace ss::store_tool
