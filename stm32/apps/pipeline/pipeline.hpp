// The pipeline image's shared objects: capture (the sample clock interrupt playing an ADC's
// circular DMA into the core's double buffer) → processing task → the store (C API) → uploader
// stand-in, with the manager tick as a task, all under the port's cooperative scheduler. Every
// object is static; what crosses from the interrupt to a task is a half index, never samples.
//
// Priorities (higher runs first, none preempts a step):
//   uploader 3 > processing 2 > manager 1.
// The uploader stand-in outranks processing on purpose: with 100 sensors registered the default
// STM32 pool (102 sectors) has only 2 sectors beyond each sensor's own, a channel crossing a
// sector boundary takes one, and the sector it left is freed only once its records are
// acknowledged. So processing stores one channel per step and the uploader drains that channel
// before the next is stored; four channels crossing in the same half-buffer would otherwise need
// four spare sectors and the store would recycle unsent data.
#pragma once

#include <cstdint>

#include "channel_plan.hpp"
#include "ss/capture/double_buffer.hpp"
#include "ss/sensor_storage.h"
#include "ss/stm32/scheduler.hpp"

namespace ss::stm32::pipeline {

inline constexpr std::uint32_t cpu_hz = 168'000'000;
inline constexpr std::uint32_t scans_per_half = 64;      // 16 ms of scans at 4 kHz
inline constexpr std::uint32_t scans_per_ms = 4;         // the sample clock: 4 kHz per channel
inline constexpr std::uint32_t scans_total = 4096;       // the run: 64 half-buffers, about 1 s
inline constexpr std::uint32_t halves_total = scans_total / scans_per_half;
inline constexpr std::uint32_t manager_period_ms = 100;  // design.md §6: the 100 ms manager tick
inline constexpr std::uint32_t quiet_ms_before_stop = 500; // after the last scan: the run is stuck
inline constexpr std::uint32_t sensors_registered = 100; // the STM32 defaults' max_sensors

static_assert(scans_total % scans_per_half == 0, "the run ends on a half boundary");

using AdcDoubleBuffer = ss::capture::DmaDoubleBuffer<std::uint16_t, scans_per_half * channels>;

// Events: the processing task gets a half index (0 or 1) from the interrupt, or `next_channel`
// from itself; the uploader a channel number; the manager a tick count.
inline constexpr ss::stm32::Event next_channel = 1u << 31;

extern AdcDoubleBuffer adc_buffer;
extern ss::stm32::Scheduler scheduler;
extern ss::stm32::Task<4> processing_task;
extern ss::stm32::Task<channels> uploader_task;
extern ss::stm32::Task<2> manager_task;
extern SensorStore* channel_store[channels];

/// Configures the channels' processing chains; false (with a message) when the core refuses one.
bool configure_processing();

/// The sample clock interrupt's work, hung on SysTick (1 kHz): scans_per_ms scans, the manager's
/// period, and the stop after a quiet spell if the run never completes.
void on_sample_clock_tick();

// ---- figures, read by main after the run ----------------------------------------------------

struct CaptureFigures {
    std::uint32_t scans_produced = 0;
    std::uint32_t halves_posted = 0;
    std::uint32_t posts_refused = 0;      // a completed half the processing queue did not take
    std::uint32_t halves_not_handed = 0;  // the double buffer kept a half from software (overrun)
    std::uint32_t manager_posts_refused = 0;
    bool stopped_by_watchdog = false;
};
const CaptureFigures& capture_figures() noexcept;
/// SysTick cycles when each half was completed (what the latency is measured from).
std::uint32_t half_completed_at(std::uint32_t half) noexcept;

struct ProcessingFigures {
    std::uint32_t halves_processed = 0;
    std::uint32_t half_index_mismatches = 0; // the half taken was not the one posted
    std::uint32_t take_failures = 0;         // posted, but the double buffer had nothing
    std::uint32_t release_failures = 0;
    std::uint32_t decode_failures = 0;
    std::uint32_t records_offered[channels] = {};
    std::uint32_t records_refused[channels] = {}; // offered but not stored (store full)
    std::uint32_t max_latency_cycles = 0;         // half completed → last channel stored
    std::uint64_t sum_latency_cycles = 0;
};
const ProcessingFigures& processing_figures() noexcept;

struct UploaderFigures {
    std::uint32_t batches = 0;
    std::uint32_t read_back[channels] = {};
    std::uint32_t sequence_gaps[channels] = {};   // a batch not starting where the last ended
    std::uint32_t wrong_values[channels] = {};
    std::uint64_t first_wrong_seq[channels] = {};
    std::uint32_t first_wrong_value[channels] = {};
    std::uint32_t api_errors = 0;                 // consume or erase returned an error
};
const UploaderFigures& uploader_figures() noexcept;
/// Records each channel produces over the run.
constexpr std::uint32_t records_expected(std::uint32_t channel) noexcept {
    return scans_total / scans_per_record(chain_of[channel]);
}

std::uint32_t manager_ticks() noexcept;

} // namespace ss::stm32::pipeline
