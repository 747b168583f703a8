#include "ss/stm32/interrupts.hpp"

#include "ss/stm32/mmio.hpp"
#include "ss/stm32/registers/nvic.hpp"

namespace ss::stm32 {

namespace {

std::uintptr_t bank_word(std::uintptr_t bank, Irq irq) noexcept {
    return bank + 4u * (static_cast<unsigned>(irq) / 32u);
}

std::uint32_t bank_bit(Irq irq) noexcept { return 1u << (static_cast<unsigned>(irq) % 32u); }

} // namespace

void irq_enable(Irq irq, std::uint8_t priority) noexcept {
    // Priority bytes are byte-addressable; the unimplemented low bits read as zero.
    *reinterpret_cast<volatile std::uint8_t*>(nvic::ipr + static_cast<unsigned>(irq)) =
        static_cast<std::uint8_t>(priority << (8 - nvic::priority_bits));
    mmio(bank_word(nvic::iser, irq)) = bank_bit(irq);
}

void irq_disable(Irq irq) noexcept {
    mmio(bank_word(nvic::icer, irq)) = bank_bit(irq);
    // The disable takes effect before the next instruction (ARMv7-M: DSB + ISB).
    asm volatile("dsb\n isb" ::: "memory");
}

void irq_set_pending(Irq irq) noexcept { mmio(bank_word(nvic::ispr, irq)) = bank_bit(irq); }

void irq_clear_pending(Irq irq) noexcept { mmio(bank_word(nvic::icpr, irq)) = bank_bit(irq); }

} // namespace ss::stm32
