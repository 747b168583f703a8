// JSON lines, the readable codec: one JSON object per record, each line self-contained (it
// repeats the batch's fields), so a line can be filed, grepped or ingested on its own.
// docs/upload-protocol.md, "JSON lines", lists the members.
#pragma once

#include <cstddef>
#include <span>

#include "ss/expected.hpp"
#include "ss/upload/batch.hpp"

namespace ss::upload {

/// Exact bytes json_lines_encode writes for b. Errc::invalid_argument if b fails check.
Expected<std::size_t> json_lines_size(const Batch& b) noexcept;

/// Writes b's records into out as JSON lines, each ending in '\n'. Returns the bytes written;
/// Errc::invalid_argument if b fails check; Errc::no_space if the lines do not all fit (nothing
/// is claimed written, the content of out is unspecified).
Expected<std::size_t> json_lines_encode(const Batch& b, std::span<std::byte> out) noexcept;

} // namespace ss::upload
