// The records the uplink image stores, a pure function of (sensor, seq) that the host peer
// (uplink_peer.py, record_value) computes the same way, so the peer can tell a record that
// arrived changed, twice or out of order. Squares modulo 4096 make the deltas vary as a 12-bit
// ADC's would, so the compact codec's varints are of realistic length.
#pragma once

#include <cstdint>

namespace ss::stm32::uplink_app {

constexpr std::uint32_t record_value(std::uint32_t sensor, std::uint64_t seq) noexcept {
    return 1000u * sensor + static_cast<std::uint32_t>((seq * seq) % 4096u);
}

} // namespace ss::stm32::uplink_app
