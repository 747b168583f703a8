// [destinations]: an HTTP or MQTT destination fills its spec (defaults where a key is not
// written), each kind of bad entry is refused at its key and line with its reason, and the dump
// reads back as the same spec.
#include <doctest/doctest.h>

#include <string>

#include "config_test_support.hpp"
#include "ss/config/gateway_config.hpp"

using namespace ss::config::test;
using ss::actors::CodecKind;
using ss::actors::CompressionKind;
using ss::actors::DestinationKind;
using ss::config::GatewayConfig;

namespace {

const std::string base =
    "[system]\n"                                                         // 1
    "disk_root = \"/var/lib/ss\"\n"                                      // 2
    "[sources]\n"                                                        // 3
    "poll = { kind = 'sim_poll', bus = 'app', period = 2s }\n"           // 4
    "[sensors]\n"                                                        // 5
    "temp = { source = \"poll\", id = 1, count = 4, unit = \"C\" }\n"    // 6
    "[destinations]\n";                                                  // 7 (the entry is line 8)

std::string with(const std::string& entry) { return base + entry + "\n"; }

} // namespace

TEST_CASE("an HTTP destination: every key, and the defaults") {
    GatewayConfig cfg;
    accepted(cfg, with("cloud = { kind = 'http', url = \"https://ingest.example/v1/batches\", codec = \"line_protocol\", "
                       "method = \"PUT\", max_in_flight = 8, batches_per_request = 16, connect_timeout = 2s, "
                       "request_timeout = 20s, token_env = \"SS_TOKEN\", verify_tls = true, ca_file = \"/etc/ss/ca.pem\", "
                       "client_cert = \"/etc/ss/c.pem\", client_key = \"/etc/ss/c.key\" }"));
    const auto& spec = cfg.spec();
    REQUIRE(spec.destinations.size() == 1);
    const auto& d = spec.destinations[0];
    CHECK(d.name == "cloud");
    CHECK(d.kind == DestinationKind::http);
    CHECK(d.codec == CodecKind::line_protocol);
    CHECK(d.url == "https://ingest.example/v1/batches");
    CHECK(d.put);
    CHECK(d.max_in_flight == 8);
    CHECK(d.batches_per_request == 16);
    CHECK(d.connect_timeout == std::chrono::seconds(2));
    CHECK(d.request_timeout == std::chrono::seconds(20));
    CHECK(d.token_env == "SS_TOKEN");
    CHECK(d.ca_file == "/etc/ss/ca.pem");
    CHECK(d.client_cert == "/etc/ss/c.pem");
    CHECK(d.client_key == "/etc/ss/c.key");
    // The destination replaces the archive.
    CHECK(spec.uploader.transport == ss::actors::TransportKind::none);
    reloads_as(cfg);

    GatewayConfig plain;
    accepted(plain, with("local = { kind = 'http', url = \"http://127.0.0.1:8080/ingest\" }"));
    const auto& p = plain.spec().destinations.at(0);
    CHECK(p.codec == CodecKind::json_lines);
    CHECK_FALSE(p.put);
    CHECK(p.max_in_flight == 4);
    CHECK(p.batches_per_request == 1);
    CHECK(p.verify_tls);
    reloads_as(plain);
}

TEST_CASE("an MQTT destination: every key, and the defaults") {
    GatewayConfig cfg;
    accepted(cfg, with("live = { kind = 'mqtt', host = \"broker.lan\", port = 8883, protocol = 'v311', codec = 'compact', "
                       "client_id = \"gw-7\", topic = \"plant/{gateway}/{source}/{sensor}/{type}\", window = 32, "
                       "ack_timeout = 5s, username = \"gw\", password_file = \"/etc/ss/mqtt.pw\", tls = true, "
                       "ca_file = \"/etc/ss/ca.pem\" }"));
    const auto& d = cfg.spec().destinations.at(0);
    CHECK(d.kind == DestinationKind::mqtt);
    CHECK(d.codec == CodecKind::compact);
    CHECK(d.host == "broker.lan");
    CHECK(d.port == 8883);
    CHECK_FALSE(d.mqtt_v5);
    CHECK(d.client_id == "gw-7");
    CHECK(d.topic == "plant/{gateway}/{source}/{sensor}/{type}");
    CHECK(d.window == 32);
    CHECK(d.ack_timeout == std::chrono::seconds(5));
    CHECK(d.username == "gw");
    CHECK(d.password_file == "/etc/ss/mqtt.pw");
    CHECK(d.tls);
    reloads_as(cfg);

    GatewayConfig plain;
    accepted(plain, with("live = { kind = 'mqtt' }"));
    const auto& p = plain.spec().destinations.at(0);
    CHECK(p.host == "127.0.0.1");
    CHECK(p.port == 1883);
    CHECK(p.mqtt_v5);
    CHECK(p.window == 16);
    CHECK(p.topic == "ss/{gateway}/{source}/{sensor}");
}

