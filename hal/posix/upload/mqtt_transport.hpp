// The MQTT upload transport (libmosquitto, MQTT v5 or 3.1.1): each batch is one QoS 1 PUBLISH
// to a topic made from a template, acknowledged when its PUBACK arrives; at most `window`
// batches are in flight at once. The session is persistent (clean session off; under v5 a
// session expiry interval), so a broker that keeps its sessions on disk loses nothing across a
// restart, and the library's own thread keeps the connection alive and reconnects with
// backoff. Under v5 each PUBLISH carries the batch's Idempotency-Key as a user property and the
// codec's content type; under 3.1.1 the key is in the payload only (every codec carries it).
// With compression set, each payload is compressed (gzip or zstd) after encoding; under v5 a
// user property "Content-Encoding" names the coding (the Content Type stays the codec's, which
// is what the payload is once decoded); 3.1.1 has no properties, so there the subscriber must
// be configured with the destination's compression.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "posix/upload/body_compression.hpp"
#include "ss/hal/payload_encoder.hpp"
#include "ss/hal/upload_transport.hpp"

namespace ss::hal {

class MqttTransport final : public UploadTransport {
public:
    struct Settings {
        std::string host = "127.0.0.1";
        std::uint16_t port = 1883;
        bool v5 = true;                       ///< else MQTT 3.1.1
        std::string client_id;                ///< the persistent session's name: stable per gateway
        /// {gateway}, {source}, {sensor} and {type} are replaced; e.g. "ss/{gateway}/{source}/{sensor}".
        std::string topic_template = "ss/{gateway}/{source}/{sensor}";
        std::string gateway;
        std::uint32_t window = 16;            ///< PUBLISHes awaiting their PUBACK at once
        std::uint32_t keepalive_s = 30;
        std::uint32_t ack_timeout_ms = 10'000;  ///< a batch not acknowledged by then is retry
        std::uint32_t connect_timeout_ms = 5'000;
        std::uint32_t session_expiry_s = 7 * 24 * 3600; ///< v5: how long the broker keeps the session
        std::string username;                 ///< "" = none
        std::string password;
        bool tls = false;
        bool verify_tls = true;               ///< the broker's host name against its certificate
        std::string ca_file;
        std::string client_cert;
        std::string client_key;
        BodyCompression compression = BodyCompression::none; ///< on top of the codec
        /// 0 = the library's default; else within levels_of(compression). A level outside it
        /// makes every batch rejected (quarantined): the configuration check refuses it first.
        int compression_level = 0;
    };

    struct Stats {
        std::uint64_t published = 0;
        std::uint64_t acknowledged = 0;
        std::uint64_t refused = 0;      ///< PUBACK with an error reason code (v5)
        std::uint64_t timed_out = 0;    ///< no PUBACK within ack_timeout_ms, or the connection went
        std::uint64_t connects = 0;     ///< successful CONNACKs, reconnections included
        std::uint64_t connect_failures = 0;
        std::uint64_t bytes_published = 0;  ///< payloads as published (compressed when set)
        std::uint64_t bytes_encoded = 0;    ///< the same payloads before compression
        std::uint64_t compression_errors = 0; ///< payloads the compressor failed on (not published)
    };

    /// The encoder must outlive the transport. Connects on the first send.
    MqttTransport(Settings settings, PayloadEncoder& encoder);
    ~MqttTransport() override;
    MqttTransport(const MqttTransport&) = delete;
    MqttTransport& operator=(const MqttTransport&) = delete;

    UploadResult send(const UploadBatch& batch) noexcept override;
    /// Publishes every batch (window-bounded) and waits for their PUBACKs; always attempts all.
    std::size_t send_many(std::span<const UploadBatch> batches, std::span<UploadResult> results) noexcept override;

    Stats stats() const noexcept;
    /// TLS failures are not told apart from other failed connects by libmosquitto: 0.
    WireCounts wire_counts() const noexcept override;
    /// The topic of a batch under the template.
    std::string topic_of(const UploadBatch& batch) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace ss::hal
