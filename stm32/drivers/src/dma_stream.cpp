#include "ss/stm32/dma_stream.hpp"

#include "ss/stm32/mmio.hpp"
#include "ss/stm32/registers/rcc.hpp"

namespace ss::stm32 {

namespace {

struct StreamState {
    TargetFullHandler on_full = nullptr;
    void* context = nullptr;
    volatile std::uint32_t filled = 0;
    volatile std::uint32_t transfer_errors = 0;
    volatile std::uint32_t direct_mode_errors = 0;
};

StreamState states[2][8];

constexpr std::uint32_t max_polls = 100'000;

std::uintptr_t controller_base(DmaController c) noexcept { return c == DmaController::dma1 ? dma::dma1 : dma::dma2; }

std::uintptr_t stream_base(DmaController c, unsigned s) noexcept { return controller_base(c) + dma::stream_offset(s); }

StreamState& state_of(DmaController c, unsigned s) noexcept { return states[static_cast<unsigned>(c)][s]; }

void clear_flags(DmaController c, unsigned s, std::uint32_t flags) noexcept {
    mmio(controller_base(c) + dma::status_offset(s) + 8) = stream_clear(flags, s);
}

bool disable_and_wait(std::uintptr_t stream) noexcept {
    mmio(stream + dma::cr) = mmio(stream + dma::cr) & ~dma::cr_en;
    // RM0090: the stream finishes its current item before EN reads 0.
    for (std::uint32_t i = 0; i < max_polls; ++i)
        if ((mmio(stream + dma::cr) & dma::cr_en) == 0) return true;
    return false;
}

void serve(DmaController c, unsigned s) noexcept {
    const std::uint32_t flags = stream_flags(mmio(controller_base(c) + dma::status_offset(s)), s);
    clear_flags(c, s, flags);
    StreamState& st = state_of(c, s);
    if ((flags & dma::flag_te) != 0) st.transfer_errors = st.transfer_errors + 1;
    if ((flags & dma::flag_dme) != 0) st.direct_mode_errors = st.direct_mode_errors + 1;
    if ((flags & dma::flag_tc) != 0) {
        st.filled = st.filled + 1;
        const std::uint32_t target = completed_target(mmio(stream_base(c, s) + dma::cr));
        if (st.on_full != nullptr) st.on_full(st.context, target);
    }
}

} // namespace

bool DmaStream::start_double_buffer(const DoubleBufferTransfer& t, std::uint8_t priority) noexcept {
    if (t.items == 0 || t.target0 == nullptr || t.target1 == nullptr) return false;
    const std::size_t target_bytes = std::size_t{t.items} << static_cast<unsigned>(t.width);
    if (!dma_reachable(reinterpret_cast<std::uintptr_t>(t.target0), target_bytes) ||
        !dma_reachable(reinterpret_cast<std::uintptr_t>(t.target1), target_bytes))
        return false;
    mmio(rcc::ahb1enr) = mmio(rcc::ahb1enr) | (controller_ == DmaController::dma1 ? rcc::ahb1_dma1 : rcc::ahb1_dma2);
    // Read back: on silicon the peripheral clock starts two bus cycles after the enable.
    [[maybe_unused]] const std::uint32_t enabled = mmio(rcc::ahb1enr);
    const Irq irq = dma_stream_irq(controller_, stream_);
    irq_disable(irq);
    const std::uintptr_t s = stream_base(controller_, stream_);
    if (!disable_and_wait(s)) return false;
    clear_flags(controller_, stream_, dma::flags_all);
    StreamState& st = state_of(controller_, stream_);
    st.on_full = t.on_full;
    st.context = t.context;
    mmio(s + dma::par) = static_cast<std::uint32_t>(t.peripheral);
    mmio(s + dma::m0ar) = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(t.target0));
    mmio(s + dma::m1ar) = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(t.target1));
    mmio(s + dma::ndtr) = t.items;
    mmio(s + dma::fcr) = 0; // direct mode: each item straight through, no FIFO threshold
    const std::uint32_t cr = double_buffer_cr(t.channel, t.width, t.priority);
    mmio(s + dma::cr) = cr; // CT = 0: start with target 0
    irq_clear_pending(irq);
    irq_enable(irq, priority);
    mmio(s + dma::cr) = cr | dma::cr_en;
    return true;
}

void DmaStream::stop() noexcept {
    (void)disable_and_wait(stream_base(controller_, stream_));
    irq_disable(dma_stream_irq(controller_, stream_));
    clear_flags(controller_, stream_, dma::flags_all);
}

DmaStreamStats DmaStream::stats() const noexcept {
    const StreamState& st = states[static_cast<unsigned>(controller_)][stream_];
    return {st.filled, st.transfer_errors, st.direct_mode_errors};
}

} // namespace ss::stm32

using ss::stm32::DmaController;
extern "C" void DMA1_Stream0_IRQHandler() { ss::stm32::serve(DmaController::dma1, 0); }
extern "C" void DMA1_Stream1_IRQHandler() { ss::stm32::serve(DmaController::dma1, 1); }
extern "C" void DMA1_Stream2_IRQHandler() { ss::stm32::serve(DmaController::dma1, 2); }
extern "C" void DMA1_Stream3_IRQHandler() { ss::stm32::serve(DmaController::dma1, 3); }
extern "C" void DMA1_Stream4_IRQHandler() { ss::stm32::serve(DmaController::dma1, 4); }
extern "C" void DMA1_Stream5_IRQHandler() { ss::stm32::serve(DmaController::dma1, 5); }
extern "C" void DMA1_Stream6_IRQHandler() { ss::stm32::serve(DmaController::dma1, 6); }
extern "C" void DMA1_Stream7_IRQHandler() { ss::stm32::serve(DmaController::dma1, 7); }
extern "C" void DMA2_Stream0_IRQHandler() { ss::stm32::serve(DmaController::dma2, 0); }
extern "C" void DMA2_Stream1_IRQHandler() { ss::stm32::serve(DmaController::dma2, 1); }
extern "C" void DMA2_Stream2_IRQHandler() { ss::stm32::serve(DmaController::dma2, 2); }
extern "C" void DMA2_Stream3_IRQHandler() { ss::stm32::serve(DmaController::dma2, 3); }
extern "C" void DMA2_Stream4_IRQHandler() { ss::stm32::serve(DmaController::dma2, 4); }
extern "C" void DMA2_Stream5_IRQHandler() { ss::stm32::serve(DmaController::dma2, 5); }
extern "C" void DMA2_Stream6_IRQHandler() { ss::stm32::serve(DmaController::dma2, 6); }
extern "C" void DMA2_Stream7_IRQHandler() { ss::stm32::serve(DmaController::dma2, 7); }
