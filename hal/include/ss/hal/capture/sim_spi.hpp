// A simulated SPI master with DMA: a transfer takes as long as its bits take at the configured
// clock, then the slave's answer is in the receive buffer and the completion callback fires. The
// slave is a caller-supplied device function (e.g. a simulated SPI ADC streaming samples).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>

#include "ss/hal/capture/detail/device_thread.hpp"
#include "ss/hal/capture/detail/lateness_meter.hpp"
#include "ss/hal/capture/spi.hpp"

namespace ss::capture {

/// The slave: given the bytes the master sends (mosi), writes the bytes it answers (miso), both of
/// n bytes. Called on the simulation's thread once per transfer, at its end.
using SpiDeviceFn = void (*)(void* ctx, const std::uint8_t* mosi, std::uint8_t* miso, std::size_t n) noexcept;

/// Configuration of a simulated SPI master. Checked by start().
struct SimSpiConfig {
    std::uint32_t clock_hz = 10'000'000; ///< SCK frequency = bits per second, 1 000..100 000 000
    SpiDeviceFn device = nullptr;        ///< the slave on the bus
    void* device_ctx = nullptr;
};

/// The POSIX simulation of a full-duplex SPI master with DMA.
class SimSpi final : public SpiMaster {
public:
    /// Keeps a copy of cfg; transfers are refused until start().
    explicit SimSpi(const SimSpiConfig& cfg) noexcept;
    /// Stops the simulation first (a transfer in flight ends with -ECANCELED).
    ~SimSpi() override;
    SimSpi(const SimSpi&) = delete;
    SimSpi& operator=(const SimSpi&) = delete;

    /// Powers the peripheral up: starts its thread and resets the counters. Returns 0, -EINVAL
    /// (bad configuration), -EBUSY (already started) or -EAGAIN (no thread).
    int start() noexcept;
    /// Powers it down; a transfer in flight completes with status -ECANCELED and rx untouched.
    /// No callback runs after it returns (unless called from a callback). Idempotent.
    void stop() noexcept;
    /// true between start() and stop().
    bool running() const noexcept { return thread_.running(); }

    int transfer(std::span<const std::uint8_t> tx, std::span<std::uint8_t> rx, SpiDoneFn fn,
                 void* ctx) noexcept override;
    bool busy() const noexcept override { return busy_.load(std::memory_order_acquire); }
    SpiStats stats() const noexcept override;

private:
    void run() noexcept;

    SimSpiConfig cfg_;
    std::mutex mutex_; // guards the request below
    std::condition_variable wake_;
    const std::uint8_t* tx_ = nullptr;
    std::uint8_t* rx_ = nullptr;
    std::size_t n_ = 0;
    SpiDoneFn fn_ = nullptr;
    void* ctx_ = nullptr;
    std::uint64_t requested_ns_ = 0;
    bool pending_ = false;

    std::atomic<bool> busy_{false};
    std::atomic<std::uint64_t> transfers_{0};
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::uint64_t> cancelled_{0};
    detail::LatenessMeter lateness_;
    detail::DeviceThread thread_;
};

} // namespace ss::capture
