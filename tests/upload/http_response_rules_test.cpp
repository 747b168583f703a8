// The HTTP retry rules: which statuses acknowledge, retry, split or quarantine a batch, and how
// a Retry-After header (delay-seconds or any of the three HTTP-date forms) becomes a wait.
#include <doctest/doctest.h>

#include <string>

#include "posix/upload/http_response_rules.hpp"

using ss::hal::HttpVerdict;
using ss::hal::retry_after_ms;
using ss::hal::verdict_of_status;

TEST_CASE("every 2xx acknowledges") {
    for (long s : {200L, 201L, 202L, 204L, 299L}) CHECK(verdict_of_status(s) == HttpVerdict::acknowledged);
}

TEST_CASE("timeouts, throttling and server errors are retried") {
    for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) CHECK(verdict_of_status(s) == HttpVerdict::retry);
}

TEST_CASE("413 asks for smaller batches") { CHECK(verdict_of_status(413) == HttpVerdict::too_large); }

TEST_CASE("any other 4xx will not succeed as sent: quarantined") {
    for (long s : {400L, 401L, 403L, 404L, 405L, 409L, 410L, 411L, 415L, 422L, 451L, 499L})
        CHECK(verdict_of_status(s) == HttpVerdict::rejected);
}

TEST_CASE("statuses that are neither are retried, never quarantined") {
    // A redirect is not followed (a POST must not become a GET); an odd 5xx may pass.
    for (long s : {0L, 100L, 199L, 301L, 302L, 307L, 308L, 501L, 505L, 599L, 600L})
        CHECK(verdict_of_status(s) == HttpVerdict::retry);
}

TEST_CASE("Retry-After in seconds") {
    const std::time_t now = 1'700'000'000;
    CHECK(retry_after_ms("120", now, 3'600'000) == 120'000);
    CHECK(retry_after_ms("0", now, 3'600'000) == 0);
    CHECK(retry_after_ms(" 7 \r\n", now, 3'600'000) == 7'000);
    // Longer than the most honoured: capped, not ignored.
    CHECK(retry_after_ms("86400", now, 3'600'000) == 3'600'000);
    CHECK(retry_after_ms("99999999999999999999999999", now, 3'600'000) == 3'600'000);
}

TEST_CASE("Retry-After as an HTTP-date, in each of the three forms") {
    // Sun, 06 Nov 1994 08:49:37 GMT is 784111777 s after the epoch (RFC 9110's example).
    const std::time_t at = 784'111'777;
    CHECK(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", at - 30, 3'600'000) == 30'000);
    CHECK(retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", at - 30, 3'600'000) == 30'000);
    CHECK(retry_after_ms("Sun Nov  6 08:49:37 1994", at - 30, 3'600'000) == 30'000);
    // In the past (a server clock behind ours): no wait.
    CHECK(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", at + 5, 3'600'000) == 0);
    // Far ahead: capped.
    CHECK(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", at - 86'400, 3'600'000) == 3'600'000);
}

TEST_CASE("values that are neither are ignored: the backoff decides") {
    const std::time_t now = 1'700'000'000;
    CHECK_FALSE(retry_after_ms("", now, 1000).has_value());
    CHECK_FALSE(retry_after_ms("soon", now, 1000).has_value());
    CHECK_FALSE(retry_after_ms("-5", now, 1000).has_value());
    CHECK_FALSE(retry_after_ms("1.5", now, 1000).has_value());
    CHECK_FALSE(retry_after_ms(std::string(100, '1') + "x", now, 1000).has_value());
}
