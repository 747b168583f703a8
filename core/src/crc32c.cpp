#include "ss/crc32c.hpp"

#if defined(__x86_64__)
#include <cstring>
#include <cpuid.h>
#include <nmmintrin.h>
#if !defined(__SSE4_2__)
#include <atomic>
#endif
#endif

// Little-endian aarch64 only: the 8-byte step feeds the instruction a word loaded in memory order.
#if defined(__aarch64__) && !defined(__ARM_BIG_ENDIAN)
#define SS_CRC32C_ARMV8 1
#include <arm_acle.h>
#include <cstring>
#if !defined(__ARM_FEATURE_CRC32)
#include <atomic>

#include "ss/port.hpp"
#endif
#endif

namespace ss {
namespace {

constexpr std::uint32_t castagnoli_polynomial_reflected = 0x82F63B78u;

// Slicing-by-8: entries[k][b] is the CRC contribution of byte b followed by k zero bytes.
// Eight independent lookups per 8 input bytes replace a chain of eight dependent ones, which
// is what lets the table path approach one byte per cycle. Bare metal keeps row 0 only.
using CrcTables = std::array<std::array<std::uint32_t, 256>, detail::crc32c_table_rows>;

consteval CrcTables make_crc_tables() {
    CrcTables tables{};
    for (std::uint32_t byte = 0; byte < 256; ++byte) {
        std::uint32_t remainder = byte;
        for (int bit = 0; bit < 8; ++bit) {
            remainder = (remainder >> 1) ^ ((remainder & 1u) != 0 ? castagnoli_polynomial_reflected : 0u);
        }
        tables[0][byte] = remainder;
    }
    for (std::size_t zero_bytes = 1; zero_bytes < tables.size(); ++zero_bytes) {
        for (std::uint32_t byte = 0; byte < 256; ++byte) {
            const std::uint32_t shorter = tables[zero_bytes - 1][byte];
            tables[zero_bytes][byte] = (shorter >> 8) ^ tables[0][shorter & 0xFFu];
        }
    }
    return tables;
}

// Assembled from single bytes so that it is correct on any endianness and never performs a
// misaligned access; GCC merges it into one load where the target allows unaligned loads.
constexpr std::uint32_t load_little_endian_32(const unsigned char* bytes) noexcept {
    return std::uint32_t{bytes[0]} | (std::uint32_t{bytes[1]} << 8) | (std::uint32_t{bytes[2]} << 16) |
           (std::uint32_t{bytes[3]} << 24);
}

#if defined(__x86_64__)

// The crc32 instruction takes 3 cycles but a new one can start every cycle: three independent
// chains, over three consecutive blocks of this many bytes, run about three times as fast as one
// chain. 3 × 336 × 4 + 48 covers a 4 KiB sector's 4080-byte payload with little left over.
constexpr std::size_t interleave_block = 336;

// A CRC state carried across `zero_bytes` zero bytes, which is linear in the state: entries[k][b]
// is the result for byte b at bit 8k of the state, so any state takes four lookups. This joins
// the chains: crc(s, A B) = shift(crc(s, A), |B|) ^ crc(0, B).
struct ShiftTables {
    std::uint32_t entries[4][256];
};

consteval ShiftTables make_shift_tables(std::size_t zero_bytes) {
    // A plain array: std::array's operator[] would exceed the compiler's constexpr step limit.
    std::uint32_t byte_table[256] = {};
    const CrcTables crc_tables = make_crc_tables();
    for (std::size_t b = 0; b < 256; ++b) byte_table[b] = crc_tables[0][b];
    ShiftTables tables{};
    for (int k = 0; k < 4; ++k) {
        for (std::uint32_t byte = 0; byte < 256; ++byte) {
            std::uint32_t state = byte << (8 * k);
            for (std::size_t i = 0; i < zero_bytes; ++i) {
                state = (state >> 8) ^ byte_table[state & 0xFFu];
            }
            tables.entries[k][byte] = state;
        }
    }
    return tables;
}

constexpr ShiftTables block_shift_tables = make_shift_tables(interleave_block);

constexpr std::uint64_t shift_past_block(std::uint64_t state) noexcept {
    const auto& t = block_shift_tables.entries;
    return t[0][state & 0xFFu] ^ t[1][(state >> 8) & 0xFFu] ^ t[2][(state >> 16) & 0xFFu] ^ t[3][(state >> 24) & 0xFFu];
}

__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(const unsigned char* bytes, std::size_t len,
                                                             std::uint32_t crc) noexcept {
    std::uint32_t state = ~crc;
    // Aligning first keeps the 8-byte loads from straddling cache lines.
    while (len > 0 && reinterpret_cast<std::uintptr_t>(bytes) % 8 != 0) {
        state = _mm_crc32_u8(state, *bytes);
        ++bytes;
        --len;
    }
    std::uint64_t wide_state = state;
    for (; len >= 3 * interleave_block; bytes += 3 * interleave_block, len -= 3 * interleave_block) {
        std::uint64_t second = 0;
        std::uint64_t third = 0;
        for (std::size_t i = 0; i < interleave_block; i += 8) {
            std::uint64_t a, b, c;
            std::memcpy(&a, bytes + i, sizeof a);
            std::memcpy(&b, bytes + interleave_block + i, sizeof b);
            std::memcpy(&c, bytes + 2 * interleave_block + i, sizeof c);
            wide_state = _mm_crc32_u64(wide_state, a);
            second = _mm_crc32_u64(second, b);
            third = _mm_crc32_u64(third, c);
        }
        wide_state = shift_past_block(shift_past_block(wide_state) ^ second) ^ third;
    }
    for (; len >= 8; bytes += 8, len -= 8) {
        std::uint64_t word;
        std::memcpy(&word, bytes, sizeof word);
        wide_state = _mm_crc32_u64(wide_state, word);
    }
    // The 64-bit instruction zero-extends its 32-bit CRC, so nothing is lost here.
    state = static_cast<std::uint32_t>(wide_state);
    for (; len > 0; ++bytes, --len) {
        state = _mm_crc32_u8(state, *bytes);
    }
    return ~state;
}

#if !defined(__SSE4_2__)

// cpuid rather than __builtin_cpu_supports: the latter reads data that a libgcc constructor
// fills in, so a check during static initialisation could see "no SSE4.2" and cache it for
// good. SSE4.2 adds no OS-managed register state, so the CPUID bit alone is sufficient.
bool cpu_has_sse42() noexcept {
    unsigned int eax = 0;
    unsigned int ebx = 0;
    unsigned int ecx = 0;
    unsigned int edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) {
        return false;
    }
    return (ecx & bit_SSE4_2) != 0;
}

enum SseProbeResult : int { sse42_not_probed = 0, sse42_absent = 1, sse42_present = 2 };

// Constant-initialised, so no guard variable is needed and it is valid before any
// constructor runs. Relaxed ordering suffices: racing threads at worst each run the same
// idempotent probe and store the same answer.
constinit std::atomic<int> sse42_probe_result{sse42_not_probed};

#endif  // !__SSE4_2__
#endif  // __x86_64__

#if defined(SS_CRC32C_ARMV8)

// The ARMv8 CRC32 extension (optional in ARMv8.0, standard from ARMv8.1), enabled for this
// function alone so that a build for the ARMv8.0 baseline still runs on cores without it.
__attribute__((target("+crc"))) std::uint32_t crc32c_armv8(const unsigned char* bytes, std::size_t len,
                                                         std::uint32_t crc) noexcept {
    std::uint32_t state = ~crc;
    // Aligning first keeps the 8-byte loads from straddling cache lines.
    while (len > 0 && reinterpret_cast<std::uintptr_t>(bytes) % 8 != 0) {
        state = __crc32cb(state, *bytes);
        ++bytes;
        --len;
    }
    for (; len >= 8; bytes += 8, len -= 8) {
        std::uint64_t word;
        std::memcpy(&word, bytes, sizeof word);
        state = __crc32cd(state, word);
    }
    for (; len > 0; ++bytes, --len) {
        state = __crc32cb(state, *bytes);
    }
    return ~state;
}

#if !defined(__ARM_FEATURE_CRC32)

// Only the OS can read the register that says whether the extension is there, so the core asks
// its port (ss/port.hpp): no OS call here. Cached like the SSE4.2 probe, for the same reasons.
enum CrcProbeResult : int { crc32_not_probed = 0, crc32_absent = 1, crc32_present = 2 };
constinit std::atomic<int> crc32_probe_result{crc32_not_probed};

bool port_says_cpu_has_crc32c() noexcept {
    const auto probe = ss::port::platform().cpu_has_crc32c;
    return probe != nullptr && probe();
}

#endif  // !__ARM_FEATURE_CRC32
#endif  // SS_CRC32C_ARMV8

}  // namespace

