// A simulated ADC that behaves like the DMA hardware in real time: its own thread fills the halves
// of the caller's buffer at the configured sample rate and fires the half callbacks at the moments
// the hardware would (paced by absolute CLOCK_MONOTONIC deadlines, never by busy-waiting).
// The signal is a pure function of the sample index, so a run is reproducible whatever the timing.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>

#include "ss/hal/capture/adc.hpp"
#include "ss/hal/capture/detail/device_thread.hpp"
#include "ss/hal/capture/detail/lateness_meter.hpp"

namespace ss::capture {

/// The waveform a simulated ADC produces (12-bit counts, clamped to 0..4095).
enum class AdcSignal : std::uint8_t {
    sine,  ///< round(offset + amplitude × sin(2π × frequency × i / rate)), same on every channel
    ramp,  ///< (i × ramp_step + channel) mod 4096
    noise, ///< uniform integers in [round(offset - amplitude), round(offset + amplitude)], from seed
};

/// Configuration of a simulated ADC. Checked by start().
struct SimAdcConfig {
    std::uint32_t sample_rate_hz = 1'000'000; ///< samples per second, 1..1 000 000
    std::uint16_t channels = 1;               ///< values per sample, 1..16
    std::uint32_t samples_per_half = 512;     ///< samples per half of the buffer, >= 1
    AdcSignal signal = AdcSignal::sine;
    double amplitude = 2000.0;    ///< sine: peak, noise: half-width, in counts
    double offset = 2048.0;       ///< sine and noise: centre, in counts
    double frequency_hz = 1000.0; ///< sine: frequency, 0 < f <= rate / 2
    std::uint16_t ramp_step = 1;  ///< ramp: counts added per sample
    std::uint64_t seed = 1;       ///< noise: the same seed gives the same values at the same indices
};

/// The POSIX simulation of a DMA double-buffered ADC.
class SimAdc final : public AdcSource {
public:
    /// Keeps a copy of cfg; nothing runs until start().
    explicit SimAdc(const SimAdcConfig& cfg) noexcept;
    /// Stops the simulation first if it is running.
    ~SimAdc() override;
    SimAdc(const SimAdc&) = delete;
    SimAdc& operator=(const SimAdc&) = delete;

    /// Checks cfg: 0 or -EINVAL.
    static int validate(const SimAdcConfig& cfg) noexcept;

    int start(std::span<std::uint16_t> buffer, AdcHalfFn fn, void* ctx) noexcept override;
    void stop() noexcept override;
    bool running() const noexcept override { return thread_.running(); }
    std::uint16_t channels() const noexcept override { return cfg_.channels; }
    std::uint32_t samples_per_half() const noexcept override { return cfg_.samples_per_half; }
    std::uint32_t sample_rate_hz() const noexcept override { return cfg_.sample_rate_hz; }
    AdcStats stats() const noexcept override;

private:
    void run() noexcept;
    void fill(std::uint16_t* out, std::uint64_t first_sample) const noexcept;

    SimAdcConfig cfg_;
    std::uint16_t* buffer_ = nullptr;
    AdcHalfFn fn_ = nullptr;
    void* ctx_ = nullptr;

    std::atomic<std::uint64_t> halves_{0};
    std::atomic<std::uint64_t> samples_written_{0};
    std::atomic<std::uint64_t> samples_lost_{0};
    detail::LatenessMeter lateness_;
    detail::DeviceThread thread_;
};

} // namespace ss::capture
