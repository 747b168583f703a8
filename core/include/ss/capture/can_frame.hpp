// One received CAN frame, as every CAN source (simulated, SocketCAN, STM32 bxCAN/FDCAN) delivers
// it and as the CAN decoder reads it. Classic CAN only: 8 data bytes at most.
#pragma once

#include <cstdint>

namespace ss::capture {

/// A classic CAN 2.0 frame with the time its reception completed.
struct CanFrame {
    std::uint32_t id = 0;           ///< 11-bit standard or 29-bit extended identifier
    bool extended = false;          ///< true: 29-bit identifier
    bool remote = false;            ///< remote transmission request (no data)
    std::uint8_t dlc = 0;           ///< data length code, 0..8
    std::uint8_t data[8] = {};      ///< payload; bytes at and past dlc are zero
    std::uint64_t timestamp_us = 0; ///< monotonic microseconds at reception (source's clock)
};

/// Largest identifier for each format.
inline constexpr std::uint32_t can_max_standard_id = 0x7FFu;
inline constexpr std::uint32_t can_max_extended_id = 0x1FFF'FFFFu;

} // namespace ss::capture
