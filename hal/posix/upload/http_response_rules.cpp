#include "posix/upload/http_response_rules.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>

namespace ss::hal {

HttpVerdict verdict_of_status(long status) noexcept {
    if (status >= 200 && status < 300) return HttpVerdict::acknowledged;
    switch (status) {
    case 408: // request timeout
    case 429: // too many requests
        return HttpVerdict::retry;
    case 413:
        return HttpVerdict::too_large;
    default:
        break;
    }
    if (status >= 400 && status < 500) return HttpVerdict::rejected;
    return HttpVerdict::retry;
}

std::optional<std::uint64_t> retry_after_ms(std::string_view value, std::time_t now, std::uint64_t max_ms) noexcept {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' || value.back() == '\n'))
        value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::uint64_t seconds = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        // Too many digits to fit: certainly more than the most we wait.
        if (ec == std::errc::result_out_of_range || seconds > max_ms / 1000) return max_ms;
        if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
        return seconds * 1000;
    }
    // libcurl's date parser takes the three HTTP-date forms (and more); it needs a C string.
    if (value.size() > 64) return std::nullopt;
    char text[65];
    value.copy(text, value.size());
    text[value.size()] = '\0';
    const std::time_t at = curl_getdate(text, nullptr);
    if (at == -1) return std::nullopt;
    if (at <= now) return 0;
    const auto wait = static_cast<std::uint64_t>(at - now) * 1000;
    return std::min(wait, max_ms);
}

} // namespace ss::hal
