// The six USARTs of the STM32F405 and what the buffered driver needs of each: the port's
// clock enable, its interrupt, and the table the interrupt handlers dispatch through. Not an
// API of its own: BufferedUsart (buffered_usart.hpp) uses it.
#pragma once

#include <cstdint>

#include "ss/stm32/interrupts.hpp"

namespace ss::stm32 {

/// Which USART.
enum class UsartPort : std::uint8_t { usart1, usart2, usart3, uart4, uart5, usart6 };

namespace detail {

/// An interrupt service routine bound to its object.
struct UsartService {
    void (*serve)(void* self) noexcept = nullptr;
    void* self = nullptr;
};

/// The port's register block.
std::uintptr_t usart_base(UsartPort port) noexcept;
/// The port's NVIC interrupt.
Irq usart_irq(UsartPort port) noexcept;
/// Enables the port's clock, sets 8N1 at `baud` from `clock_hz`, enables the receiver, the
/// transmitter and the RXNE interrupt, binds `service` to the port's interrupt and enables it
/// at `priority`.
void usart_start(UsartPort port, std::uint32_t clock_hz, std::uint32_t baud, UsartService service,
                 std::uint8_t priority) noexcept;
/// Disables the port's interrupt and the USART, and unbinds the service.
void usart_stop(UsartPort port) noexcept;

} // namespace detail
} // namespace ss::stm32
