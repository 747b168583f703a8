// A DMA stream in double-buffer mode (DBM): peripheral to memory, the stream fills memory
// target 0 (M0AR), then target 1 (M1AR), then 0 again, with a transfer-complete interrupt at the
// end of each; the current-target bit (CT) says which one it moved on to. That is exactly the
// core's DmaDoubleBuffer: target 0 = its first half, target 1 = its second
// (feed_double_buffer below), so a capture moves to DMA without changing its consumer.
//
// Written from RM0090 §10 for silicon only: QEMU 7.2's STM32F405 has no DMA model (the region
// is unimplemented; reads give 0, writes vanish), so this driver is not run under QEMU. Its
// register values and flag decoding are constexpr and checked at compile time and in
// dma_stream_firmware_test.cpp; the transfers themselves need a board.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ss/capture/double_buffer.hpp"
#include "ss/stm32/interrupts.hpp"
#include "ss/stm32/registers/dma.hpp"

namespace ss::stm32 {

/// Which controller and stream (ADC1 is on DMA2 stream 0 or 4, channel 0; RM0090 table 43).
enum class DmaController : std::uint8_t { dma1, dma2 };

/// The width of one item, peripheral and memory alike.
enum class DmaWidth : std::uint8_t { byte = 0, half_word = 1, word = 2 };

/// Called from the stream's interrupt when memory target `target` (0 or 1) is full.
using TargetFullHandler = void (*)(void* context, std::uint32_t target) noexcept;

/// Places a buffer where the DMA controllers reach it: the linker script's `.dma` section, in
/// SRAM (stm32f405.ld asserts it is never CCM RAM, which the DMA cannot reach).
#define SS_STM32_DMA_BUFFER __attribute__((section(".dma"), aligned(8)))

/// Whether the DMA controllers can reach [address, address + bytes): on the F405 the 64 KiB of
/// CCM RAM at 0x1000'0000 is the CPU's alone; a DMA pointed there reads or writes nothing.
constexpr bool dma_reachable(std::uintptr_t address, std::size_t bytes) noexcept {
    constexpr std::uintptr_t ccm_start = 0x1000'0000;
    constexpr std::uintptr_t ccm_end = 0x1001'0000;
    return address + bytes <= ccm_start || address >= ccm_end;
}
static_assert(!dma_reachable(0x1000'0100, 4) && dma_reachable(0x2000'0000, 4096) && !dma_reachable(0x0FFF'FFFE, 4));

/// A peripheral-to-memory double-buffer transfer. The targets must be in SRAM (the linker
/// script's `.dma` section, SS_STM32_DMA_BUFFER, or ordinary data), never in CCM RAM.
struct DoubleBufferTransfer {
    std::uint32_t channel = 0;              ///< request channel 0..7 (RM0090 tables 42 and 43)
    std::uintptr_t peripheral = 0;          ///< the data register read, e.g. ADC1's DR
    void* target0 = nullptr;                ///< M0AR: filled first
    void* target1 = nullptr;                ///< M1AR
    std::uint16_t items = 0;                ///< items per target (NDTR), 1..65535
    DmaWidth width = DmaWidth::half_word;
    std::uint32_t priority = 2;             ///< 0 low .. 3 very high
    TargetFullHandler on_full = nullptr;
    void* context = nullptr;
};

/// CR for a double-buffer transfer (EN not set): DBM, circular, memory increment, peripheral
/// to memory, transfer-complete, transfer-error and direct-mode-error interrupts.
constexpr std::uint32_t double_buffer_cr(std::uint32_t channel, DmaWidth width, std::uint32_t priority) noexcept {
    const auto w = static_cast<std::uint32_t>(width);
    return (channel & 7u) << dma::cr_chsel_shift | dma::cr_dbm | (priority & 3u) << dma::cr_pl_shift |
           w << dma::cr_msize_shift | w << dma::cr_psize_shift | dma::cr_minc | dma::cr_circ |
           0u << dma::cr_dir_shift | dma::cr_tcie | dma::cr_teie | dma::cr_dmeie;
}

/// Stream `stream`'s flags (flag_* layout) out of its status register's value.
constexpr std::uint32_t stream_flags(std::uint32_t status, unsigned stream) noexcept {
    return (status >> dma::flag_shift(stream)) & dma::flags_all;
}

/// The clear-register value that clears `flags` of `stream` and nothing else.
constexpr std::uint32_t stream_clear(std::uint32_t flags, unsigned stream) noexcept {
    return (flags & dma::flags_all) << dma::flag_shift(stream);
}

/// At a transfer-complete event in double-buffer mode, the target just filled: the stream has
/// already switched CT to the other one.
constexpr std::uint32_t completed_target(std::uint32_t cr) noexcept { return (cr & dma::cr_ct) != 0 ? 0u : 1u; }

/// The stream's NVIC interrupt.
constexpr Irq dma_stream_irq(DmaController c, unsigned stream) noexcept {
    constexpr Irq dma1[8] = {Irq::dma1_stream0, Irq::dma1_stream1, Irq::dma1_stream2, Irq::dma1_stream3,
                             Irq::dma1_stream4, Irq::dma1_stream5, Irq::dma1_stream6, Irq::dma1_stream7};
    constexpr Irq dma2[8] = {Irq::dma2_stream0, Irq::dma2_stream1, Irq::dma2_stream2, Irq::dma2_stream3,
                             Irq::dma2_stream4, Irq::dma2_stream5, Irq::dma2_stream6, Irq::dma2_stream7};
    return c == DmaController::dma1 ? dma1[stream & 7u] : dma2[stream & 7u];
}

/// What a stream counted (wraps at 2^32).
struct DmaStreamStats {
    std::uint32_t targets_filled = 0;
    std::uint32_t transfer_errors = 0; ///< TE: a bus error; the stream disabled itself
    std::uint32_t direct_mode_errors = 0;
};

/// One DMA stream. Thread mode for start/stop; the interrupt calls the handler.
class DmaStream {
public:
    constexpr DmaStream(DmaController controller, unsigned stream) noexcept
        : controller_(controller), stream_(stream & 7u) {}

    /// Enables the controller's clock, programs and starts `t` with the interrupt at
    /// `priority`. False (nothing started) if items is 0, a target is null or out of the DMA's
    /// reach (dma_reachable), or the stream would not stop within a bounded wait.
    [[nodiscard]] bool start_double_buffer(const DoubleBufferTransfer& t, std::uint8_t priority) noexcept;

    /// Stops the stream (waits, bounded, for EN to read 0) and disables its interrupt.
    void stop() noexcept;

    /// The counters.
    [[nodiscard]] DmaStreamStats stats() const noexcept;

private:
    DmaController controller_;
    unsigned stream_;
};

/// A TargetFullHandler for a DmaDoubleBuffer (context = the buffer): target 0 is its first
/// half, target 1 its second. Program target0 = dma_target(), target1 = dma_target() +
/// HalfLength, items = HalfLength.
template <class T, std::size_t HalfLength>
void feed_double_buffer(void* buffer, std::uint32_t target) noexcept {
    auto* b = static_cast<ss::capture::DmaDoubleBuffer<T, HalfLength>*>(buffer);
    if (target == 0) (void)b->on_half_complete();
    else (void)b->on_complete();
}

} // namespace ss::stm32
