// What the uploader hands a batch to: the interface every upload transport implements (the
// local archive, HTTP, MQTT, the MCU uplink, a test's scripted one). A batch is records of one
// sensor with consecutive sequence numbers; the transport says whether the receiver has it
// (acknowledged: the uploader erases it), whether to try again, and when.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"

namespace ss::hal {

/// Records [first_seq, first_seq + count) of one sensor, packed as the store keeps them (4 bytes
/// a time-series value, 12 bytes an event). Valid for the duration of the send call only.
struct UploadBatch {
    SsSource source = SS_SOURCE_HOST;
    std::uint32_t sensor_id = 0;
    RecordType type = RecordType::ts;
    std::uint64_t first_seq = 0;
    std::uint32_t count = 0;
    const std::byte* records = nullptr;
    /// The time base (docs/storage-format.md): time-series record i was taken at first_time +
    /// i × period_us (µs; the utc flag in bit 63, sector::time_unknown = not known); boot is
    /// the start of the gateway that wrote the records, which a monotonic time belongs to.
    std::uint64_t first_time = sector::time_unknown;
    std::uint32_t period_us = 0;
    std::uint32_t boot = 0;
};

enum class UploadOutcome : std::uint8_t {
    acknowledged, ///< the receiver has every record of the batch, durably
    retry,        ///< not delivered (unreachable, busy, timed out): send the same batch again
    too_large,    ///< refused as too large (HTTP 413): send its records again in smaller batches
    rejected,     ///< refused for good as sent (a 4xx other than 408, 413, 429): quarantine it
};

struct UploadResult {
    UploadOutcome outcome = UploadOutcome::retry;
    /// With retry: the earliest time to try again that the receiver asked for, in ms (0 = the
    /// uploader's own backoff decides).
    std::uint32_t retry_after_ms = 0;
    /// With rejected: the receiver's reason (the HTTP status, an MQTT reason code), kept with
    /// the quarantined batch; 0 = none given.
    std::uint32_t reason = 0;
};

/// What a transport has put on the wire since it was made, for the operator's metrics.
struct WireCounts {
    std::uint64_t bytes_sent = 0;         ///< payload bytes as sent (compressed where configured)
    std::uint64_t bytes_encoded = 0;      ///< the same payloads as encoded, before compression
    std::uint64_t tls_errors = 0;         ///< sends that failed on TLS (certificate, handshake)
    std::uint64_t compression_errors = 0; ///< payloads the compressor failed on (not sent)
};

class UploadTransport {
public:
    virtual ~UploadTransport() = default;
    /// Its counts so far; a transport that counts nothing leaves them 0. Safe from any thread.
    virtual WireCounts wire_counts() const noexcept { return {}; }
    /// Delivers one batch; may block (the uploader runs on its own thread).
    virtual UploadResult send(const UploadBatch& batch) noexcept = 0;
    /// Delivers several batches, each of another sensor, in order; results[i] is batch i's.
    /// Returns how many it attempted: every batch before the returned count has its result, the
    /// rest were not sent (the uploader sends them again with the failed one). The default
    /// sends one at a time and stops at the first that is not acknowledged; a transport that can
    /// make several durable in one step (one sync, one request) overrides it.
    virtual std::size_t send_many(std::span<const UploadBatch> batches, std::span<UploadResult> results) noexcept {
        std::size_t i = 0;
        while (i < batches.size() && i < results.size()) {
            results[i] = send(batches[i]);
            if (results[i++].outcome != UploadOutcome::acknowledged) break;
        }
        return i;
    }
};

} // namespace ss::hal
