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

// Host files, for test images that keep state across runs (a block device in a file that
// survives QEMU being killed). Each call is one trap to the host; QEMU does the I/O with the
// host's read(2)/write(2) before it returns, so a completed write survives a kill of QEMU.

/// SYS_OPEN modes (ISO C fopen modes as the semihosting spec numbers them).
inline constexpr std::uint32_t host_mode_read_binary = 1;   ///< "rb"
inline constexpr std::uint32_t host_mode_update_binary = 3; ///< "r+b": read and write, must exist
/// Opens a host file; its handle, or -1.
int host_open(const char* path, std::uint32_t mode) noexcept;
bool host_close(int handle) noexcept;
/// Reads exactly `bytes` at the file position; false on an error or a short read.
bool host_read(int handle, void* out, std::uint32_t bytes) noexcept;
/// Writes exactly `bytes` at the file position; false on an error or a short write.
bool host_write_file(int handle, const void* data, std::uint32_t bytes) noexcept;
/// Moves the file position to `offset` from the start.
bool host_seek(int handle, std::uint32_t offset) noexcept;
/// The file's length, or -1.
std::int32_t host_file_length(int handle) noexcept;
/// The command line QEMU was given for the program (-semihosting-config arg=..., joined by
/// spaces), NUL-terminated in `out`; false if the host has none or it does not fit.
bool host_command_line(char* out, std::uint32_t capacity) noexcept;
/// Word `index` of such a line (0 = the program's name; words are split at spaces), cut out of
/// `line` in place (a NUL written after it), or nullptr if there are not that many.
const char* host_command_word(char* line, std::uint32_t index) noexcept;

} // namespace ss::stm32
