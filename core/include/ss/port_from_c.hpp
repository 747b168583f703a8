// The core's platform (ss/port.hpp) made from a port a C firmware supplies (ss/port.h). The
// ss_port_c library defines ss::port::platform() with it; it is declared here so that the
// conversion and its checks can be tested on their own.
#pragma once

#include "ss/port.h"
#include "ss/port.hpp"

namespace ss::port {

/// The platform `port` describes: every field copied, the lock's shared flag included, no heap
/// and no cold tier. A port that breaks a rule of ss/port.h (nullptr, a lock of non-zero size
/// with a null function, size over 4096, an alignment that is not a power of two or exceeds the
/// store's) gives a platform without lock, clock or sink whose `defect` names the rule broken.
/// An alignment of 0 is taken as 1.
Platform platform_from_c(const SsPort* port) noexcept;

} // namespace ss::port
