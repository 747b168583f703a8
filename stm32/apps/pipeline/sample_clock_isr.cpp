// The sample clock interrupt (SysTick at 1 kHz; the timer driver is another part of the port):
// it plays an ADC in scan mode with a circular DMA, writing the channels' samples one at a time
// into the core's DMA double buffer, and signals each completed half the way the DMA's
// half-transfer and transfer-complete interrupts do. It posts the half's index to the
// processing task — never the samples — and notes when the half completed, for the latency.
// It also posts the manager's 100 ms tick, and stops a run that has gone quiet without
// finishing (a lost half would otherwise leave the uploader waiting forever).
#include "pipeline.hpp"
#include "synthetic_signal.hpp"
#include "systick.hpp"

namespace ss::stm32::pipeline {

AdcDoubleBuffer adc_buffer;

namespace {

// Only this interrupt writes these; main reads them after the run.
CaptureFigures figures;
volatile std::uint32_t completed_at[2] = {}; // read by the processing task
std::uint32_t write_position = 0; // the "DMA"'s next sample in the whole buffer
std::uint32_t elapsed_ms = 0;
std::uint32_t quiet_ms = 0;

void hand_over(std::uint32_t half, ss::capture::DmaEventResult result) {
    completed_at[half] = ss::stm32::systick_cycles();
    if (!result.handed_over) {
        ++figures.halves_not_handed;
        return;
    }
    // A refused post leaves the half held with nobody told: counted, and the run will not finish.
    if (processing_task.post(half)) ++figures.halves_posted;
    else ++figures.posts_refused;
}

void write_scan() {
    std::uint16_t* const dma = adc_buffer.dma_target();
    for (std::uint32_t channel = 0; channel < channels; ++channel) {
        dma[write_position++] = synthetic_sample(channel, figures.scans_produced);
        if (write_position == AdcDoubleBuffer::half_length()) hand_over(0, adc_buffer.on_half_complete());
        else if (write_position == AdcDoubleBuffer::dma_length()) {
            write_position = 0; // circular mode: back to the first half
            hand_over(1, adc_buffer.on_complete());
        }
    }
    ++figures.scans_produced;
}

} // namespace

void on_sample_clock_tick() {
    ++elapsed_ms;
    if (elapsed_ms % manager_period_ms == 0 && !manager_task.post(elapsed_ms / manager_period_ms))
        ++figures.manager_posts_refused;
    if (figures.scans_produced < scans_total) {
        for (std::uint32_t k = 0; k < scans_per_ms && figures.scans_produced < scans_total; ++k) write_scan();
    } else if (++quiet_ms == quiet_ms_before_stop) {
        figures.stopped_by_watchdog = true;
        scheduler.stop();
    }
}

const CaptureFigures& capture_figures() noexcept { return figures; }

std::uint32_t half_completed_at(std::uint32_t half) noexcept { return completed_at[half & 1]; }

} // namespace ss::stm32::pipeline