constinit const CrcTables detail::crc32c_tables = make_crc_tables();

std::uint32_t crc32c_portable(const void* data, std::size_t len, std::uint32_t crc) noexcept {
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::uint32_t state = ~crc;
#if defined(__ARM_ARCH) && !defined(__linux__)
    // Bare metal: the 1 KiB table (see crc32c_table_rows), a word at a time.
    for (; len >= 4; bytes += 4, len -= 4) {
        state ^= load_little_endian_32(bytes);
        // Written out: -Os keeps a loop here, which costs as much again as the table steps.
        state = (state >> 8) ^ detail::crc32c_tables[0][state & 0xFFu];
        state = (state >> 8) ^ detail::crc32c_tables[0][state & 0xFFu];
        state = (state >> 8) ^ detail::crc32c_tables[0][state & 0xFFu];
        state = (state >> 8) ^ detail::crc32c_tables[0][state & 0xFFu];
    }
    for (; len > 0; ++bytes, --len) state = (state >> 8) ^ detail::crc32c_tables[0][(state ^ *bytes) & 0xFFu];
#else
    const auto& table = detail::crc32c_tables;
    for (; len >= 8; bytes += 8, len -= 8) {
        const std::uint32_t low = state ^ load_little_endian_32(bytes);
        const std::uint32_t high = load_little_endian_32(bytes + 4);
        state = table[7][low & 0xFFu] ^ table[6][(low >> 8) & 0xFFu] ^ table[5][(low >> 16) & 0xFFu] ^
                table[4][low >> 24] ^ table[3][high & 0xFFu] ^ table[2][(high >> 8) & 0xFFu] ^
                table[1][(high >> 16) & 0xFFu] ^ table[0][high >> 24];
    }
    for (; len > 0; ++bytes, --len) {
        state = (state >> 8) ^ table[0][(state ^ *bytes) & 0xFFu];
    }
#endif
    return ~state;
}

