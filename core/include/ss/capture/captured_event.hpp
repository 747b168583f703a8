// A decoded value on its way to an event record: which channel (sensor) it belongs to, the value
// and the timestamp the time base gave it.
#pragma once

#include <cstdint>

#include "ss/capture/timestamp.hpp"
#include "ss/sensor_storage.h"

namespace ss::capture {

/// The store's event record (003 §3): value + raw 64-bit ms timestamp, 12 bytes.
using EventRecord = ::SsEventRecord;

/// One decoded value with its destination and timestamp.
struct CapturedEvent {
    std::uint32_t channel = 0; ///< UART: the frame's channel byte; CAN: the matching signal's `channel`
    std::uint32_t value = 0;   ///< raw 32-bit value (signed values as two's complement)
    Timestamp timestamp{};     ///< ms and which clock they are on

    /// The record to store: the value and the raw timestamp (no domain flag, 003 §1).
    EventRecord record() const noexcept {
        EventRecord r{};
        r.value = value;
        r.ts_ms = timestamp.ms;
        return r;
    }
};

} // namespace ss::capture
