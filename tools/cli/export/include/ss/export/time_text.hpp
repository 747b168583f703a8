// Record times as text, the same in the CSV, in ss-store's dump and in messages: ISO-8601 UTC
// with microseconds for UTC times, the boot and seconds since it for monotonic ones
// (docs/export-formats.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ss/export/export_model.hpp"

namespace ss::store_export {

/// "2026-12-05T06:10:31.123456Z" for µs since the Unix epoch (years 0000..9999).
std::string utc_iso_text(std::int64_t utc_us);

/// The µs since the epoch of text utc_iso_text writes (exactly that shape); none otherwise.
std::optional<std::int64_t> parse_utc_iso_text(std::string_view text);

/// A record's time column: utc_iso_text for UTC, "boot<B>+<S>.<ffffff>s" for monotonic (seconds
/// since that boot's clock started, µs digits), "" when unknown.
std::string record_time_text(const ExportRecord& record);

} // namespace ss::store_export
