// The core's platform on a Cortex-M4 (ss/port.hpp): the lock is an interrupt mask (PRIMASK
// saved, interrupts off, restored on unlock: an ISR can never find a store half written), one
// object shared by every store; the monotonic clock counts SysTick interrupts at 1 kHz; there is
// no heap (the firmware hands the arena in), no UTC (no RTC set). Built over the core with a
// tier below RAM (ss_stm32_port_cold_tier), the cold tier is the flash tier over the block device
// the firmware hands in (flash_tier.hpp); the default port has none, and none of its code.
#include "ss/port.hpp"
#include "ss_stm32_port.h"

#if defined(SS_WITH_COLD_TIER) && SS_WITH_COLD_TIER
#include "flash_tier.hpp"
#define SS_STM32_FLASH_TIER 1
#else
#define SS_STM32_FLASH_TIER 0
#endif

#include "systick.hpp"

#include <atomic>
#include <cstdint>

namespace {

volatile std::uint32_t& reg(std::uintptr_t address) { return *reinterpret_cast<volatile std::uint32_t*>(address); }

// One lock object serves every store and the pool (LockOps::shared): the mask is global anyway.
// The core takes the pool's lock while it holds a store's, so the lock nests: only the
// outermost lock saves PRIMASK and only the outermost unlock restores it. The depth is written
// with interrupts masked, so no ISR sees it half changed.
struct InterruptMask {
    std::uint32_t saved_primask;
    std::uint32_t depth;
};

static_assert(sizeof(InterruptMask) == SS_STM32_LOCK_BYTES && alignof(InterruptMask) == SS_STM32_LOCK_ALIGN,
              "ss_stm32_port.h sizes the arena with this lock");

void mask_init(void* lock) noexcept { *static_cast<InterruptMask*>(lock) = InterruptMask{0, 0}; }

void mask_lock(void* lock) noexcept {
    std::uint32_t primask;
    asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    auto& m = *static_cast<InterruptMask*>(lock);
    if (m.depth++ == 0) m.saved_primask = primask;
}

void mask_unlock(void* lock) noexcept {
    auto& m = *static_cast<InterruptMask*>(lock);
    if (--m.depth == 0) asm volatile("msr primask, %0" ::"r"(m.saved_primask) : "memory");
}

bool mask_try_lock(void* lock) noexcept {
    mask_lock(lock);
    return true;
}

void no_op(void*) noexcept {}

// Written by the SysTick interrupt, read by tasks: a 32-bit word is one store on this CPU, and
// 49 days of milliseconds is as far as it goes before it wraps (the high word follows it).
volatile std::uint32_t ticks_low = 0;
volatile std::uint32_t ticks_high = 0;

std::uint64_t monotonic_ms() noexcept {
    for (;;) {
        const std::uint32_t high = ticks_high;
        const std::uint32_t low = ticks_low;
        if (high == ticks_high) return (std::uint64_t{high} << 32) | low;
    }
}

const ss::port::Platform cortex_m4_platform{
    .lock = {sizeof(InterruptMask), alignof(InterruptMask), mask_init, no_op, mask_lock, mask_unlock, mask_try_lock,
             true, true},
    .arena_alloc = nullptr,
    .arena_free = nullptr,
    .monotonic_ms = monotonic_ms,
    .utc_us = nullptr,
    .log = nullptr,
#if SS_STM32_FLASH_TIER
    .cold_tier_create = ss::stm32::detail::create_flash_tier,
    .cold_tier_destroy = ss::stm32::detail::destroy_flash_tier,
#else
    .cold_tier_create = nullptr,
    .cold_tier_destroy = nullptr,
#endif
    .thread_id = nullptr,
    .cpu_has_crc32c = nullptr,
};

} // namespace

namespace {

constexpr std::uintptr_t syst_csr = 0xE000E010;
constexpr std::uintptr_t syst_rvr = 0xE000E014;
constexpr std::uintptr_t syst_cvr = 0xE000E018;
constexpr std::uintptr_t scb_icsr = 0xE000ED04;
constexpr std::uint32_t icsr_pendstset = 1u << 26;

// Set by the firmware, read by the SysTick interrupt: one word, so never seen half written.
void (*volatile systick_hook)() = nullptr;

} // namespace

extern "C" void SysTick_Handler() {
    const std::uint32_t next = ticks_low + 1;
    if (next == 0) ticks_high = ticks_high + 1;
    ticks_low = next;
    if (auto* hook = systick_hook) hook();
}

namespace ss::stm32 {

void start_systick(std::uint32_t cpu_hz) noexcept {
    reg(syst_rvr) = cpu_hz / 1000 - 1;
    reg(syst_cvr) = 0;
    reg(syst_csr) = 0b111; // processor clock, interrupt, enable
    // The counter reads 0 until its first reload (one clock later on silicon, longer under QEMU),
    // which systick_cycles would take for the end of a period: wait for it, so the count starts
    // at 0 and never steps back.
    while (reg(syst_cvr) == 0) {}
}

void set_systick_hook(void (*hook)()) noexcept { systick_hook = hook; }

std::uint32_t systick_cycles() noexcept {
    const std::uint32_t reload = reg(syst_rvr);
    for (;;) {
        const std::uint32_t ms = ticks_low;
        const std::uint32_t current = reg(syst_cvr); // counts down from reload to 0
        const bool tick_pending = (reg(scb_icsr) & icsr_pendstset) != 0;
        if (ms != ticks_low) continue; // the interrupt ran in between: read again
        // With interrupts masked the counter may have reloaded while its interrupt waits: a
        // pending tick and a count still near the top mean this millisecond is not counted yet.
        const std::uint32_t counted = tick_pending && current > reload / 2 ? ms + 1 : ms;
        return counted * (reload + 1) + (reload - current);
    }
}

} // namespace ss::stm32

const ss::port::Platform& ss::port::platform() noexcept { return cortex_m4_platform; }
