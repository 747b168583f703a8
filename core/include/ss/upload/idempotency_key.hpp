// The idempotency key of a batch: `gateway:source:sensor:first_seq:count`, e.g.
// `gw-01:host:42:1000:500`. It names exactly the records a batch holds, so the same records sent
// again after a crash carry the same key (an HTTP Idempotency-Key header, an MQTT v5 user
// property); docs/upload-protocol.md says how a receiver uses it.
#pragma once

#include <cstddef>
#include <span>

#include "ss/expected.hpp"
#include "ss/upload/batch.hpp"

namespace ss::upload {

/// Buffer size that holds any key and its terminating NUL: the gateway name, the longest source
/// name (4), a sensor id (10 digits), a first_seq (17 digits, below 2^56), a count (5 digits)
/// and four colons.
inline constexpr std::size_t idempotency_key_capacity = max_gateway_bytes + 4 + 10 + 17 + 5 + 4 + 1;

/// Writes b's key into out, NUL-terminated; the source is its ss::source_name ("host", "app",
/// "can"), the numbers decimal. Returns the key's length without the NUL; Errc::invalid_argument
/// if b fails ss::upload::check, Errc::no_space if out cannot hold key and NUL (out unchanged).
Expected<std::size_t> format_idempotency_key(const Batch& b, std::span<char> out) noexcept;

} // namespace ss::upload
