// What the fault handler leaves for the next boot: the exception, the fault status and the
// faulting address (when the CPU recorded one), in RAM that startup does not clear.
#pragma once

#include <cstdint>

namespace ss::stm32 {

struct FaultRecord {
    static constexpr std::uint32_t valid = 0x46415554; // "FAUT"
    std::uint32_t magic;     ///< valid when the record is one
    std::uint32_t exception; ///< the exception number (3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault ...)
    std::uint32_t cfsr;      ///< SCB->CFSR at the fault
    std::uint32_t address;   ///< BFAR or MMFAR when valid, else 0
};

/// The record of the last fault, in .noinit.
extern FaultRecord last_fault;

/// Requests a system reset (SCB AIRCR SYSRESETREQ); does not return. RAM keeps its contents, so
/// the next boot finds last_fault.
[[noreturn]] void system_reset() noexcept;

} // namespace ss::stm32

/// Called by the fault handler once last_fault is written, with interrupts at the fault's
/// priority. The port's default (weak) ends a QEMU run with status 100 + the exception number;
/// a firmware defines its own to reset (ss::stm32::system_reset) and report at the next boot.
extern "C" [[noreturn]] void ss_stm32_after_fault(const ss::stm32::FaultRecord& fault);
