// Seed 000's logging pipeline for one ADC: capture → queue of buffer indices → processing →
// sink. The capture side (a DMA interrupt, or a capture thread) puts each completed DMA block in a
// pool buffer — copying it, or having the DMA write straight into one — and queues only the
// buffer's index with the block's sample number and completion time; the processing side takes
// indices off the queue, runs each channel of the block through its processing chain and hands
// the records to that route's RecordSink in one call (add_values), then gives the buffer back.
//
// The pipeline never names a store: each route is given a time-series sink (ss/record_sink.hpp) —
// a StoreSink over a store of the caller's own Engine (an actor, an MCU task) or a HandleSink over
// a C API handle — so whoever owns the storage decides where the records go. The sinks must
// outlive the pipeline's processing.
//
// The capture side is wait-free and never blocks on the processing side: when no buffer is free
// or the queue is full the block is dropped and counted (buffer_overflows, samples_lost), never
// written over. Everything captured is accounted for: processed, or counted as lost; every record
// offered to a sink is counted as stored or dropped.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "ss/capture/adc_decoder.hpp"
#include "ss/capture/buffer_pool.hpp"
#include "ss/capture/filters.hpp"
#include "ss/capture/latency_histogram.hpp"
#include "ss/capture/spsc_ring.hpp"
#include "ss/expected.hpp"
#include "ss/record_sink.hpp"
#include "ss/sector_format.hpp"
#include "ss/text.hpp"

namespace ss::capture {

/// Where one channel of an ADC block goes: its processing and the sink that takes its records.
struct AdcRoute {
    std::uint32_t channel = 0;       ///< which of the interleaved channels, 0 .. channels − 1
    ProcessingConfig processing{};   ///< moving average, decimation, low-/high-/band-pass, summary
    RecordSink* sink = nullptr;      ///< takes time-series records; not owned, outlives the pipeline's use
};

/// A snapshot of the pipeline's counters (seed 000's LoggerStats and more). Sample counts are
/// std::size_t: 64-bit on a gateway, 32-bit (wrapping) on a Cortex-M4.
struct AdcPipelineStats {
    std::size_t samples_captured = 0;  ///< samples (all channels) in blocks that were queued
    std::size_t samples_processed = 0; ///< of those, through processing and offered to the sinks
    std::size_t samples_lost = 0;      ///< samples in blocks dropped at capture (no buffer, queue full)
    std::size_t buffer_overflows = 0;  ///< blocks dropped at capture
    std::size_t buffers_pending = 0;   ///< blocks queued, not processed yet (approximate)
    std::size_t records_stored = 0;    ///< records the sinks took
    std::size_t records_dropped = 0;   ///< records the sinks did not take (no room: counted there too;
                                       ///< a refused call, e.g. a store that is gone: counted only here)
    std::uint32_t worst_latency_us = 0; ///< the longest capture-to-store time seen
    std::uint32_t pool_low_watermark = 0; ///< fewest free buffers ever (sizing figure)
};

/// What process_next() did with one block.
struct AdcBlockResult {
    std::uint64_t first_scan = 0;     ///< sample (scan) number of the block's first scan
    std::uint32_t scans = 0;          ///< scans in the block
    std::uint64_t latency_us = 0;     ///< capture completion to records stored
    BufferSummary summary[1] = {};    ///< the first route's per-block summary (seed's ProcessedData)
};

/// One ADC's pipeline: `Count` buffers of `Length` samples, up to `MaxRoutes` channels routed.
template <std::size_t Length, std::size_t Count, std::size_t MaxRoutes = 1>
class AdcPipeline {
public:
    using Pool = BufferPool<std::uint16_t, Length, Count>;
    using index_type = typename Pool::index_type;

    static_assert(MaxRoutes >= 1, "a pipeline routes at least one channel");

    AdcPipeline() noexcept = default;
    AdcPipeline(const AdcPipeline&) = delete;
    AdcPipeline& operator=(const AdcPipeline&) = delete;

