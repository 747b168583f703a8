// The HTTP(S) upload transport (libcurl): each batch, or a configured number of batches of
// different sensors, goes out as one POST (or PUT) carrying the batch keys in an
// Idempotency-Key header; a 2xx response acknowledges every batch of the request. Requests of
// one send_many call run concurrently, at most max_in_flight at once, over kept-alive
// connections. TLS verification is on unless turned off; the bearer token is sent, never
// logged. What a response means follows the retry rules in http_response_rules.hpp.
// With compression set, each request body is compressed (gzip or zstd) after encoding and sent
// with Content-Encoding; the Idempotency-Key and the other headers stay as they are. A server
// that does not take the coding answers 415, a 4xx like any other: the batches are quarantined.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "posix/upload/body_compression.hpp"
#include "ss/hal/payload_encoder.hpp"
#include "ss/hal/upload_transport.hpp"

namespace ss::hal {

class HttpTransport final : public UploadTransport {
public:
    struct Settings {
        std::string url;                      ///< http:// or https://
        bool use_put = false;                 ///< PUT instead of POST (003 §8 names both)
        std::uint32_t max_in_flight = 4;      ///< requests at once
        std::uint32_t batches_per_request = 1;
        std::uint32_t connect_timeout_ms = 10'000;
        std::uint32_t request_timeout_ms = 30'000; ///< the whole exchange, connecting included
        bool verify_tls = true;               ///< the server's certificate and host name
        std::string ca_file;                  ///< "" = the system's CA store
        std::string client_cert;              ///< PEM; "" = none
        std::string client_key;               ///< PEM; "" = none
        std::string bearer_token;             ///< "" = no Authorization header
        std::uint64_t max_retry_after_ms = 3'600'000; ///< the longest Retry-After honoured
        BodyCompression compression = BodyCompression::none; ///< on top of the codec
        /// 0 = the library's default; else within levels_of(compression). A level outside it
        /// makes every batch rejected (quarantined): the configuration check refuses it first.
        int compression_level = 0;
    };

    /// What happened so far, for stats and metrics.
    struct Stats {
        std::uint64_t requests = 0;
        std::uint64_t acknowledged = 0;     ///< 2xx responses
        std::uint64_t retryable = 0;        ///< 408, 429, 5xx and other statuses retried
        std::uint64_t too_large = 0;        ///< 413 responses
        std::uint64_t rejected = 0;         ///< other 4xx responses
        std::uint64_t transfer_errors = 0;  ///< no response: refused, reset, timed out
        std::uint64_t tls_errors = 0;       ///< of those, TLS failures (bad certificate, handshake)
        std::uint64_t bytes_sent = 0;       ///< request bodies as sent (compressed when set)
        std::uint64_t bytes_encoded = 0;    ///< the same bodies before compression
        std::uint64_t compression_errors = 0; ///< bodies the compressor failed on (not sent)
    };

    /// The encoder must outlive the transport.
    HttpTransport(Settings settings, PayloadEncoder& encoder);
    ~HttpTransport() override;
    HttpTransport(const HttpTransport&) = delete;
    HttpTransport& operator=(const HttpTransport&) = delete;

    UploadResult send(const UploadBatch& batch) noexcept override;
    /// Sends every batch (requests of up to batches_per_request, max_in_flight at once) and gives
    /// each the verdict of its request; always attempts them all.
    std::size_t send_many(std::span<const UploadBatch> batches, std::span<UploadResult> results) noexcept override;

    Stats stats() const noexcept;
    WireCounts wire_counts() const noexcept override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace ss::hal
