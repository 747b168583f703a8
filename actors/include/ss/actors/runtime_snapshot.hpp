// A consistent picture of a running pipeline at one moment: what the daemon's status line,
// /health and /metrics render. Taken by the runtime on request (Pipeline::snapshot), so the
// renderers never touch the engine or an actor.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ss/actors/messages.hpp"
#include "ss/hal/upload_transport.hpp"
#include "ss/sensor_storage.h"

namespace ss::actors {

struct SensorSnapshot {
    std::string name;            ///< the configured name (expanded for sensor groups)
    std::string source;          ///< the configured source's name
    SsSensorStats stats{};       ///< the engine's counters for the store
    std::uint64_t oldest_unsent_age_ms = 0; ///< 0 when nothing is unsent
    std::uint64_t quality_good = 0, quality_suspect = 0, quality_bad = 0; ///< processed values by the sensor's rules
    bool has_summary = false;    ///< an ADC channel whose chain summarizes: the last block's input
    std::uint16_t block_min = 0, block_max = 0, block_mean = 0; ///< raw counts
};

struct SourceSnapshot {
    std::string name;
    std::string kind;            ///< "sim_adc", "sim_poll", "sim_events", "sim_uart", "sim_spi", "sim_can", ...
    std::uint64_t blocks = 0;    ///< buffers handed to processing
    std::uint64_t overflows = 0; ///< buffers dropped at capture (no free buffer)
    std::uint64_t samples_lost = 0;
    // Bus sources (SourceBinding says what each counts); 0 for the others.
    std::uint64_t frames_bad = 0;       ///< UART frames failing their CRC; CAN signals the frame was too short for
    std::uint64_t bytes_discarded = 0;  ///< UART bytes in no good frame
    std::uint64_t frames_unmatched = 0; ///< frames for no configured sensor
    std::uint64_t device_overruns = 0;  ///< UART bytes dropped, SPI scans skipped, CAN receive errors
    std::uint64_t records_stored = 0;
    std::uint64_t records_dropped = 0; ///< refused by the store (counted there by cause too)
    std::uint64_t queued = 0;          ///< blocks waiting for processing now
    /// Capture-to-stored latency of its blocks, µs (upper bucket edges; 2 µs buckets to 128 µs).
    std::uint64_t latency_p50_us = 0, latency_p99_us = 0, latency_p999_us = 0, latency_max_us = 0;
};

struct StageSnapshot {
    std::string name;            ///< "capture:adc0", "processing", "storage-flush", "quota", "integrity", "uploader"
    std::uint64_t mailbox = 0;   ///< messages waiting
    std::uint64_t restarts = 0;  ///< times the supervisor restarted it
};

/// Upload latency: from a batch's consume to its acknowledgement, as cumulative buckets.
struct LatencyBuckets {
    static constexpr double bounds_s[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60};
    static constexpr std::size_t count = sizeof(bounds_s) / sizeof(bounds_s[0]);
    std::uint64_t le[count] = {}; ///< observations <= bounds_s[i] (cumulative)
    std::uint64_t total = 0;      ///< all observations (the +Inf bucket)
    double sum_s = 0.0;
};

/// Batches destinations refused for good, and what became of them (docs/metrics.md).
struct QuarantineSnapshot {
    std::uint64_t held_batches = 0, held_records = 0;     ///< in the quarantine now
    std::uint64_t quarantined_batches = 0, quarantined_records = 0; ///< put there since start
    std::uint64_t released = 0, refused_again = 0;        ///< released batches: delivered, refused again
    std::uint64_t dropped_batches = 0, dropped_records = 0; ///< dropped by an operator since start
    std::uint64_t unkept = 0;        ///< refused, but not kept (no quarantine, or it failed): retried
    std::uint64_t splits = 0;        ///< batches halved after an HTTP 413
    std::uint64_t unreadable_files = 0;
};

/// One destination's own figures, where the config names several (design.md §9).
struct DestinationSnapshot {
    std::string name;
    UploadStats upload{};
    QuarantineSnapshot quarantine{};
    hal::WireCounts wire{};
    std::uint64_t dropped_records = 0; ///< dropped by the store before this destination read them
    std::uint64_t behind_records = 0;  ///< retained, not yet acknowledged by this destination
};

struct RuntimeSnapshot {
    std::string gateway;
    std::uint64_t uptime_ms = 0;
    bool healthy = true;
    std::vector<std::string> problems; ///< why not healthy, one line each
    SsSystemStats system{};
    std::uint64_t ram_bytes_used = 0;  ///< sectors in use × sector size
    std::vector<SensorSnapshot> sensors;
    std::vector<SourceSnapshot> sources;
    std::vector<StageSnapshot> stages;
    UploadStats upload{};
    FlushStats flush{};                ///< the storage manager's ticks: how many, the longest
    LatencyBuckets upload_latency{};
    QuarantineSnapshot quarantine{};
    hal::WireCounts wire{}; ///< what the destinations' transports put on the wire
    /// With several destinations, each one's figures (upload, quarantine and wire above are
    /// their sums); empty with one.
    std::vector<DestinationSnapshot> destinations;
    std::uint64_t scrub_units_checked = 0, scrub_corrupt_found = 0;
    /// Each MCU serial uplink's figures ([uplinks]), by name.
    std::vector<std::pair<std::string, SerialUplinkStats>> uplinks;
};

} // namespace ss::actors
