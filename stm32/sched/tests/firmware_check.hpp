// Checks for the scheduler's firmware tests: each prints one line on the host's console, with
// what was expected and what came when they differ, and counts failures for main's exit status.
#pragma once

#include <cstdint>

#include "semihosting.hpp"

namespace ss::stm32::test {

inline int failures = 0;

/// Passes when `got` equals `expected`.
inline void expect_eq(const char* what, std::uint64_t expected, std::uint64_t got) {
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
inline void expect_within(const char* what, std::uint64_t low, std::uint64_t high, std::uint64_t got) {
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
inline void expect_true(const char* what, bool ok) { expect_eq(what, 1, ok ? 1 : 0); }

/// Prints a figure worth seeing in the log.
inline void figure(const char* name, std::uint64_t value) {
    host_write("     ");
    host_write(name);
    host_write(" = ");
    host_write_u64(value);
    host_write("\n");
}

/// The test's exit status, after a closing line.
inline int finish(const char* suite) {
    host_write(suite);
    host_write(failures == 0 ? ": all checks passed\n" : ": FAILED\n");
    return failures == 0 ? 0 : 1;
}

} // namespace ss::stm32::test
