// A simulated serial line for the uplink's tests and benchmark: one direction of a USART, one
// byte per tick (a tick is a byte time: 10 bits at the baud rate), each byte arriving a fixed
// latency later, with seeded faults applied as bytes enter it: dropped, bit-flipped and
// duplicated bytes, inserted garbage, and bursts of lost or garbled bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <random>
#include <utility>

namespace ss::test {

/// Probabilities per byte entering the line.
struct LineFaults {
    double drop = 0;
    double flip = 0;      ///< one bit of the byte inverted
    double duplicate = 0; ///< the byte arrives twice
    double garbage = 0;   ///< 1..8 random bytes arrive before it
    double burst = 0;     ///< the byte and up to 63 after it are dropped or replaced by noise
    bool any() const noexcept { return drop + flip + duplicate + garbage + burst > 0; }
};

class SimLine {
public:
    SimLine(std::uint64_t latency_ticks, std::uint64_t seed) : latency_(latency_ticks), rng_(seed) {}

    /// The byte the far end sent at `tick`, subject to `faults`.
    void send(std::byte b, std::uint64_t tick, const LineFaults& faults) {
        const std::uint64_t at = tick + latency_;
        if (burst_left_ > 0) {
            --burst_left_;
            ++faulted_;
            if (burst_drops_) return;
            queue_.emplace_back(at, std::byte(rng_()));
            return;
        }
        if (faults.any()) {
            if (chance(faults.burst)) {
                burst_left_ = rng_() % 64;
                burst_drops_ = rng_() % 2 == 0;
                ++faulted_;
                return;
            }
            if (chance(faults.drop)) {
                ++faulted_;
                return;
            }
            if (chance(faults.garbage)) {
                ++faulted_;
                for (std::uint32_t n = 1 + rng_() % 8; n > 0; --n) queue_.emplace_back(at, std::byte(rng_()));
            }
            if (chance(faults.flip)) {
                ++faulted_;
                b ^= std::byte(1u << (rng_() % 8));
            }
            if (chance(faults.duplicate)) {
                ++faulted_;
                queue_.emplace_back(at, b);
            }
        }
        queue_.emplace_back(at, b);
    }

    /// The next byte that has arrived by `tick`, if any.
    bool receive(std::uint64_t tick, std::byte& out) {
        if (queue_.empty() || queue_.front().first > tick) return false;
        out = queue_.front().second;
        queue_.pop_front();
        return true;
    }

    bool idle() const noexcept { return queue_.empty(); }
    std::uint64_t faulted() const noexcept { return faulted_; }

private:
    bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

    std::uint64_t latency_;
    std::mt19937_64 rng_;
    std::deque<std::pair<std::uint64_t, std::byte>> queue_;
    std::uint32_t burst_left_ = 0;
    bool burst_drops_ = false;
    std::uint64_t faulted_ = 0;
};

} // namespace ss::test
