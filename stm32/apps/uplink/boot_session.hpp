// The uplink session of this boot: a counter in RAM that startup leaves alone (.noinit), so a
// reset without power loss gives the next value and the gateway sees a new session
// (docs/uplink-protocol.md, "Sessions"). After power-up the RAM holds noise; a magic word tells
// a counter from noise, and noise starts the counter from a value of its own.
#pragma once

#include <cstdint>

namespace ss::stm32::uplink_app {

/// Advances the counter once per boot and returns the session value for this boot.
std::uint32_t next_boot_session() noexcept;

} // namespace ss::stm32::uplink_app
