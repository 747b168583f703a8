// A fixed-size latency histogram: 2 µs buckets up to 128 µs (where the capture side's target of
// 50 µs lives), then buckets doubling up to about 2.3 hours. One writer, any number of readers;
// no heap, 32-bit counters (lock-free on a Cortex-M4 too).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace ss::capture {

class LatencyHistogram {
public:
    /// Linear buckets of `linear_width_us` up to `linear_limit_us`, then one per power of two.
    static constexpr std::uint32_t linear_width_us = 2;
    static constexpr std::uint32_t linear_limit_us = 128;
    static constexpr std::uint32_t linear_buckets = linear_limit_us / linear_width_us;
    static constexpr std::uint32_t log_buckets = 26; // [2^7, 2^8) µs ... [2^32, ∞)
    static constexpr std::uint32_t buckets = linear_buckets + log_buckets;

    LatencyHistogram() noexcept { reset(); }
    LatencyHistogram(const LatencyHistogram&) = delete;
    LatencyHistogram& operator=(const LatencyHistogram&) = delete;

    /// Writer: counts one latency.
    void record(std::uint64_t us) noexcept {
        auto& b = counts_[bucket_of(us)];
        b.store(b.load(std::memory_order_relaxed) + 1u, std::memory_order_relaxed);
        const auto clipped = static_cast<std::uint32_t>(us > 0xFFFF'FFFFu ? 0xFFFF'FFFFu : us);
        if (clipped > max_.load(std::memory_order_relaxed)) max_.store(clipped, std::memory_order_relaxed);
        total_.store(total_.load(std::memory_order_relaxed) + 1u, std::memory_order_relaxed);
    }

    /// Writer (or with the writer stopped): forgets everything.
    void reset() noexcept {
        for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
        max_.store(0, std::memory_order_relaxed);
        total_.store(0, std::memory_order_relaxed);
    }

    /// Latencies counted (wraps after 2^32).
    std::uint32_t count() const noexcept { return total_.load(std::memory_order_relaxed); }

    /// The largest latency counted, exactly (µs, clipped to 32 bits).
    std::uint32_t max_us() const noexcept { return max_.load(std::memory_order_relaxed); }

    /// An upper bound of the q-quantile (0 < q ≤ 1): the upper edge of the bucket it falls in,
    /// never more than the exact maximum. 0 when nothing was counted.
    std::uint64_t quantile_us(double q) const noexcept {
        std::uint64_t n = 0;
        std::array<std::uint32_t, buckets> snap{};
        for (std::uint32_t i = 0; i < buckets; ++i) n += snap[i] = counts_[i].load(std::memory_order_relaxed);
        if (n == 0) return 0;
        auto rank = static_cast<std::uint64_t>(q * static_cast<double>(n));
        if (rank == 0) rank = 1;
        std::uint64_t seen = 0;
        for (std::uint32_t i = 0; i < buckets; ++i) {
            seen += snap[i];
            if (seen >= rank) {
                const std::uint64_t edge = upper_edge_us(i);
                return edge < max_us() ? edge : max_us();
            }
        }
        return max_us();
    }

    /// Bucket i's count (for printing a distribution).
    std::uint32_t bucket(std::uint32_t i) const noexcept { return counts_[i].load(std::memory_order_relaxed); }

    /// The bucket a latency falls in.
    static constexpr std::uint32_t bucket_of(std::uint64_t us) noexcept {
        if (us < linear_limit_us) return static_cast<std::uint32_t>(us / linear_width_us);
        std::uint32_t log2 = 0;
        for (std::uint64_t v = us; v > 1; v >>= 1) ++log2;
        const std::uint32_t i = linear_buckets + (log2 - 7);
        return i < buckets ? i : buckets - 1;
    }

    /// The first latency past bucket i (its exclusive upper edge).
    static constexpr std::uint64_t upper_edge_us(std::uint32_t i) noexcept {
        if (i < linear_buckets) return std::uint64_t{i + 1} * linear_width_us;
        return std::uint64_t{1} << (8 + (i - linear_buckets));
    }

private:
    std::atomic<std::uint32_t> counts_[buckets];
    std::atomic<std::uint32_t> max_;
    std::atomic<std::uint32_t> total_;
};

} // namespace ss::capture
