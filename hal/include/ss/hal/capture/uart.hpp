// A UART receiving into a caller-owned circular buffer by DMA, shaped after STM32
// HAL_UARTEx_ReceiveToIdle_DMA in circular mode with HAL_UARTEx_RxEventCallback: the hardware
// writes bytes as they arrive and reports the write position when the line goes idle after a
// burst, when the first half of the buffer is full and when the whole buffer is full (the DMA then
// wraps to the start). Between two events the consumer reads the bytes from its last position up
// to the reported one, wrapping at the end of the buffer.
//
// The consumer reports how much it has read through consumed(). A byte that would land on a slot
// the consumer has not read yet is dropped and counted (overrun): memory software still reads is
// never written. (Circular DMA on STM32 overwrites instead; its driver detects the same condition
// by comparing the DMA position with the consumer's and reports it the same way.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/hal/capture/lateness.hpp"

namespace ss::capture {

/// Why a receive event fired (HAL_UARTEx_GetRxEventType: HT, TC, IDLE).
enum class UartRxEventKind : std::uint8_t {
    half,     ///< the first half of the buffer is full
    complete, ///< the whole buffer is full; the next byte goes to index 0
    idle,     ///< the line went idle for one character time after a burst
};

/// New bytes are waiting in the receive buffer.
struct UartRxEvent {
    /// Bytes from the start of the buffer to the write position, 1..size (HAL's `Size`
    /// argument). size means the write position wrapped to 0.
    std::size_t position = 0;
    UartRxEventKind kind = UartRxEventKind::idle;
    std::uint64_t bytes_dropped = 0; ///< running count of bytes dropped by overrun since start()
    std::uint64_t time_us = 0;       ///< monotonic µs at which the callback fired
};

/// Called for every receive event, from the UART/DMA interrupt (STM32) or the simulation's
/// thread. An event may report no new bytes (STM32 raises IDLE after a burst that ended exactly
/// on a half boundary; the simulation raises IDLE after a burst whose bytes were all dropped, so
/// the consumer learns of the overrun); consumers compute new bytes as the distance from their
/// last position.
using UartRxFn = void (*)(void* ctx, const UartRxEvent& event) noexcept;

/// Counters of a UART receiver since its last start().
struct UartStats {
    std::uint64_t bytes_received = 0; ///< bytes written into the buffer
    std::uint64_t bytes_dropped = 0;  ///< bytes lost because the consumer had not read far enough
    std::uint64_t overruns = 0;       ///< times at least one byte was dropped (each run of drops once)
    std::uint64_t events = 0;         ///< callbacks fired
    LatenessStats lateness;           ///< callback time vs the moment the hardware raised the event
};

/// A UART receiver with a circular DMA buffer and idle-line detection.
class UartReceiver {
public:
    virtual ~UartReceiver() = default;

    /// Starts receiving into `buffer` (even size >= 2, valid until stop() returns). `fn` is
    /// called for every event. Returns 0, -EINVAL, -EBUSY (running) or -EAGAIN (no thread).
    virtual int start(std::span<std::uint8_t> buffer, UartRxFn fn, void* ctx) noexcept = 0;
    /// Stops receiving; no callback runs after it returns (except when called from the callback,
    /// which only asks the receiver to stop). Idempotent.
    virtual void stop() noexcept = 0;
    /// true between start() and stop().
    virtual bool running() const noexcept = 0;
    /// The consumer has read `total_read` bytes since start() (a running count that may wrap
    /// around std::size_t). Any thread may call it; the hardware may reuse those slots.
    virtual void consumed(std::size_t total_read) noexcept = 0;
    /// Counters since the last start(); safe to read while running.
    virtual UartStats stats() const noexcept = 0;
};

} // namespace ss::capture
