// Accumulates LatenessStats from the device thread while other threads read them.
// Internal to the capture sources; not an API.
#pragma once

#include <atomic>
#include <cstdint>

#include "ss/hal/capture/lateness.hpp"

namespace ss::capture::detail {

/// One writer (the device thread), any number of readers.
class LatenessMeter {
public:
    /// Back to zero; only while the device thread is not running.
    void reset() noexcept {
        events_.store(0, std::memory_order_relaxed);
        max_ns_.store(0, std::memory_order_relaxed);
        total_ns_.store(0, std::memory_order_relaxed);
    }
    /// One event delivered `late_ns` after its ideal time.
    void record(std::uint64_t late_ns) noexcept {
        // Single writer: plain load + store is enough and cheaper than read-modify-write.
        if (late_ns > max_ns_.load(std::memory_order_relaxed)) max_ns_.store(late_ns, std::memory_order_relaxed);
        total_ns_.store(total_ns_.load(std::memory_order_relaxed) + late_ns, std::memory_order_relaxed);
        events_.store(events_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    /// The figures so far, in µs (each read on its own: a concurrent reader may see one event
    /// counted in one field and not yet in another).
    LatenessStats snapshot() const noexcept {
        LatenessStats s;
        s.events = events_.load(std::memory_order_relaxed);
        s.max_us = max_ns_.load(std::memory_order_relaxed) / 1000;
        s.total_us = total_ns_.load(std::memory_order_relaxed) / 1000;
        return s;
    }

private:
    std::atomic<std::uint64_t> events_{0};
    std::atomic<std::uint64_t> max_ns_{0};
    std::atomic<std::uint64_t> total_ns_{0};
};

} // namespace ss::capture::detail
