#include "semihosting.hpp"
#include "semihosting.h"

namespace ss::stm32 {

namespace {

constexpr std::uint32_t sys_open = 0x01;
constexpr std::uint32_t sys_close = 0x02;
constexpr std::uint32_t sys_write0 = 0x04;
constexpr std::uint32_t sys_write = 0x05;
constexpr std::uint32_t sys_read = 0x06;
constexpr std::uint32_t sys_seek = 0x0A;
constexpr std::uint32_t sys_flen = 0x0C;
constexpr std::uint32_t sys_get_cmdline = 0x15;
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

int host_open(const char* path, std::uint32_t mode) noexcept {
    std::uint32_t length = 0;
    while (path[length] != '\0') ++length;
    const std::uint32_t block[3] = {reinterpret_cast<std::uintptr_t>(path), mode, length};
    return static_cast<int>(call(sys_open, block));
}

bool host_close(int handle) noexcept {
    const std::uint32_t block[1] = {static_cast<std::uint32_t>(handle)};
    return call(sys_close, block) == 0;
}

// SYS_READ and SYS_WRITE return the bytes *not* transferred: 0 is all of them.
bool host_read(int handle, void* out, std::uint32_t bytes) noexcept {
    const std::uint32_t block[3] = {static_cast<std::uint32_t>(handle), reinterpret_cast<std::uintptr_t>(out), bytes};
    return call(sys_read, block) == 0;
}

bool host_write_file(int handle, const void* data, std::uint32_t bytes) noexcept {
    const std::uint32_t block[3] = {static_cast<std::uint32_t>(handle), reinterpret_cast<std::uintptr_t>(data), bytes};
    return call(sys_write, block) == 0;
}

bool host_seek(int handle, std::uint32_t offset) noexcept {
    const std::uint32_t block[2] = {static_cast<std::uint32_t>(handle), offset};
    return call(sys_seek, block) == 0;
}

std::int32_t host_file_length(int handle) noexcept {
    const std::uint32_t block[1] = {static_cast<std::uint32_t>(handle)};
    return static_cast<std::int32_t>(call(sys_flen, block));
}

bool host_command_line(char* out, std::uint32_t capacity) noexcept {
    // The host writes the line and its length back into the block.
    std::uint32_t block[2] = {reinterpret_cast<std::uintptr_t>(out), capacity};
    return call(sys_get_cmdline, block) == 0;
}

const char* host_command_word(char* line, std::uint32_t index) noexcept {
    char* p = line;
    for (std::uint32_t k = 0;; ++k) {
        while (*p == ' ') ++p;
        if (*p == '\0') return nullptr;
        char* start = p;
        while (*p != ' ' && *p != '\0') ++p;
        const bool last = *p == '\0';
        *p = '\0';
        if (k == index) return start;
        if (last) return nullptr;
        ++p;
    }
}

} // namespace ss::stm32

// The same for C (semihosting.h).
extern "C" {
void ss_host_write(const char* text) { ss::stm32::host_write(text); }
void ss_host_write_u64(std::uint64_t value) { ss::stm32::host_write_u64(value); }
void ss_host_exit(int status) { ss::stm32::host_exit(status); }
}