TEST_CASE("several destinations: MQTT for live data and HTTP for the archive, in the file's order") {
    GatewayConfig cfg;
    accepted(cfg, with("live = { kind = 'mqtt', codec = 'compact' }\n"
                       "archive = { kind = 'http', url = \"https://archive.example/ingest\", compression = 'gzip' }"));
    const auto& d = cfg.spec().destinations;
    REQUIRE(d.size() == 2);
    CHECK(d[0].name == "live");
    CHECK(d[0].kind == ss::actors::DestinationKind::mqtt);
    CHECK(d[1].name == "archive");
    CHECK(d[1].kind == ss::actors::DestinationKind::http);
    reloads_as(cfg);
}

TEST_CASE("compression on top of the codec: none by default, gzip or zstd with an optional level") {
    GatewayConfig plain;
    accepted(plain, with("cloud = { kind = 'http', url = \"http://127.0.0.1:8080/ingest\" }"));
    CHECK(plain.spec().destinations.at(0).compression == CompressionKind::none);
    CHECK(plain.spec().destinations.at(0).compression_level == 0);
    reloads_as(plain);

    GatewayConfig gzip;
    accepted(gzip, with("cloud = { kind = 'http', url = \"http://127.0.0.1:8080/ingest\", compression = 'gzip' }"));
    CHECK(gzip.spec().destinations.at(0).compression == CompressionKind::gzip);
    CHECK(gzip.spec().destinations.at(0).compression_level == 0);
    reloads_as(gzip);

    GatewayConfig zstd;
    accepted(zstd, with("live = { kind = 'mqtt', codec = 'compact', compression = \"zstd\", compression_level = 19 }"));
    CHECK(zstd.spec().destinations.at(0).compression == CompressionKind::zstd);
    CHECK(zstd.spec().destinations.at(0).compression_level == 19);
    reloads_as(zstd);

    GatewayConfig best;
    accepted(best, with("cloud = { kind = 'http', url = \"http://a\", compression = 'gzip', compression_level = 9 }"));
    CHECK(best.spec().destinations.at(0).compression_level == 9);
    reloads_as(best);

    GatewayConfig none;
    accepted(none, with("cloud = { kind = 'http', url = \"http://a\", compression = 'none', compression_level = 0 }"));
    CHECK(none.spec().destinations.at(0).compression == CompressionKind::none);
    reloads_as(none);
}

TEST_CASE("bad compression is refused at its key and line") {
    refused(with("x = { kind = 'http', url = \"http://a\", compression = 'brotli' }"), "destinations.x.compression", 8,
            "not 'brotli'");
    refused(with("x = { kind = 'mqtt', compression = 'lz4' }"), "destinations.x.compression", 8, "'none', 'gzip' or 'zstd'");
    refused(with("x = { kind = 'http', url = \"http://a\", compression = 'gzip', compression_level = 10 }"),
            "destinations.x.compression_level", 8, "0..9 for gzip");
    refused(with("x = { kind = 'mqtt', compression = 'zstd', compression_level = 20 }"), "destinations.x.compression_level", 8,
            "0..19 for zstd");
    refused(with("x = { kind = 'mqtt', compression = 'zstd', compression_level = -1 }"), "destinations.x.compression_level", 8,
            "integer");
    refused(with("x = { kind = 'http', url = \"http://a\", compression_level = 3 }"), "destinations.x.compression_level", 8,
            "needs compression");
    refused(with("x = { kind = 'http', url = \"http://a\", compression = 1 }"), "destinations.x.compression", 8, "gzip");
}

