// A CAN receiver delivering frames one at a time, shaped after STM32
// HAL_CAN_RxFifo0MsgPendingCallback (bxCAN) / HAL_FDCAN_RxFifo0Callback: the callback gets one
// received frame with its reception time on the monotonic clock.
#pragma once

#include <cstdint>

#include "ss/capture/can_frame.hpp"
#include "ss/hal/capture/lateness.hpp"

namespace ss::capture {

/// Called for every received frame, from the CAN interrupt (STM32) or the source's thread.
using CanRxFn = void (*)(void* ctx, const CanFrame& frame) noexcept;

/// Counters of a CAN source since its last start().
struct CanStats {
    std::uint64_t frames = 0;    ///< frames delivered
    std::uint64_t errors = 0;    ///< receive errors (the frame, if any, was not delivered)
    int last_error = 0;          ///< negative errno of the latest receive error, 0 if none
    LatenessStats lateness;      ///< callback time vs the frame's reception time
};

/// A source of received CAN frames.
class CanSource {
public:
    virtual ~CanSource() = default;

    /// Starts delivering frames to `fn`. Returns 0 or a negative errno value (-EBUSY if running;
    /// each source documents its others). On failure nothing is left running.
    virtual int start(CanRxFn fn, void* ctx) noexcept = 0;
    /// Stops delivering; no callback runs after it returns (except when called from the
    /// callback, which only asks the source to stop). Idempotent.
    virtual void stop() noexcept = 0;
    /// true between a successful start() and stop().
    virtual bool running() const noexcept = 0;
    /// Counters since the last start(); safe to read while running.
    virtual CanStats stats() const noexcept = 0;
};

} // namespace ss::capture