bool crc32c_hardware_available() noexcept {
#if defined(__x86_64__) && defined(__SSE4_2__)
    return true;
#elif defined(__x86_64__)
    int probe_result = sse42_probe_result.load(std::memory_order_relaxed);
    if (probe_result == sse42_not_probed) {
        probe_result = cpu_has_sse42() ? sse42_present : sse42_absent;
        sse42_probe_result.store(probe_result, std::memory_order_relaxed);
    }
    return probe_result == sse42_present;
#elif defined(SS_CRC32C_ARMV8) && defined(__ARM_FEATURE_CRC32)
    return true;
#elif defined(SS_CRC32C_ARMV8)
    int probe_result = crc32_probe_result.load(std::memory_order_relaxed);
    if (probe_result == crc32_not_probed) {
        probe_result = port_says_cpu_has_crc32c() ? crc32_present : crc32_absent;
        crc32_probe_result.store(probe_result, std::memory_order_relaxed);
    }
    return probe_result == crc32_present;
#else
    return false;
#endif
}

std::uint32_t crc32c_hardware(const void* data, std::size_t len, std::uint32_t crc) noexcept {
#if defined(__x86_64__)
    return crc32c_sse42(static_cast<const unsigned char*>(data), len, crc);
#elif defined(SS_CRC32C_ARMV8)
    return crc32c_armv8(static_cast<const unsigned char*>(data), len, crc);
#else
    return crc32c_portable(data, len, crc);
#endif
}

std::uint32_t crc32c(const void* data, std::size_t len, std::uint32_t crc) noexcept {
    if (crc32c_hardware_available()) {
        return crc32c_hardware(data, len, crc);
    }
    return crc32c_portable(data, len, crc);
}

}  // namespace ss
