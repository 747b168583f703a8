// CRC32C (Castagnoli), the checksum that protects every sealed sector.
//
// Castagnoli rather than the zlib polynomial because x86-64 (SSE4.2) and ARMv8 (the CRC32
// extension) have instructions for it.
// Freestanding (no heap, no exceptions, no OS calls), so the same source builds for the
// gateway and for Cortex-M4.
#ifndef SS_CRC32C_HPP
#define SS_CRC32C_HPP

#include <array>
#include <cstddef>
#include <cstdint>

namespace ss {

/// CRC32C (Castagnoli, reflected poly 0x82F63B78) of len bytes, continuing from `crc` (0 to start).
/// Chaining holds: crc32c(b, nb, crc32c(a, na)) == crc32c(a||b). Pre/post inversion is internal.
/// Uses the fastest path available on the running CPU. `data` may be null when `len` is 0.
/// Safe to call from any number of threads, including before static constructors have run.
[[nodiscard]] std::uint32_t crc32c(const void* data, std::size_t len, std::uint32_t crc = 0) noexcept;

/// Same result as crc32c, computed with compile-time tables (slicing-by-8) on any target.
/// `data` needs no particular alignment.
[[nodiscard]] std::uint32_t crc32c_portable(const void* data, std::size_t len,
                                            std::uint32_t crc = 0) noexcept;

/// True when the running CPU has a CRC32C instruction this build can use: x86-64 with SSE4.2
/// (CPUID), or little-endian aarch64 with the CRC32 extension (known at compile time with
/// -march=armv8-a+crc or later, else as the port reports it: ss::port::Platform::cpu_has_crc32c).
/// Always false on other targets. Detected once, then cached.
[[nodiscard]] bool crc32c_hardware_available() noexcept;

/// Same result as crc32c, computed with the CPU's CRC32C instruction.
/// Precondition: crc32c_hardware_available(). On targets without a hardware path this is
/// crc32c_portable, so calling it there is harmless, merely not faster.
[[nodiscard]] std::uint32_t crc32c_hardware(const void* data, std::size_t len,
                                            std::uint32_t crc = 0) noexcept;

namespace detail {
#if defined(__ARM_ARCH) && !defined(__linux__)
/// Bare metal keeps the byte-at-a-time row only: 1 KiB of the MCU's flash, where slicing-by-8
/// would take 8 KiB and is no faster on a Cortex-M4 (one table load per byte either way).
inline constexpr std::size_t crc32c_table_rows = 1;
#else
inline constexpr std::size_t crc32c_table_rows = 8; ///< slicing-by-8
#endif
/// Row k, entry b: the CRC contribution of byte b followed by k zero bytes. Row 0 is the
/// byte-at-a-time table; one definition serves it and slicing-by-8.
extern const std::array<std::array<std::uint32_t, 256>, crc32c_table_rows> crc32c_tables;
}  // namespace detail

/// Continues a CRC32C over little-endian 32-bit words, inline: a record's few bytes on an add
/// path, where a call and a general loop would cost more than the four table steps per word.
/// Works on the raw register state (~crc), which a caller that keeps a running CRC can store
/// as it is and invert once at the end: crc32c(data, n, c) == ~crc32c_update_words(data, ~c).
template <std::size_t Words>
[[gnu::always_inline]] inline std::uint32_t crc32c_update_words(const std::uint32_t* words, std::uint32_t state) noexcept {
#pragma GCC unroll 4
    for (std::size_t w = 0; w < Words; ++w) {
        state ^= words[w];
        state = (state >> 8) ^ detail::crc32c_tables[0][state & 0xFFu];
        state = (state >> 8) ^ detail::crc32c_tables[0][state & 0xFFu];
        state = (state >> 8) ^ detail::crc32c_tables[0][state & 0xFFu];
        state = (state >> 8) ^ detail::crc32c_tables[0][state & 0xFFu];
    }
    return state;
}

}  // namespace ss

#endif  // SS_CRC32C_HPP
