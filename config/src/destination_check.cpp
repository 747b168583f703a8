#include "destination_check.hpp"

#include "ss/destination_fanout.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

namespace ss::config {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds max_timeout{std::chrono::hours(1)};
constexpr std::uint32_t max_in_flight = 64;
constexpr std::uint32_t max_batches_per_request = 1'024;
constexpr std::uint32_t max_window = 65'535; // MQTT's Receive Maximum is 16-bit
constexpr std::size_t max_client_id = 65'535;

bool has_space_or_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; });
}

bool is_env_name(std::string_view s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

/// Every {...} in the topic template is one the MQTT transport replaces, and braces pair up.
bool known_placeholders(std::string_view topic) {
    for (std::size_t at = 0; at < topic.size(); ++at) {
        if (topic[at] == '}') return false;
        if (topic[at] != '{') continue;
        const std::size_t end = topic.find('}', at);
        if (end == std::string_view::npos) return false;
        const std::string_view name = topic.substr(at + 1, end - at - 1);
        if (name != "gateway" && name != "source" && name != "sensor" && name != "type") return false;
        at = end;
    }
    return true;
}

/// The levels zlib and libzstd take (hal/posix/upload/body_compression.hpp, levels_of: the
/// transport refuses the same); 0 is each library's default.
std::optional<Problem> check_compression(const std::string& key, const actors::DestinationSpec& d) {
    using actors::CompressionKind;
    if (d.compression_level == 0) return std::nullopt;
    switch (d.compression) {
    case CompressionKind::none:
        return Problem{key + ".compression_level", "needs compression = 'gzip' or 'zstd'"};
    case CompressionKind::gzip:
        if (d.compression_level > 9) return Problem{key + ".compression_level", "must be in 0..9 for gzip (0 = zlib's default, 6)"};
        break;
    case CompressionKind::zstd:
        // zstd's 20..22 need far more memory than a gateway should spend on a request.
        if (d.compression_level > 19) return Problem{key + ".compression_level", "must be in 0..19 for zstd (0 = zstd's default, 3)"};
        break;
    }
    return std::nullopt;
}

std::optional<Problem> check_timeout(const std::string& key, milliseconds t) {
    if (t < milliseconds{1} || t > max_timeout) return Problem{key, "must be in 1ms..1h"};
    return std::nullopt;
}

std::optional<Problem> check_http(const std::string& key, const actors::DestinationSpec& d) {
    if (d.url.rfind("http://", 0) != 0 && d.url.rfind("https://", 0) != 0)
        return Problem{key + ".url", "must start with http:// or https://, not \"" + d.url + "\""};
    if (has_space_or_control(d.url)) return Problem{key + ".url", "must not hold spaces or control characters"};
    if (d.max_in_flight < 1 || d.max_in_flight > max_in_flight) return Problem{key + ".max_in_flight", "must be in 1..64"};
    if (d.batches_per_request < 1 || d.batches_per_request > max_batches_per_request)
        return Problem{key + ".batches_per_request", "must be in 1..1024"};
    if (auto p = check_timeout(key + ".connect_timeout", d.connect_timeout)) return p;
    if (auto p = check_timeout(key + ".request_timeout", d.request_timeout)) return p;
    if (!d.token_file.empty() && !d.token_env.empty())
        return Problem{key + ".token_env", "and token_file name two tokens: give one"};
    if (!d.token_env.empty() && !is_env_name(d.token_env))
        return Problem{key + ".token_env", "must be an environment variable's name (letters, digits, '_')"};
    if (d.url.rfind("http://", 0) == 0 && (!d.token_file.empty() || !d.token_env.empty()))
        return Problem{key + ".url", "must be https:// when a bearer token is sent (it would travel in clear)"};
    return std::nullopt;
}

std::optional<Problem> check_mqtt(const std::string& key, const actors::DestinationSpec& d) {
    if (d.host.empty() || has_space_or_control(d.host)) return Problem{key + ".host", "must be a host name or address"};
    if (d.port == 0) return Problem{key + ".port", "must be in 1..65535"};
    if (d.topic.empty() || d.topic.find_first_of("+#") != std::string::npos || has_space_or_control(d.topic) ||
        !known_placeholders(d.topic))
        return Problem{key + ".topic",
                       "must be a topic without wildcards ('+', '#'), spaces or placeholders other than {gateway}, "
                       "{source}, {sensor}, {type}"};
    if (d.client_id.size() > max_client_id || has_space_or_control(d.client_id))
        return Problem{key + ".client_id", "must be at most 65535 bytes without spaces or control characters"};
    if (d.window < 1 || d.window > max_window) return Problem{key + ".window", "must be in 1..65535"};
    if (auto p = check_timeout(key + ".connect_timeout", d.connect_timeout)) return p;
    if (auto p = check_timeout(key + ".ack_timeout", d.ack_timeout)) return p;
    if (!d.password_file.empty() && d.username.empty())
        return Problem{key + ".password_file", "needs a username"};
    if (!d.tls && (!d.ca_file.empty() || !d.client_cert.empty() || !d.client_key.empty()))
        return Problem{key + ".tls", "must be true when ca_file, client_cert or client_key is given"};
    return std::nullopt;
}

} // namespace

std::optional<Problem> check_destinations(const actors::PipelineSpec& spec) {
    // Each destination keeps its own cursor in the fanout (ss/destination_fanout.hpp), which
    // has room for so many.
    if (spec.destinations.size() > DestinationFanout::max_destinations)
        return Problem{"destinations." + spec.destinations[DestinationFanout::max_destinations].name,
                       "is one destination too many: at most " +
                           std::to_string(DestinationFanout::max_destinations) + " per gateway"};
    for (const auto& d : spec.destinations) {
        const std::string key = "destinations." + d.name;
        if (!is_entry_name(d.name)) return Problem{key, "is not a name (1..31 letters, digits, '_', '-')"};
        if (d.client_cert.empty() != d.client_key.empty())
            return Problem{key + (d.client_cert.empty() ? ".client_cert" : ".client_key"),
                           "must be given with the other: a client certificate needs its key"};
        if (auto p = check_compression(key, d)) return p;
        auto p = d.kind == actors::DestinationKind::http ? check_http(key, d) : check_mqtt(key, d);
        if (p) return p;
    }
    return std::nullopt;
}

} // namespace ss::config
