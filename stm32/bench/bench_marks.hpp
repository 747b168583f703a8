// What every icount benchmark image shares with run_icount.sh: the marker the QEMU plugin counts
// between, the calibration loop, and the "series" lines that tell the script how to read the
// plugin's counts (README.md in this directory).
#pragma once

#include <cstdint>

// The marker: one instruction (bx lr). The plugin records the count each time its address
// executes; run_icount.sh finds the address with arm-none-eabi-nm.
extern "C" void ss_bench_mark();

// The calibration: a loop of exactly 2 n + 1 instructions (n × subs/bne, bx lr), n >= 1.
extern "C" void ss_bench_calibrate(std::uint32_t n);

namespace ss::stm32::bench {

/// Announces the next `reps` samples over semihosting:
///     series <name> <samples> <divisor> <budget> <expected> gated|reported
/// divisor: records per call (the table shows per record); budget 0 = none; expected: the exact
/// count a calibration row must give (0 = none); gated: a max over the budget fails the run.
void series(const char* name, std::uint32_t reps, std::uint32_t divisor, std::uint32_t budget,
            std::uint32_t expected = 0, bool gated = true);

/// Ends the run with status 1 and the reason on the console.
[[noreturn]] void fail(const char* what);

inline void require(bool ok, const char* what) {
    if (!ok) fail(what);
}

/// The marker pair and the two calibration loops, the first three series of every image: the
/// script subtracts the pair from every other row and fails unless the loops count exactly.
void calibrate();

/// "bench samples <total>": the sum of every series' samples, so the script can check the pairing.
void announce_total();

} // namespace ss::stm32::bench
