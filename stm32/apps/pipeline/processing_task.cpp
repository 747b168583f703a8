// The processing task: takes a completed half-buffer from the core's double buffer (the
// interrupt posted its index), runs each channel through the core's ADC decoding and processing
// chain (decode_adc + ChannelProcessor, as the gateway's processing stage does), appends the
// records to the channel's store in one ss_ts_add_many call, and gives the half back to the
// "DMA". One channel per step (see pipeline.hpp: the uploader drains a channel before the next
// is stored), so a half takes `channels` steps; halves that complete meanwhile wait their turn.
#include <optional>
#include <span>

#include "ss/capture/adc_decoder.hpp"
#include "ss/text.hpp"
#include "pipeline.hpp"
#include "semihosting.hpp"
#include "systick.hpp"

namespace ss::stm32::pipeline {

namespace {

ss::capture::ChannelProcessor processors[channels];
ProcessingFigures figures;

// The half in progress: taken from the double buffer, stored up to next_channel.
std::optional<ss::capture::TakenHalf<std::uint16_t, AdcDoubleBuffer::half_length()>> current;
std::uint32_t next_channel_to_store = 0;
std::uint32_t halves_waiting = 0;       // posted while another half was in progress
std::uint32_t next_posted_half = 0;     // halves alternate 0, 1, 0, ...: what the next post must say
std::uint32_t next_taken_half = 0;
std::uint32_t output[scans_per_half];   // one channel's records (no chain here makes more than one a scan)

void store_next_channel();

void start_half() {
    current = adc_buffer.try_take();
    if (!current) {
        ++figures.take_failures;
        return;
    }
    if (current->half != next_taken_half) ++figures.half_index_mismatches;
    next_taken_half = current->half ^ 1u;
    next_channel_to_store = 0;
    store_next_channel();
}

void finish_half() {
    const std::uint32_t half = current->half;
    if (!adc_buffer.release(half)) ++figures.release_failures;
    current.reset();
    const std::uint32_t latency = ss::stm32::systick_cycles() - half_completed_at(half);
    if (latency > figures.max_latency_cycles) figures.max_latency_cycles = latency;
    figures.sum_latency_cycles += latency;
    ++figures.halves_processed;
    if (halves_waiting > 0) {
        --halves_waiting;
        start_half();
    }
}

void store_next_channel() {
    const std::uint32_t channel = next_channel_to_store++;
    const ss::capture::AdcBlock block{current->samples, channels, channel,
                                      std::uint64_t{figures.halves_processed} * scans_per_half};
    const auto processed = ss::capture::decode_adc(processors[channel], block, std::span<std::uint32_t>(output));
    if (!processed) {
        ++figures.decode_failures;
    } else {
        const auto produced = static_cast<std::uint32_t>(processed->produced);
        std::uint32_t stored = 0;
        (void)ss_ts_add_many(channel_store[channel], output, produced, &stored); // refusals show in `stored`
        figures.records_offered[channel] += produced;
        figures.records_refused[channel] += produced - stored;
    }
    (void)uploader_task.post(channel); // a refusal shows as the task's overflow and as records never read back
    if (next_channel_to_store < channels) (void)processing_task.post(next_channel);
    else finish_half();
}

void on_event(void*, ss::stm32::Event event) {
    if (event == next_channel) {
        store_next_channel();
        return;
    }
    if (event != next_posted_half) ++figures.half_index_mismatches;
    next_posted_half = (event & 1u) ^ 1u;
    if (current) ++halves_waiting;
    else start_half();
}

} // namespace

ss::stm32::Task<4> processing_task{on_event, nullptr};

bool configure_processing() {
    static ss::Text why;
    for (std::uint32_t channel = 0; channel < channels; ++channel) {
        if (!processors[channel].configure(processing_of(chain_of[channel]), why)) {
            ss::stm32::host_write("processing chain refused: ");
            ss::stm32::host_write(why.c_str());
            ss::stm32::host_write("\n");
            return false;
        }
    }
    return true;
}

const ProcessingFigures& processing_figures() noexcept { return figures; }

} // namespace ss::stm32::pipeline
