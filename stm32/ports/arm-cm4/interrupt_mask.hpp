// A scope with interrupts masked (PRIMASK set), for the few instructions of a read-modify-write
// that an interrupt must not split. It saves PRIMASK and restores it, so scopes nest and an ISR
// may open one too. Keep the scope short: every interrupt waits for it to end.
#pragma once

#include <cstdint>

namespace ss::stm32 {

class InterruptMask {
public:
    InterruptMask() noexcept { asm volatile("mrs %0, primask\n cpsid i" : "=r"(saved_)::"memory"); }
    ~InterruptMask() { asm volatile("msr primask, %0" ::"r"(saved_) : "memory"); }
    InterruptMask(const InterruptMask&) = delete;
    InterruptMask& operator=(const InterruptMask&) = delete;

private:
    std::uint32_t saved_;
};

} // namespace ss::stm32
