// ARM semihosting (the debugger's or QEMU's console and exit), for the firmware tests: text to
// the host's stdout and the exit status of the run. Only under a debugger or QEMU with
// -semihosting: on a board without one, the BKPT instruction stops the CPU.
#pragma once

#include <cstdint>

namespace ss::stm32 {

/// Writes a NUL-terminated string to the host.
void host_write(const char* text) noexcept;
/// Writes an unsigned number in decimal.
void host_write_u64(std::uint64_t value) noexcept;
/// Ends the run with this status (QEMU exits with it).
[[noreturn]] void host_exit(int status) noexcept;

} // namespace ss::stm32
