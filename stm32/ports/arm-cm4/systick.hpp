// SysTick, the port's one timer: a 1 kHz interrupt that drives the core's monotonic clock, a
// hook the firmware may hang on that interrupt, and a cycle count for timing short steps.
#pragma once

#include <cstdint>

namespace ss::stm32 {

/// Starts SysTick at 1 kHz from the processor clock (cpu_hz), with its interrupt enabled.
void start_systick(std::uint32_t cpu_hz) noexcept;

/// Calls `hook` from the SysTick interrupt after each millisecond is counted (nullptr: none).
/// The hook runs in the ISR: it must be short and must not block.
void set_systick_hook(void (*hook)()) noexcept;

/// Processor cycles since SysTick started, modulo 2^32 (25 s at 168 MHz): milliseconds counted
/// times the reload period plus the cycles elapsed in the current period, read from SysTick's
/// current-value register. Differences of two readings time anything shorter than the wrap.
/// Any context. Not a DWT cycle counter (QEMU does not emulate DWT CYCCNT). Under QEMU the
/// counter follows QEMU's clock: the host's, unless -icount makes it the instruction count (as
/// the firmware tests do; with the host's clock, a loaded host can see the counter wrap before
/// its interrupt is raised, and a reading then lags by one period).
std::uint32_t systick_cycles() noexcept;

} // namespace ss::stm32
