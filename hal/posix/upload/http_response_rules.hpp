// What an HTTP receiver's answer means for a batch (design.md §9, docs/upload-protocol.md):
// the retry rules of mature HTTP clients. 2xx is an acknowledgement; connection errors,
// timeouts, 408, 429, 500, 502, 503 and 504 are tried again, after the receiver's Retry-After
// when it gives one; 413 asks for smaller batches; any other 4xx will never succeed as sent, so
// the batch is quarantined rather than retried for ever or silently erased. Other statuses
// (1xx, 3xx, 5xx not listed) are failures the uploader retries with its backoff: redirects are
// not followed (a POST must not turn into a GET), and an operator sees them counted.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

namespace ss::hal {

enum class HttpVerdict : std::uint8_t {
    acknowledged, ///< 2xx: the receiver has the batch
    retry,        ///< send the same batch again later
    too_large,    ///< 413: send it again in smaller batches
    rejected,     ///< any other 4xx: quarantine it
};

/// The verdict on a response with this status code.
HttpVerdict verdict_of_status(long status) noexcept;

/// Milliseconds a Retry-After header value asks the client to wait, given the time now: either
/// delay-seconds ("120") or an HTTP-date in any of the three forms RFC 9110 §5.6.7 has recipients
/// accept (IMF-fixdate, RFC 850, asctime). A date in the past asks for no wait (0). Values that
/// are neither are ignored (nullopt): the backoff decides. Never more than max_ms, so one header
/// cannot park a destination for days.
std::optional<std::uint64_t> retry_after_ms(std::string_view value, std::time_t now, std::uint64_t max_ms) noexcept;

} // namespace ss::hal
