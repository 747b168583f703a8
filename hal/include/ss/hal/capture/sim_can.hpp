// A simulated CAN bus that delivers frames at a configured rate, cycling through a set of
// identifiers, with payloads from a generator and optional bus-load jitter. Each frame carries its
// reception time (as a controller's hardware timestamp would); the callback fires at that time.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>

#include "ss/hal/capture/can.hpp"
#include "ss/hal/capture/detail/device_thread.hpp"
#include "ss/hal/capture/detail/lateness_meter.hpp"

namespace ss::capture {

/// Fills frame's dlc and data for the `index`-th frame since start (id, extended and timestamp are
/// already set). Called on the simulation's thread.
using CanPayloadFn = void (*)(void* ctx, std::uint64_t index, CanFrame& frame) noexcept;

/// Configuration of a simulated CAN bus. Checked by start().
struct SimCanConfig {
    /// Most identifiers one simulation cycles through.
    static constexpr std::size_t max_ids = 64;

    std::uint32_t frames_per_second = 1000; ///< 1..100 000 (classic CAN at 1 Mbit/s carries < 22 000)
    std::span<const std::uint32_t> ids;     ///< frame k has ids[k % ids.size()]; 1..max_ids, copied
    bool extended = false;                  ///< 29-bit identifiers (else 11-bit)
    /// Bus load: each frame is delayed by a uniform [0, jitter_us] µs after its nominal time
    /// (frames keep their order). 0 = exactly periodic.
    std::uint32_t jitter_us = 0;
    std::uint64_t seed = 1; ///< for the jitter
    /// nullptr: dlc 8, bytes 0..3 = how many frames this id had before (little endian), bytes
    /// 4..7 = the frame's index since start (little endian, low 32 bits).
    CanPayloadFn payload = nullptr;
    void* payload_ctx = nullptr;
};

/// The POSIX simulation of a CAN receiver.
class SimCan final : public CanSource {
public:
    /// Keeps a copy of cfg (and of its ids); nothing runs until start().
    explicit SimCan(const SimCanConfig& cfg) noexcept;
    /// Stops the simulation first if it is running.
    ~SimCan() override;
    SimCan(const SimCan&) = delete;
    SimCan& operator=(const SimCan&) = delete;

    /// Returns 0, -EINVAL (bad configuration or null fn), -EBUSY or -EAGAIN.
    int start(CanRxFn fn, void* ctx) noexcept override;
    void stop() noexcept override;
    bool running() const noexcept override { return thread_.running(); }
    CanStats stats() const noexcept override;

private:
    void run() noexcept;

    SimCanConfig cfg_;
    std::uint32_t ids_[SimCanConfig::max_ids] = {};
    std::size_t id_count_ = 0;
    bool ids_fit_ = true;
    CanRxFn fn_ = nullptr;
    void* ctx_ = nullptr;

    std::atomic<std::uint64_t> frames_{0};
    detail::LatenessMeter lateness_;
    detail::DeviceThread thread_;
};

} // namespace ss::capture