    /// Sets the interleave (`channels` per scan) and the routes; checks every route's channel,
    /// processing and sink (why names the route and field). Before the capture starts.
    Expected<void> configure(std::uint32_t channels, std::span<const AdcRoute> routes, Text& why) noexcept {
        if (channels == 0 || Length % channels != 0) {
            why.clear();
            why << "channels must be at least 1 and divide the buffer length (" << static_cast<std::uint64_t>(Length) << ")";
            return std::unexpected(Errc::invalid_argument);
        }
        if (routes.empty() || routes.size() > MaxRoutes) {
            why.clear();
            why << "between 1 and " << static_cast<std::uint64_t>(MaxRoutes) << " routes";
            return std::unexpected(Errc::invalid_argument);
        }
        for (std::size_t r = 0; r < routes.size(); ++r) {
            // The sink's type is fixed, so checking it here spares process_next a refusal per block.
            if (routes[r].channel >= channels || routes[r].sink == nullptr ||
                routes[r].sink->record_type() != RecordType::ts) {
                why.clear();
                why << "route " << static_cast<std::uint64_t>(r)
                    << ": its channel must be below channels and its sink one that takes time-series records";
                return std::unexpected(Errc::invalid_argument);
            }
            if (auto ok = processors_[r].configure(routes[r].processing, why); !ok) return ok;
        }
        channels_ = channels;
        route_count_ = static_cast<std::uint32_t>(routes.size());
        for (std::size_t r = 0; r < routes.size(); ++r) routes_[r] = routes[r];
        return {};
    }

    // ---- capture side (one producer: the DMA interrupt or the capture thread) --------------------

    /// The seed's on_dma_interrupt: copies a completed DMA block (whole scans, at most Length
    /// samples) into a free buffer and queues its index. `first_scan` is the sample number of its
    /// first scan, `capture_us` the monotonic time of its completion. False when the block was
    /// dropped (no free buffer, or a malformed block): counted, never silently lost.
    bool on_capture(std::span<const std::uint16_t> block, std::uint64_t first_scan, std::uint64_t capture_us) noexcept {
        if (block.empty() || block.size() > Length || block.size() % channels_ != 0) return drop(block.size());
        const Expected<index_type> index = pool_.try_acquire_index();
        if (!index) return drop(block.size());
        std::memcpy(pool_.data(*index).data(), block.data(), block.size_bytes());
        return submit(*index, block.size(), first_scan, capture_us);
    }

    /// Zero copy: a free buffer for the DMA to fill (index and memory), or nullopt (then the DMA
    /// has nowhere to go: the driver skips the block and reports it with drop_block()).
    std::optional<index_type> acquire_buffer() noexcept {
        const Expected<index_type> index = pool_.try_acquire_index();
        if (!index) return std::nullopt;
        return *index;
    }

    /// The memory of an acquired buffer (Length samples).
    std::span<std::uint16_t> buffer(index_type index) noexcept { return pool_.data(index); }

    /// Zero copy: queues an acquired buffer the DMA filled with `samples` samples.
    bool submit(index_type index, std::size_t samples, std::uint64_t first_scan, std::uint64_t capture_us) noexcept {
        if (samples == 0 || samples > Length || samples % channels_ != 0) {
            (void)pool_.release_index(index);
            return drop(samples);
        }
        // Cannot fail: the queue holds Count and only acquired buffers go in.
        if (!queue_.try_push(Block{index, static_cast<std::uint32_t>(samples), first_scan, capture_us})) {
            (void)pool_.release_index(index);
            return drop(samples);
        }
        bump(captured_, samples);
        return true;
    }

    /// A block the hardware completed but that could not be captured (e.g. no buffer for it).
    void drop_block(std::size_t samples) noexcept { (void)drop(samples); }

    // ---- processing side (one consumer) --------------------------------------------------------

