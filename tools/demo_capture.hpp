// The demo's high-rate sensor: a simulated ADC (a vibration probe sampled at 100 kHz) whose DMA
// halves go through the capture pipeline — copied into pool buffers by the "interrupt", handed
// over by index through the lock-free ring, averaged down by 50 and stored as 2000 time-series
// records a second in one sensor's store (through a HandleSink over its C API handle), which the
// demo's uploader drains like any other.
#pragma once

#include <semaphore.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "ss/capture/adc_pipeline.hpp"
#include "ss/handle_sink.hpp"
#include "ss/hal/capture/clock.hpp"
#include "ss/hal/capture/sim_adc.hpp"
#include "ss/sensor_storage.h"

namespace demo {

class CaptureStage {
public:
    static constexpr std::uint32_t rate_hz = 100'000;
    static constexpr std::uint32_t decimation = 50;
    static constexpr std::size_t half_samples = 512;

    /// Starts the ADC and the processing thread, storing into `store` (a TS sensor).
    /// `records_offered` is increased by every record handed to the store.
    CaptureStage(SensorStore* store, std::atomic<std::uint64_t>& records_offered);
    ~CaptureStage();
    CaptureStage(const CaptureStage&) = delete;
    CaptureStage& operator=(const CaptureStage&) = delete;

    /// Stops the ADC, processes what is queued, stops the thread. Idempotent.
    void stop();

    /// One line for the demo's report.
    void print_status() const;

private:
    static bool on_half(void* self, const ss::capture::AdcHalfEvent& e) noexcept;
    void process_loop();

    ss::HandleSink sink_; // the pipeline's route writes through it
    ss::capture::AdcPipeline<half_samples, 16> pipeline_;
    ss::capture::SimAdc adc_;
    std::uint16_t dma_[2 * half_samples] = {};
    std::atomic<std::uint64_t>& offered_;
    sem_t ready_;
    std::atomic<bool> stopping_{false};
    std::thread worker_;
    bool stopped_ = false;
};

} // namespace demo
