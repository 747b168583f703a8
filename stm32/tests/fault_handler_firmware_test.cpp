// The fault handler across resets, as a product uses it: a fault is recorded in RAM that
// startup leaves alone (.noinit), the firmware resets, and the next boot reads what happened.
// Boot 1 executes an undefined instruction (a UsageFault, escalated to HardFault: exception 3,
// CFSR.UNDEFINSTR); boot 2 checks that record, then reads from an address nothing answers (a
// precise BusFault, escalated: CFSR.PRECISERR with BFAR holding the address); boot 3 checks that
// one and ends the run. Each fault goes through the port's handler and this image's
// ss_stm32_after_fault, which resets instead of ending the run (the port's default).
#include <cstdint>

#include "fault_record.hpp"
#include "firmware_check.hpp"
#include "semihosting.hpp"

using ss::stm32::FaultRecord;
using ss::stm32::last_fault;
using ss::stm32::test::expect_eq;
using ss::stm32::test::expect_true;

namespace {

// Also in .noinit: which boot this is. QEMU starts with RAM zeroed, so the first boot sees 0.
__attribute__((section(".noinit"))) std::uint32_t boot_marker;
__attribute__((section(".noinit"))) std::uint32_t boots;
constexpr std::uint32_t marker = 0x424F4F54; // "BOOT"

constexpr std::uint32_t cfsr_undefinstr = 1u << 16;
constexpr std::uint32_t cfsr_preciserr = 1u << 9;
constexpr std::uint32_t cfsr_bfarvalid = 1u << 15;
// In the STM32F405's map but unimplemented by the chip (between the FSMC banks and the Cortex
// private peripherals): nothing answers a read there.
constexpr std::uintptr_t nobody_home = 0xA000'1000;

} // namespace

extern "C" [[noreturn]] void ss_stm32_after_fault(const FaultRecord&) { ss::stm32::system_reset(); }

int main() {
    if (boot_marker != marker) {
        boot_marker = marker;
        boots = 0;
    }
    ++boots;
    using ss::stm32::host_write;
    host_write("boot ");
    ss::stm32::host_write_u64(boots);
    host_write("\n");
    if (boots == 1) {
        expect_true("no fault recorded before the first fault", last_fault.magic != FaultRecord::valid);
        if (ss::stm32::test::failures != 0) return 1;
        asm volatile("udf #0");
        host_write("FAIL the undefined instruction did not fault\n");
        return 1;
    }
    if (boots == 2) {
        expect_true("the first fault was recorded for this boot", last_fault.magic == FaultRecord::valid);
        expect_eq("its exception: HardFault (the UsageFault escalated)", 3, last_fault.exception);
        expect_true("CFSR says an undefined instruction", (last_fault.cfsr & cfsr_undefinstr) != 0);
        if (ss::stm32::test::failures != 0) return 1;
        last_fault.magic = 0;
        [[maybe_unused]] const std::uint32_t v = *reinterpret_cast<volatile std::uint32_t*>(nobody_home);
        host_write("FAIL the read from an unanswered address did not fault\n");
        return 1;
    }
    expect_eq("three boots", 3, boots);
    expect_true("the second fault was recorded", last_fault.magic == FaultRecord::valid);
    expect_eq("its exception: HardFault (the BusFault escalated)", 3, last_fault.exception);
    expect_true("CFSR says a precise bus error with a valid address",
                (last_fault.cfsr & (cfsr_preciserr | cfsr_bfarvalid)) == (cfsr_preciserr | cfsr_bfarvalid));
    expect_eq("the faulting address", nobody_home, last_fault.address);
    last_fault.magic = 0;
    boot_marker = 0;
    return ss::stm32::test::finish("fault handler firmware test");
}
