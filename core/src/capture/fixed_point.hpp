// Q32 fixed-point helpers shared by the capture clocks: 64 × 64 → 128-bit products and quotients
// without __int128 (the Cortex-M4 compiler has none). Private to core/src/capture.
#pragma once

#include <cstdint>
#include <limits>

namespace ss::capture::detail {

/// round(a * q / 2^32), saturated at UINT64_MAX.
inline std::uint64_t mul_q32(std::uint64_t a, std::uint64_t q) noexcept {
    constexpr std::uint64_t low32 = 0xFFFF'FFFFu;
    const std::uint64_t ah = a >> 32, al = a & low32;
    const std::uint64_t qh = q >> 32, ql = q & low32;
    constexpr std::uint64_t saturated = std::numeric_limits<std::uint64_t>::max();
    if (ah != 0 && qh != 0) return saturated; // the product is at least 2^64 · 2^32 / 2^32
    // Each partial product fits 64 bits; only their sum can overflow.
    const std::uint64_t low = al * ql;
    std::uint64_t sum = (low >> 32) + ((low & low32) >= 0x8000'0000u ? 1u : 0u);
    if (__builtin_add_overflow(sum, ah * ql, &sum)) return saturated;
    if (__builtin_add_overflow(sum, al * qh, &sum)) return saturated;
    return sum;
}

/// round(d * q / 2^32) for a signed d (rounded half away from zero), saturated to int64.
inline std::int64_t mul_q32_signed(std::int64_t d, std::uint64_t q) noexcept {
    const bool negative = d < 0;
    const std::uint64_t magnitude = negative ? 0u - static_cast<std::uint64_t>(d) : static_cast<std::uint64_t>(d);
    const std::uint64_t p = mul_q32(magnitude, q);
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    const std::int64_t bounded = static_cast<std::int64_t>(p > max ? max : p);
    return negative ? -bounded : bounded;
}

/// floor(a * 2^32 / b) for b > 0, saturated at UINT64_MAX; a long division, 32 steps.
inline std::uint64_t div_q32(std::uint64_t a, std::uint64_t b) noexcept {
    const std::uint64_t whole = a / b;
    if (whole > 0xFFFF'FFFFu) return std::numeric_limits<std::uint64_t>::max();
    std::uint64_t rest = a % b; // < b
    std::uint64_t fraction = 0;
    for (int bit = 31; bit >= 0; --bit) {
        const bool carry = (rest >> 63) != 0; // rest * 2 may pass 2^64 only when b does too
        rest <<= 1;
        if (carry || rest >= b) {
            rest -= b;
            fraction |= std::uint64_t{1} << bit;
        }
    }
    return (whole << 32) | fraction;
}

/// Sorts a small array in place (insertion sort: no allocation, stable, fine for ≤ 32 values).
template <class T>
void sort_small(T* values, std::uint32_t count) noexcept {
    for (std::uint32_t i = 1; i < count; ++i) {
        const T v = values[i];
        std::uint32_t j = i;
        while (j > 0 && v < values[j - 1]) {
            values[j] = values[j - 1];
            --j;
        }
        values[j] = v;
    }
}

/// The median of count > 0 values (the mean of the middle two, rounded down, for an even count);
/// reorders the array.
inline std::uint64_t median(std::uint64_t* values, std::uint32_t count) noexcept {
    sort_small(values, count);
    const std::uint32_t mid = count / 2;
    if (count % 2 == 1) return values[mid];
    return values[mid - 1] + (values[mid] - values[mid - 1]) / 2;
}

} // namespace ss::capture::detail
