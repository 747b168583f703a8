// What every driver test prints and counts: one line per check ("ok" or "FAIL"), a figure per
// measurement, and the number of failures that becomes the image's exit status.
#pragma once

#include <cstdint>

#include "semihosting.hpp"
#include "ss/port.hpp"

namespace ss::stm32 {
void start_systick(std::uint32_t cpu_hz) noexcept;
}

namespace ss::stm32::test {

inline int failures = 0;

inline void check(bool ok, const char* what) noexcept {
    host_write(ok ? "ok   " : "FAIL ");
    host_write(what);
    host_write("\n");
    if (!ok) ++failures;
}

inline void figure(const char* name, std::uint64_t value) noexcept {
    host_write("     ");
    host_write(name);
    host_write(" = ");
    host_write_u64(value);
    host_write("\n");
}

/// Milliseconds since start_systick (the port's SysTick clock, on QEMU's virtual clock).
inline std::uint64_t now_ms() noexcept { return ss::port::platform().monotonic_ms(); }

/// Waits until `done()` or `timeout_ms` have passed; true if done.
template <class Done>
bool wait_for(Done done, std::uint64_t timeout_ms) noexcept {
    const std::uint64_t end = now_ms() + timeout_ms;
    while (!done())
        if (now_ms() >= end) return done();
    return true;
}

} // namespace ss::stm32::test
