// What every firmware test prints and counts: one line per check ("ok" or "FAIL", with what
// was expected and what came when they differ), a line per figure worth seeing, and the number
// of failures that becomes the image's exit status. Shared by the tests of every part of the
// port (tests/, sched/, drivers/, apps/); ss_firmware_test puts this directory on their path.
#pragma once

#include <cstdint>

#include "semihosting.hpp"
#include "ss/port.hpp"
#include "systick.hpp"

namespace ss::stm32::test {

inline int failures = 0;

/// Passes when `got` equals `expected`.
inline void expect_eq(const char* what, std::uint64_t expected, std::uint64_t got) noexcept {
    const bool ok = got == expected;
    host_write(ok ? "ok   " : "FAIL ");
    host_write(what);
    if (!ok) {
        host_write(": expected ");
        host_write_u64(expected);
        host_write(", got ");
        host_write_u64(got);
    }
    host_write("\n");
    if (!ok) ++failures;
}

/// Passes when low <= got <= high.
inline void expect_within(const char* what, std::uint64_t low, std::uint64_t high, std::uint64_t got) noexcept {
    const bool ok = low <= got && got <= high;
    host_write(ok ? "ok   " : "FAIL ");
    host_write(what);
    if (!ok) {
        host_write(": expected ");
        host_write_u64(low);
        host_write("..");
        host_write_u64(high);
        host_write(", got ");
        host_write_u64(got);
    }
    host_write("\n");
    if (!ok) ++failures;
}

/// Passes when `ok`.
inline void expect_true(const char* what, bool ok) noexcept {
    host_write(ok ? "ok   " : "FAIL ");
    host_write(what);
    host_write("\n");
    if (!ok) ++failures;
}

/// expect_true with the condition first, as the driver tests write it.
inline void check(bool ok, const char* what) noexcept { expect_true(what, ok); }

/// Prints a figure worth seeing in the log.
inline void figure(const char* name, std::uint64_t value) noexcept {
    host_write("     ");
    host_write(name);
    host_write(" = ");
    host_write_u64(value);
    host_write("\n");
}

/// The test's exit status, after a closing line.
inline int finish(const char* suite) noexcept {
    host_write(suite);
    host_write(failures == 0 ? ": all checks passed\n" : ": FAILED\n");
    return failures == 0 ? 0 : 1;
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