    /// Takes the oldest queued block through every route into its sink and returns the buffer.
    /// `now_us` is read once the records are stored (the latency's end). nullopt if none queued.
    std::optional<AdcBlockResult> process_next(std::uint64_t (*now_us)()) noexcept {
        Block b{};
        if (!queue_.try_pop(b)) return std::nullopt;
        const std::span<const std::uint16_t> samples = pool_.data(b.index).first(b.samples);
        AdcBlockResult result;
        result.first_scan = b.first_scan;
        result.scans = b.samples / channels_;
        for (std::uint32_t r = 0; r < route_count_; ++r) {
            const AdcBlock block{samples, channels_, routes_[r].channel, b.first_scan};
            auto out = decode_adc(processors_[r], block, std::span<std::uint32_t>(records_));
            if (!out) continue; // cannot happen: sizes were checked at capture and configure
            if (r == 0) result.summary[0] = out->summary;
            const auto produced = static_cast<std::uint32_t>(out->produced);
            // A refused call stored nothing: all of it counts as dropped, as a full store's would.
            const std::uint32_t stored = routes_[r].sink->add_values(records_, produced).value_or(0);
            bump(stored_, stored);
            bump(dropped_records_, produced - stored);
        }
        (void)pool_.release_index(b.index);
        const std::uint64_t end = now_us();
        result.latency_us = end > b.capture_us ? end - b.capture_us : 0;
        latency_.record(result.latency_us);
        bump(processed_, b.samples);
        return result;
    }

    /// Processes everything queued now; returns the number of blocks.
    std::size_t drain(std::uint64_t (*now_us)()) noexcept {
        std::size_t n = 0;
        while (process_next(now_us)) ++n;
        return n;
    }

    // ---- anyone --------------------------------------------------------------------------------

    /// A snapshot of the counters.
    AdcPipelineStats stats() const noexcept {
        AdcPipelineStats s;
        s.samples_captured = captured_.load(std::memory_order_relaxed);
        s.samples_processed = processed_.load(std::memory_order_relaxed);
        s.samples_lost = lost_.load(std::memory_order_relaxed);
        s.buffer_overflows = overflows_.load(std::memory_order_relaxed);
        s.buffers_pending = queue_.size_approx();
        s.records_stored = stored_.load(std::memory_order_relaxed);
        s.records_dropped = dropped_records_.load(std::memory_order_relaxed);
        s.worst_latency_us = latency_.max_us();
        s.pool_low_watermark = pool_.stats().low_watermark;
        return s;
    }

    /// Capture-to-store latencies (p50/p99 with quantile_us).
    const LatencyHistogram& latency() const noexcept { return latency_; }

private:
    struct Block {
        index_type index;
        std::uint32_t samples;
        std::uint64_t first_scan;
        std::uint64_t capture_us;
    };
    using Counter = std::atomic<std::size_t>;

    // Each counter has one writer: a load and a store, no read-modify-write (none on an M0).
    static void bump(Counter& c, std::size_t by) noexcept {
        c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
    }

    bool drop(std::size_t samples) noexcept {
        bump(overflows_, 1);
        bump(lost_, samples);
        return false;
    }

    Pool pool_;
    SpscRing<Block, Count> queue_;
    std::uint32_t channels_ = 1;
    std::uint32_t route_count_ = 0;
    AdcRoute routes_[MaxRoutes] = {};
    ChannelProcessor processors_[MaxRoutes] = {};
    std::uint32_t records_[Length] = {}; // one route's output at a time (processing side)
    // Capture side.
    alignas(cache_line_size) Counter captured_{0};
    Counter lost_{0};
    Counter overflows_{0};
    // Processing side.
    alignas(cache_line_size) Counter processed_{0};
    Counter stored_{0};
    Counter dropped_records_{0};
    LatencyHistogram latency_;
};

} // namespace ss::capture
