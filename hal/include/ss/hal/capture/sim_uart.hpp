// A simulated UART receiver that behaves like ReceiveToIdle circular DMA in real time: bytes
// arrive at the configured baud rate (10 bits per byte: start, 8 data, stop), in bursts that a
// caller-supplied generator makes up, with idle gaps between them; the receive events fire when the
// hardware would raise them. Any protocol can be simulated by its generator.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/hal/capture/detail/device_thread.hpp"
#include "ss/hal/capture/detail/lateness_meter.hpp"
#include "ss/hal/capture/uart.hpp"

namespace ss::capture {

/// One burst from a UART generator.
struct UartBurst {
    std::size_t length = 0;    ///< bytes written to the generator's `out`, <= its capacity
    std::uint32_t idle_us = 0; ///< line idle time after the burst; under one character time, the
                               ///< next burst follows without an idle event
};

/// Makes the next burst: writes up to `capacity` bytes to `out`. Called on the simulation's thread.
/// A burst longer than capacity is sent as several calls with idle_us = 0 between them.
/// Returning {0, 0} ends the stream: the line stays idle until stop().
using UartGeneratorFn = UartBurst (*)(void* ctx, std::uint8_t* out, std::size_t capacity) noexcept;

/// Configuration of a simulated UART receiver. Checked by start().
struct SimUartConfig {
    std::uint32_t baud = 115'200;        ///< bits per second, 300..10 000 000
    UartGeneratorFn generator = nullptr; ///< the sender on the other end of the line
    void* generator_ctx = nullptr;
};

/// The POSIX simulation of a UART receiving to idle by circular DMA.
class SimUart final : public UartReceiver {
public:
    /// Bytes the generator may write per call.
    static constexpr std::size_t burst_capacity = 256;

    /// Keeps a copy of cfg; nothing runs until start().
    explicit SimUart(const SimUartConfig& cfg) noexcept;
    /// Stops the simulation first if it is running.
    ~SimUart() override;
    SimUart(const SimUart&) = delete;
    SimUart& operator=(const SimUart&) = delete;

    int start(std::span<std::uint8_t> buffer, UartRxFn fn, void* ctx) noexcept override;
    void stop() noexcept override;
    bool running() const noexcept override { return thread_.running(); }
    void consumed(std::size_t total_read) noexcept override;
    UartStats stats() const noexcept override;

private:
    void run() noexcept;

    SimUartConfig cfg_;
    std::uint8_t* buffer_ = nullptr;
    std::size_t size_ = 0;
    UartRxFn fn_ = nullptr;
    void* ctx_ = nullptr;
    std::uint8_t burst_[burst_capacity] = {};

    std::atomic<std::size_t> read_total_{0};
    std::atomic<std::uint64_t> bytes_received_{0};
    std::atomic<std::uint64_t> bytes_dropped_{0};
    std::atomic<std::uint64_t> overruns_{0};
    std::atomic<std::uint64_t> events_{0};
    detail::LatenessMeter lateness_;
    detail::DeviceThread thread_;
};

} // namespace ss::capture
