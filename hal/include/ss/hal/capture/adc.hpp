// An ADC sampling continuously into a caller-owned buffer by circular DMA with double buffering,
// shaped after STM32 HAL_ADC_Start_DMA with HAL_ADC_ConvHalfCpltCallback (first half full) and
// HAL_ADC_ConvCpltCallback (second half full, DMA wraps to the start).
//
// Terms: a *sample* is one conversion of every configured channel (one tick of the sample clock);
// its values lie side by side in the buffer (channel 0, 1, ... C-1). A *half* holds N samples,
// so the buffer holds 2 × N × C uint16_t values. Values are right-aligned 12-bit (0..4095).
//
// Ownership: after start() the hardware owns the whole buffer. When a half completes, software
// owns it until it says otherwise: the callback's return value tells the hardware whether the
// *other* half (the one it is about to fill) is free. If it is not, the hardware does not write
// it: those N samples are discarded and counted lost, and the sample counter still advances, so
// the gap is visible on the time line. (On STM32 the driver points the DMA at a scratch half.)
#pragma once

#include <cstdint>
#include <span>

#include "ss/hal/capture/lateness.hpp"

namespace ss::capture {

/// One completed half of the ADC's DMA buffer.
struct AdcHalfEvent {
    const std::uint16_t* values = nullptr; ///< first value of this half; samples × channels values
    std::uint32_t samples = 0;             ///< samples (N) in the half
    std::uint16_t channels = 0;            ///< values per sample, interleaved
    std::uint8_t half = 0;                 ///< 0: first half, 1: second half
    /// true: software still held this half, so its samples were discarded (not written) and
    /// counted lost; the memory holds whatever software left there.
    bool lost = false;
    std::uint64_t first_sample = 0; ///< running index of the half's first sample, 0 = first after start()
    std::uint64_t time_us = 0;      ///< monotonic µs at which the callback fired
};

/// Called once per completed half, from the DMA interrupt (STM32) or the simulation's thread.
/// Returns true if the other half — the one the hardware fills next — is free (software no
/// longer reads it). Must not block for long: the next half completes N / rate seconds later.
using AdcHalfFn = bool (*)(void* ctx, const AdcHalfEvent& event) noexcept;

/// Counters of an ADC source since its last start().
struct AdcStats {
    std::uint64_t halves = 0;            ///< callbacks fired
    std::uint64_t samples_written = 0;   ///< samples written into free halves
    std::uint64_t samples_lost = 0;      ///< samples discarded because software held their half
    LatenessStats lateness;              ///< callback time vs ideal completion time
};

/// A continuously sampling ADC with DMA double buffering.
class AdcSource {
public:
    virtual ~AdcSource() = default;

    /// Starts conversions into `buffer`, which must hold exactly 2 × samples_per_half() ×
    /// channels() values and stay valid until stop() returns. `fn` is called for every half.
    /// Returns 0, -EINVAL (wrong buffer size, null fn, bad configuration), -EBUSY (running) or
    /// -EAGAIN (no thread could be started).
    virtual int start(std::span<std::uint16_t> buffer, AdcHalfFn fn, void* ctx) noexcept = 0;
    /// Stops conversions; no callback runs after it returns (except when called from the
    /// callback itself, which only asks the source to stop after that callback). Idempotent.
    virtual void stop() noexcept = 0;
    /// true between start() and stop().
    virtual bool running() const noexcept = 0;

    /// Values per sample.
    virtual std::uint16_t channels() const noexcept = 0;
    /// Samples per half of the buffer.
    virtual std::uint32_t samples_per_half() const noexcept = 0;
    /// Samples per second (of all channels together).
    virtual std::uint32_t sample_rate_hz() const noexcept = 0;
    /// Counters since the last start(); safe to read while running.
    virtual AdcStats stats() const noexcept = 0;
};

} // namespace ss::capture
