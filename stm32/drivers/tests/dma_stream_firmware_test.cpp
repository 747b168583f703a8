// The DMA stream driver without a DMA: QEMU 7.2 does not model the STM32F405's DMA, so what
// runs here is what needs no hardware. At compile time: the CR of a double-buffer transfer, bit
// by bit against RM0090's positions; where each stream's flags sit in LISR/HISR and what clears
// them; which target a transfer-complete event filled (from CT); each stream's interrupt. At run
// time under QEMU: the adapter that turns "target 0/1 full" into the core's double-buffer
// events hands halves over in order, exactly as a DMA in double-buffer mode would make it.
#include <cstdint>

#include "firmware_check.hpp"
#include "ss/stm32/adc_unit.hpp"
#include "ss/stm32/dma_stream.hpp"
#include "ss/stm32/forever.hpp"
#include "ss/stm32/periodic_timer.hpp"
#include "ss/stm32/registers/tim.hpp"

namespace {

using namespace ss::stm32;
using ss::stm32::test::check;
using ss::stm32::test::figure;

// CR: CHSEL 27:25, CT 19, DBM 18, PL 17:16, MSIZE 14:13, PSIZE 12:11, MINC 10, CIRC 8,
// DIR 7:6 = 00 (peripheral to memory), TCIE 4, HTIE 3 (off), TEIE 2, DMEIE 1, EN 0 (off).
static_assert(double_buffer_cr(0, DmaWidth::half_word, 2) == 0x0006'2D16);
static_assert(double_buffer_cr(3, DmaWidth::word, 3) == 0x0607'5516);
static_assert(double_buffer_cr(7, DmaWidth::byte, 0) == 0x0E04'0516);
static_assert((double_buffer_cr(0, DmaWidth::half_word, 2) & (dma::cr_en | dma::cr_ct | dma::cr_htie)) == 0);

// Flags: stream 0 at bit 0 (TCIF0 = bit 5), stream 1 at 6 (TCIF1 = 11), stream 2 at 16
// (TCIF2 = 21), stream 3 at 22 (TCIF3 = 27); streams 4..7 the same in HISR.
static_assert(stream_flags(1u << 5, 0) == dma::flag_tc);
static_assert(stream_flags(1u << 11, 1) == dma::flag_tc && stream_flags(1u << 11, 0) == 0);
static_assert(stream_flags(1u << 21 | 1u << 19, 2) == (dma::flag_tc | dma::flag_te));
static_assert(stream_flags(1u << 27 | 1u << 22, 3) == (dma::flag_tc | dma::flag_fe));
static_assert(stream_flags(1u << 11, 5) == dma::flag_tc); // HISR, stream 5 = position 1
static_assert(stream_flags(0xFFFF'FFFF, 7) == dma::flags_all);
static_assert(stream_clear(dma::flag_tc | dma::flag_ht, 2) == (1u << 21 | 1u << 20));
static_assert(stream_clear(dma::flags_all, 0) == 0x3D && stream_clear(dma::flags_all, 3) == 0x3Du << 22);
static_assert(dma::status_offset(3) == dma::lisr && dma::status_offset(4) == dma::hisr);
static_assert(dma::stream_offset(0) == 0x10 && dma::stream_offset(7) == 0xB8);

// CT = 1 at a transfer-complete: the stream moved on to target 1, so target 0 is full.
static_assert(completed_target(dma::cr_ct | dma::cr_dbm) == 0);
static_assert(completed_target(dma::cr_dbm) == 1);

static_assert(dma_stream_irq(DmaController::dma2, 0) == Irq::dma2_stream0 &&
              static_cast<unsigned>(dma_stream_irq(DmaController::dma2, 0)) == 56);
static_assert(static_cast<unsigned>(dma_stream_irq(DmaController::dma1, 7)) == 47);
static_assert(static_cast<unsigned>(dma_stream_irq(DmaController::dma2, 5)) == 68);

// The ADC side of a DMA capture: CR2 = EXTEN 01 (rising, bits 29:28), EXTSEL (27:24), DDS (9),
// DMA (8), ADON (0); the timer's TRGO on update is MMS = 010 in CR2 bits 6:4.
static_assert(adc_cr2_timer_dma(AdcTimerTrigger::tim2_trgo) == 0x1600'0301);
static_assert(adc_cr2_timer_dma(AdcTimerTrigger::tim3_trgo) == 0x1800'0301);
static_assert(tim::cr2_mms_update == 0x20);

constexpr std::size_t half_length = 16;
using Buffer = ss::capture::DmaDoubleBuffer<std::uint16_t, half_length>;
Forever<Buffer> buffer_object;
Buffer& buffer = *buffer_object;

// The silicon capture path: TIM2's TRGO starts ADC1 at 8 kHz, DMA2 stream 0 moves each result
// into a double buffer in double-buffer mode, the consumer takes halves as with the paced
// capture. Compiled here so it stays true to the API; not called (QEMU has no DMA or trigger).
using SiliconBuffer = ss::capture::DmaDoubleBuffer<std::uint16_t, 256>;
Forever<SiliconBuffer> silicon_samples;

[[maybe_unused]] bool silicon_adc_dma_capture() {
    PeriodicTimer sample_clock{GeneralTimer::tim2};
    if (!sample_clock.configure(84'000'000, 8'000, nullptr, nullptr, 6)) return false; // its interrupt only counts
    sample_clock.enable_trigger_output();                                              // TRGO at each update
    if (!detail::adc_power_on_timer_dma(AdcUnit::adc1, 5, AdcTimerTrigger::tim2_trgo)) return false;
    DmaStream stream{DmaController::dma2, 0}; // ADC1: DMA2 stream 0, channel 0
    const DoubleBufferTransfer transfer{0, detail::adc_data_register(AdcUnit::adc1), silicon_samples->dma_target(),
                                        silicon_samples->dma_target() + 256, 256, DmaWidth::half_word, 2,
                                        feed_double_buffer<std::uint16_t, 256>, &*silicon_samples};
    if (!stream.start_double_buffer(transfer, 5)) return false;
    sample_clock.start();
    return true;
}

} // namespace

// CCM RAM: the CPU's alone.
__attribute__((section(".ccm"))) std::uint16_t ccm_samples[64];

int main() {
    // What the stream's interrupt would do for each full target, with the samples the DMA
    // would have written: targets 0, 1, 0, 1, ... each handed over as the matching half.
    std::uint16_t next = 0;
    bool in_order = true;
    bool exact = true;
    for (std::uint32_t fill = 0; fill < 10; ++fill) {
        const std::uint32_t target = fill % 2;
        std::uint16_t* memory = buffer.dma_target() + target * half_length; // M0AR or M1AR
        for (std::size_t i = 0; i < half_length; ++i) memory[i] = static_cast<std::uint16_t>(next + i);
        feed_double_buffer<std::uint16_t, half_length>(&buffer, target);
        auto half = buffer.try_take();
        in_order = in_order && half && half->half == target;
        for (std::size_t i = 0; half && i < half_length; ++i) exact = exact && half->samples[i] == next + i;
        if (half) (void)buffer.release(half->half);
        next = static_cast<std::uint16_t>(next + half_length);
    }
    const ss::capture::DoubleBufferStats st = buffer.stats();
    check(detail::adc_data_register(AdcUnit::adc1) == 0x4001'204C, "ADC1's DR, the DMA's peripheral address, is 0x4001204C");
    figure("halves handed over", st.halves_completed);
    check(in_order && st.halves_completed == 10, "target 0 / 1 full hands over half 0 / 1, in order");
    check(exact, "the consumer reads exactly what the DMA wrote into each target");
    check(st.missed_events == 0 && st.overruns == 0, "no event out of turn, no overrun");

    // A target in CCM RAM, which the DMA cannot reach, is refused before anything is programmed.
    DoubleBufferTransfer in_ccm{};
    in_ccm.channel = 0;
    in_ccm.peripheral = detail::adc_data_register(AdcUnit::adc1);
    in_ccm.target0 = ccm_samples;
    in_ccm.target1 = buffer.dma_target();
    in_ccm.items = half_length;
    check(reinterpret_cast<std::uintptr_t>(ccm_samples) >= 0x1000'0000 &&
              reinterpret_cast<std::uintptr_t>(ccm_samples) < 0x1001'0000,
          "the linker put the .ccm buffer in CCM RAM");
    check(!DmaStream(DmaController::dma2, 0).start_double_buffer(in_ccm, 5), "a DMA target in CCM RAM is refused");
    return ss::stm32::test::failures;
}