TEST_CASE("bad destinations are refused at their key and line") {
    refused(with("x = { url = \"http://a\" }"), "destinations.x.kind", 8, "required");
    refused(with("x = { kind = 'ftp' }"), "destinations.x.kind", 8, "'http' or 'mqtt'");
    refused(with("x = { kind = 'http' }"), "destinations.x.url", 8, "required");
    refused(with("x = { kind = 'http', url = \"ftp://a\" }"), "destinations.x.url", 8, "http:// or https://");
    refused(with("x = { kind = 'http', url = \"http://a b\" }"), "destinations.x.url", 8, "spaces");
    refused(with("x = { kind = 'http', url = \"http://a\", codec = 'xml' }"), "destinations.x.codec", 8, "not 'xml'");
    refused(with("x = { kind = 'http', url = \"http://a\", method = \"GET\" }"), "destinations.x.method", 8, "not 'GET'");
    refused(with("x = { kind = 'http', url = \"http://a\", max_in_flight = 0 }"), "destinations.x.max_in_flight", 8, "1..64");
    refused(with("x = { kind = 'http', url = \"http://a\", batches_per_request = 2000 }"),
            "destinations.x.batches_per_request", 8, "1..1024");
    refused(with("x = { kind = 'http', url = \"http://a\", request_timeout = 0s }"), "destinations.x.request_timeout", 8,
            "1ms..1h");
    refused(with("x = { kind = 'http', url = \"https://a\", token_env = \"A\", token_file = \"/t\" }"),
            "destinations.x.token_env", 8, "give one");
    refused(with("x = { kind = 'http', url = \"https://a\", token_env = \"1A\" }"), "destinations.x.token_env", 8,
            "environment variable");
    // A bearer token over plain HTTP would travel in clear.
    refused(with("x = { kind = 'http', url = \"http://a\", token_file = \"/t\" }"), "destinations.x.url", 8, "https://");
    refused(with("x = { kind = 'http', url = \"https://a\", client_cert = \"/c\" }"), "destinations.x.client_key", 8,
            "needs its key");
    // Keys of the other kind.
    refused(with("x = { kind = 'http', url = \"http://a\", topic = \"t\" }"), "destinations.x.topic", 8,
            "not for a 'http' destination");
    refused(with("x = { kind = 'mqtt', url = \"http://a\" }"), "destinations.x.url", 8, "not for a 'mqtt' destination");
    refused(with("x = { kind = 'mqtt', port = 0 }"), "destinations.x.port", 8, "1..65535");
    refused(with("x = { kind = 'mqtt', topic = \"a/+/b\" }"), "destinations.x.topic", 8, "wildcards");
    refused(with("x = { kind = 'mqtt', topic = \"a/{site}\" }"), "destinations.x.topic", 8, "placeholders");
    refused(with("x = { kind = 'mqtt', topic = \"a/{sensor\" }"), "destinations.x.topic", 8, "placeholders");
    refused(with("x = { kind = 'mqtt', window = 0 }"), "destinations.x.window", 8, "1..65535");
    refused(with("x = { kind = 'mqtt', protocol = 'v4' }"), "destinations.x.protocol", 8, "'v5' or 'v311'");
    refused(with("x = { kind = 'mqtt', password_file = \"/p\" }"), "destinations.x.password_file", 8, "username");
    refused(with("x = { kind = 'mqtt', ca_file = \"/ca\" }"), "destinations.x.tls", 8, "must be true");
    refused(with("x = { kind = 'mqtt', typo = 1 }"), "destinations.x.typo", 8, "unknown key");
    refused(with("x = \"http://a\""), "destinations.x", 8, "expects a map");
    // Up to eight destinations per gateway (each has its cursor in the fanout): a ninth is refused.
    std::string nine;
    for (char c = 'a'; c <= 'i'; ++c) nine += std::string(1, c) + " = { kind = 'mqtt' }\n";
    refused(with(nine), "destinations.i", 16, "one destination too many");
    // The destinations name their kind: [uploader]'s transport is not for such a file.
    refused(with("a = { kind = 'mqtt' }") + "[uploader]\ntransport = 'archive'\n", "uploader.transport", 10,
            "remove one of them");
}
