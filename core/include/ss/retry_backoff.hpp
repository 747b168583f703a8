// When to send a batch again after a failed attempt: full-jitter exponential backoff, as mature
// HTTP clients do (design.md §9) — a delay drawn uniformly from [0, min(cap, base · 2^attempt)),
// so that many gateways that lost the same server do not come back in step. A receiver's own
// Retry-After wins when it asks for longer. Deterministic for a given seed, so tests can name
// the exact times.
#pragma once

#include <cstdint>

namespace ss {

class RetryBackoff {
public:
    constexpr RetryBackoff(std::uint32_t base_ms, std::uint32_t cap_ms, std::uint64_t seed) noexcept
        : base_ms_(base_ms), cap_ms_(cap_ms), state_(seed | 1) {}

    /// The delay before attempt number `failures` + 1, after `failures` failed attempts
    /// (failures >= 1), at least retry_after_ms.
    std::uint32_t delay_ms(std::uint32_t failures, std::uint32_t retry_after_ms) noexcept {
        const std::uint32_t ceiling = ceiling_ms(failures);
        const auto drawn = static_cast<std::uint32_t>(ceiling == 0 ? 0 : next() % ceiling);
        return drawn > retry_after_ms ? drawn : retry_after_ms;
    }
    /// The largest delay attempt `failures` + 1 may get (without a Retry-After).
    std::uint32_t ceiling_ms(std::uint32_t failures) const noexcept {
        std::uint64_t ceiling = base_ms_;
        for (std::uint32_t i = 1; i < failures && ceiling < cap_ms_; ++i) ceiling *= 2;
        return static_cast<std::uint32_t>(ceiling > cap_ms_ ? cap_ms_ : ceiling);
    }

private:
    // xorshift64*: a small, well-mixed generator; no <random> in the core.
    std::uint64_t next() noexcept {
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        return state_ * 0x2545F4914F6CDD1Dull;
    }

    std::uint32_t base_ms_;
    std::uint32_t cap_ms_;
    std::uint64_t state_;
};

} // namespace ss
