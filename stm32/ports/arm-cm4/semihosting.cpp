#include "semihosting.hpp"
#include "semihosting.h"

namespace ss::stm32 {

namespace {

constexpr std::uint32_t sys_write0 = 0x04;
constexpr std::uint32_t sys_exit_extended = 0x20;
constexpr std::uint32_t adp_stopped_application_exit = 0x20026;

std::uint32_t call(std::uint32_t op, const void* arg) noexcept {
    register std::uint32_t r0 asm("r0") = op;
    register const void* r1 asm("r1") = arg;
    asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

} // namespace

void host_write(const char* text) noexcept { call(sys_write0, text); }

void host_write_u64(std::uint64_t value) noexcept {
    char digits[21];
    char* p = digits + sizeof digits - 1;
    *p = '\0';
    do {
        *--p = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    host_write(p);
}

void host_exit(int status) noexcept {
    // SYS_EXIT_EXTENDED: the reason and the status, so the host sees the status itself.
    const std::uint32_t block[2] = {adp_stopped_application_exit, static_cast<std::uint32_t>(status)};
    call(sys_exit_extended, block);
    for (;;) asm volatile("wfi");
}

} // namespace ss::stm32

// The same for C (semihosting.h).
extern "C" {
void ss_host_write(const char* text) { ss::stm32::host_write(text); }
void ss_host_write_u64(std::uint64_t value) { ss::stm32::host_write_u64(value); }
void ss_host_exit(int status) { ss::stm32::host_exit(status); }
}
