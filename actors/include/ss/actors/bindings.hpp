// What a pipeline's stages share, owned by the Pipeline and outliving every actor (so a stage
// that is restarted finds it as it was): per sensor its store and sink and quality counters; per
// source its block link, the sensors its blocks feed, its counters, and where to wake its
// processing stage.
#pragma once

#include <mutex>
#include <caf/typed_actor.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ss/actors/block_link.hpp"
#include "ss/actors/messages.hpp"
#include "ss/actors/pipeline_spec.hpp"
#include "ss/capture/channel.hpp"
#include "ss/capture/latency_histogram.hpp"
#include "ss/engine.hpp"
#include "ss/store_sink.hpp"

namespace ss::actors {

/// One sensor's reading, as a sim_poll, sim_events or bus source's capture produces it.
struct Reading {
    std::uint32_t sensor = 0; ///< index into the pipeline's sensors
    std::uint32_t value = 0;
    std::uint64_t time_ms = 0; ///< UTC ms of the reading; 0 = not stamped (a store stamps a TS one)
};

struct SensorBinding {
    std::string name;
    const SensorSpec* spec = nullptr;   ///< the group it was expanded from
    std::uint32_t id = 0;
    SsSource bus = SS_SOURCE_HOST;
    std::uint32_t source = 0;           ///< index into the pipeline's sources
    std::uint16_t channel = 0;          ///< sim_adc: the interleaved channel (a group's k-th sensor reads channel + k)
    SensorStore* store = nullptr;
    std::unique_ptr<StoreSink> sink;
    capture::ChannelMetadata metadata{}; ///< quality rules and calibration
    std::atomic<std::uint64_t> good{0}, suspect{0}, bad{0};
    /// The last block's summary of the channel's input (a chain with summarize), packed
    /// min | max << 16 | mean << 32 so a reader sees one block's figures together; 0 = none yet.
    std::atomic<std::uint64_t> last_summary{0};
    std::atomic<bool> summarized{false};
};

using processing_actor = caf::typed_actor<caf::reacts_to<wake_atom>, caf::replies_to<drain_atom>::with<bool>>;

struct SourceBinding {
    const SourceSpec* spec = nullptr;
    std::uint32_t index = 0;
    std::vector<std::uint32_t> sensors;           ///< sensors this source feeds (indices)
    std::unique_ptr<BlockLink<std::uint16_t>> adc; ///< sim_adc: interleaved scans
    std::unique_ptr<BlockLink<Reading>> readings;  ///< sim_poll, sim_events and the bus sources
    // Capture side counters (one writer: whoever captures now).
    std::atomic<std::uint64_t> blocks{0}, overflows{0}, samples_lost{0};
    // Bus sources: what never became a reading. frames_bad: UART frames whose CRC failed;
    // bytes_discarded: UART bytes in no good frame (garbage, resync); frames_unmatched: frames for
    // no configured sensor (a UART channel or a CAN id nobody reads); device_overruns: bytes the
    // UART's DMA dropped, SPI scans skipped because the last one was still running, CAN receive
    // errors.
    std::atomic<std::uint64_t> frames_bad{0}, bytes_discarded{0}, frames_unmatched{0}, device_overruns{0};
    // Processing side counters.
    std::atomic<std::uint64_t> records_stored{0}, records_dropped{0};
    capture::LatencyHistogram latency;             ///< capture to stored, µs

    /// Wakes the processing stage that serves this source now, if one does (a stage being
    /// restarted drains on start instead).
    void wake() noexcept;
    void set_processing(processing_actor handle) noexcept;

    /// The thread that built this binding calls it once the links exist, and each stage calls
    /// it before it touches them: the order CAF's spawn already gives, made visible to
    /// ThreadSanitizer (CAF's own queues are not instrumented, so it cannot see that one).
    void hand_over() noexcept;

    std::uint64_t queued() const noexcept { return adc ? adc->queued() : readings ? readings->queued() : 0; }

private:
    std::mutex mutex_;
    processing_actor processing_;
};

} // namespace ss::actors
