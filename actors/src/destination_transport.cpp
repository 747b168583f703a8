#include "destination_transport.hpp"

#include <cstdlib>
#include <fstream>

#include "posix/upload/http_transport.hpp"
#include "posix/upload/mqtt_transport.hpp"

namespace ss::actors {

namespace {

hal::WireCodec wire_codec(CodecKind k) {
    switch (k) {
    case CodecKind::line_protocol: return hal::WireCodec::line_protocol;
    case CodecKind::compact: return hal::WireCodec::compact;
    case CodecKind::json_lines: break;
    }
    return hal::WireCodec::json_lines;
}

hal::BodyCompression body_compression(CompressionKind k) {
    switch (k) {
    case CompressionKind::gzip: return hal::BodyCompression::gzip;
    case CompressionKind::zstd: return hal::BodyCompression::zstd;
    case CompressionKind::none: break;
    }
    return hal::BodyCompression::none;
}

std::uint32_t ms(std::chrono::milliseconds t) { return static_cast<std::uint32_t>(t.count()); }

} // namespace

bool read_secret_file(const std::string& path, std::string& secret, std::string& why) {
    std::ifstream in(path);
    if (!in) {
        why = "cannot read " + path;
        return false;
    }
    std::getline(in, secret);
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    if (secret.empty()) {
        why = path + " holds no secret on its first line";
        return false;
    }
    return true;
}

bool make_destination_transport(const std::string& gateway, const DestinationSpec& d,
                                const hal::ChannelDirectory& channels,
                                DestinationTransport& out, std::string& why) {
    const std::string who = "destination " + d.name + ": ";
    out.encoder = std::make_unique<hal::CodecEncoder>(wire_codec(d.codec), gateway, channels);
    if (d.kind == DestinationKind::http) {
        hal::HttpTransport::Settings s;
        s.url = d.url;
        s.use_put = d.put;
        s.max_in_flight = d.max_in_flight;
        s.batches_per_request = d.batches_per_request;
        s.connect_timeout_ms = ms(d.connect_timeout);
        s.request_timeout_ms = ms(d.request_timeout);
        s.verify_tls = d.verify_tls;
        s.ca_file = d.ca_file;
        s.client_cert = d.client_cert;
        s.client_key = d.client_key;
        s.compression = body_compression(d.compression);
        s.compression_level = static_cast<int>(d.compression_level);
        if (!d.token_file.empty() && !read_secret_file(d.token_file, s.bearer_token, why)) {
            why = who + "token_file: " + why;
            return false;
        }
        if (!d.token_env.empty()) {
            const char* token = std::getenv(d.token_env.c_str());
            if (token == nullptr || *token == '\0') {
                why = who + "token_env: the environment variable " + d.token_env + " is not set";
                return false;
            }
            s.bearer_token = token;
        }
        out.transport = std::make_unique<hal::HttpTransport>(std::move(s), *out.encoder);
        return true;
    }
    hal::MqttTransport::Settings s;
    s.host = d.host;
    s.port = d.port;
    s.v5 = d.mqtt_v5;
    s.client_id = d.client_id.empty() ? gateway + "-" + d.name : d.client_id;
    s.topic_template = d.topic;
    s.gateway = gateway;
    s.window = d.window;
    s.connect_timeout_ms = ms(d.connect_timeout);
    s.ack_timeout_ms = ms(d.ack_timeout);
    s.username = d.username;
    if (!d.password_file.empty() && !read_secret_file(d.password_file, s.password, why)) {
        why = who + "password_file: " + why;
        return false;
    }
    s.tls = d.tls;
    s.verify_tls = d.verify_tls;
    s.ca_file = d.ca_file;
    s.client_cert = d.client_cert;
    s.client_key = d.client_key;
    s.compression = body_compression(d.compression);
    s.compression_level = static_cast<int>(d.compression_level);
    out.transport = std::make_unique<hal::MqttTransport>(std::move(s), *out.encoder);
    return true;
}

} // namespace ss::actors
