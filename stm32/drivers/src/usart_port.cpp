#include "ss/stm32/usart_port.hpp"

#include "ss/stm32/mmio.hpp"
#include "ss/stm32/registers/rcc.hpp"
#include "ss/stm32/registers/usart.hpp"

namespace ss::stm32::detail {

namespace {

struct UsartFacts {
    std::uintptr_t base;
    std::uintptr_t enable_register; ///< APB1ENR or APB2ENR
    std::uint32_t enable_bit;
    Irq irq;
};

constexpr UsartFacts facts[] = {
    {usart::usart1, rcc::apb2enr, rcc::apb2_usart1, Irq::usart1},
    {usart::usart2, rcc::apb1enr, rcc::apb1_usart2, Irq::usart2},
    {usart::usart3, rcc::apb1enr, rcc::apb1_usart3, Irq::usart3},
    {usart::uart4, rcc::apb1enr, rcc::apb1_uart4, Irq::uart4},
    {usart::uart5, rcc::apb1enr, rcc::apb1_uart5, Irq::uart5},
    {usart::usart6, rcc::apb2enr, rcc::apb2_usart6, Irq::usart6},
};

// Written in thread mode with the port's interrupt disabled, read by the interrupt.
UsartService services[6];

const UsartFacts& facts_of(UsartPort port) noexcept { return facts[static_cast<unsigned>(port)]; }

void dispatch(UsartPort port) noexcept {
    const UsartService& s = services[static_cast<unsigned>(port)];
    if (s.serve != nullptr) s.serve(s.self);
}

} // namespace

std::uintptr_t usart_base(UsartPort port) noexcept { return facts_of(port).base; }

Irq usart_irq(UsartPort port) noexcept { return facts_of(port).irq; }

void usart_start(UsartPort port, std::uint32_t clock_hz, std::uint32_t baud, UsartService service,
                 std::uint8_t priority) noexcept {
    const UsartFacts& f = facts_of(port);
    irq_disable(f.irq);
    mmio(f.enable_register) = mmio(f.enable_register) | f.enable_bit;
    // Read back: on silicon the peripheral clock starts two bus cycles after the enable.
    [[maybe_unused]] const std::uint32_t enabled = mmio(f.enable_register);
    services[static_cast<unsigned>(port)] = service;
    mmio(f.base + usart::cr1) = 0;
    mmio(f.base + usart::cr2) = 0; // 1 stop bit
    mmio(f.base + usart::cr3) = 0; // no flow control, no DMA
    mmio(f.base + usart::brr) = usart::brr_for(clock_hz, baud);
    mmio(f.base + usart::cr1) = usart::cr1_ue | usart::cr1_te | usart::cr1_re | usart::cr1_rxneie;
    irq_clear_pending(f.irq);
    irq_enable(f.irq, priority);
}

void usart_stop(UsartPort port) noexcept {
    const UsartFacts& f = facts_of(port);
    irq_disable(f.irq);
    mmio(f.base + usart::cr1) = 0;
    services[static_cast<unsigned>(port)] = {};
}

} // namespace ss::stm32::detail

extern "C" void USART1_IRQHandler() { ss::stm32::detail::dispatch(ss::stm32::UsartPort::usart1); }
extern "C" void USART2_IRQHandler() { ss::stm32::detail::dispatch(ss::stm32::UsartPort::usart2); }
extern "C" void USART3_IRQHandler() { ss::stm32::detail::dispatch(ss::stm32::UsartPort::usart3); }
extern "C" void UART4_IRQHandler() { ss::stm32::detail::dispatch(ss::stm32::UsartPort::uart4); }
extern "C" void UART5_IRQHandler() { ss::stm32::detail::dispatch(ss::stm32::UsartPort::uart5); }
extern "C" void USART6_IRQHandler() { ss::stm32::detail::dispatch(ss::stm32::UsartPort::usart6); }
