// Zigzag coding of the compact codec's deltas: a signed difference as an unsigned number whose
// magnitude follows the difference's (0, -1, 1, -2 ... → 0, 1, 2, 3 ...), so that small steps
// either way take one varint byte. The deltas wrap modulo 2^32 (values) and 2^64 (event times):
// any step, however large, has a code and decodes back exactly.
#pragma once

#include <cstdint>

namespace ss::upload::detail {

constexpr std::uint32_t zigzag32(std::uint32_t delta) noexcept {
    return (delta << 1) ^ (0u - (delta >> 31));
}
constexpr std::uint32_t unzigzag32(std::uint32_t z) noexcept { return (z >> 1) ^ (0u - (z & 1u)); }

constexpr std::uint64_t zigzag64(std::uint64_t delta) noexcept {
    return (delta << 1) ^ (std::uint64_t{0} - (delta >> 63));
}
constexpr std::uint64_t unzigzag64(std::uint64_t z) noexcept { return (z >> 1) ^ (std::uint64_t{0} - (z & 1u)); }

static_assert(zigzag32(0) == 0 && zigzag32(0xFFFFFFFFu) == 1 && zigzag32(1) == 2 && zigzag32(0x80000000u) == 0xFFFFFFFFu);
static_assert(unzigzag32(zigzag32(0x7FFFFFFFu)) == 0x7FFFFFFFu && unzigzag64(zigzag64(~0ull)) == ~0ull);

} // namespace ss::upload::detail
