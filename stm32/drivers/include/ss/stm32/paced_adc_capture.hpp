// ADC capture paced by a periodic interrupt, into the core's double buffer, one sample per
// tick: the interrupt reads the conversion it started at the previous tick, stores it in the
// half being filled, and starts the next. When a half is full it is handed to software by
// index through the double buffer (DmaDoubleBuffer: the same abstraction and the same overrun
// rules a DMA fill uses, so the consumer code is the same with or without DMA).
//
// Why paced by an interrupt and not by the timer's hardware trigger (TRGO -> EXTSEL) with the
// ADC's DMA request: that is the silicon's best path (dma_stream.hpp feeds the same double
// buffer), but QEMU 7.2 models neither the trigger, nor EOC, nor DMA, so this path is the one
// that runs and is tested there; on silicon it costs one interrupt per sample.
// The conversion time (3.2 us) must fit between two ticks: up to some 250 k samples/s.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ss/capture/double_buffer.hpp"
#include "ss/stm32/adc_unit.hpp"

namespace ss::stm32 {

/// Called from the pacing interrupt when a half is full and was handed over (half = 0 or 1);
/// e.g. to post an event to the scheduler. The half itself is taken with buffer().try_take().
using HalfReadyHandler = void (*)(void* context, std::uint32_t half) noexcept;

/// One ADC channel sampled at each tick into a double buffer of 2 x HalfLength 12-bit samples.
/// Make it a static object (Forever<>): the pacing interrupt refers to it.
template <std::size_t HalfLength>
class PacedAdcCapture {
public:
    using Buffer = ss::capture::DmaDoubleBuffer<std::uint16_t, HalfLength>;

    constexpr PacedAdcCapture(AdcUnit unit, std::uint32_t channel) noexcept : unit_(unit), channel_(channel) {}
    PacedAdcCapture(const PacedAdcCapture&) = delete;
    PacedAdcCapture& operator=(const PacedAdcCapture&) = delete;

    /// Powers the ADC on for the channel; call before the pacing interrupt starts. `on_ready`
    /// (may be null) is called from the interrupt for each half handed over. False if the
    /// channel is out of range.
    [[nodiscard]] bool start(HalfReadyHandler on_ready = nullptr, void* context = nullptr) noexcept {
        on_ready_ = on_ready;
        context_ = context;
        converting_ = false;
        return detail::adc_power_on(unit_, channel_);
    }

    /// Powers the ADC off; call after the pacing interrupt stopped.
    void stop() noexcept { detail::adc_power_off(unit_); }

    /// The pacing interrupt, once per sample period (a PeriodicTimer's TickHandler: pass
    /// &PacedAdcCapture::tick and the object as context).
    void on_tick() noexcept {
        if (converting_) store(detail::adc_result(unit_));
        detail::adc_start_conversion(unit_);
        converting_ = true;
    }

    /// TickHandler form of on_tick().
    static void tick(void* self) noexcept { static_cast<PacedAdcCapture*>(self)->on_tick(); }

    /// Software: the double buffer, to try_take() full halves and release() them.
    [[nodiscard]] Buffer& buffer() noexcept { return buffer_; }

    /// Samples stored so far (wraps at 2^32).
    [[nodiscard]] std::uint32_t samples_stored() const noexcept { return stored_; }

private:
    void store(std::uint16_t sample) noexcept {
        // Written as the DMA would: whatever software holds, the overrun rules of the double
        // buffer count it.
        buffer_.dma_target()[position_] = sample;
        stored_ = stored_ + 1;
        if (++position_ == HalfLength) {
            notify(0, buffer_.on_half_complete());
        } else if (position_ == 2 * HalfLength) {
            position_ = 0;
            notify(1, buffer_.on_complete());
        }
    }

    void notify(std::uint32_t half, ss::capture::DmaEventResult result) noexcept {
        if (result.handed_over && on_ready_ != nullptr) on_ready_(context_, half);
    }

    AdcUnit unit_;
    std::uint32_t channel_;
    // Interrupt side only (after start()).
    bool converting_ = false;     ///< a conversion was started at the last tick
    std::size_t position_ = 0;    ///< next sample's place in the 2 x HalfLength buffer
    volatile std::uint32_t stored_ = 0;
    HalfReadyHandler on_ready_ = nullptr;
    void* context_ = nullptr;
    Buffer buffer_;
};

} // namespace ss::stm32
