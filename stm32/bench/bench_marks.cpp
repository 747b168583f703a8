// The marker, the calibration loop and the series lines of the icount benchmark images
// (bench_marks.hpp).
#include "bench_marks.hpp"

#include <initializer_list>

#include "semihosting.hpp"

extern "C" __attribute__((naked, noinline, used)) void ss_bench_mark() { asm volatile("bx lr"); }

extern "C" __attribute__((naked, noinline, used)) void ss_bench_calibrate(std::uint32_t) {
    asm volatile("1: subs r0, r0, #1\n"
                 "   bne 1b\n"
                 "   bx lr");
}

namespace ss::stm32::bench {

namespace {
std::uint64_t samples = 0;
}

void series(const char* name, std::uint32_t reps, std::uint32_t divisor, std::uint32_t budget,
            std::uint32_t expected, bool gated) {
    host_write("series ");
    host_write(name);
    host_write(" ");
    host_write_u64(reps);
    host_write(" ");
    host_write_u64(divisor);
    host_write(" ");
    host_write_u64(budget);
    host_write(" ");
    host_write_u64(expected);
    host_write(gated ? " gated\n" : " reported\n");
    samples += reps;
}

void fail(const char* what) {
    host_write("bench FAIL ");
    host_write(what);
    host_write("\n");
    host_exit(1);
}

void calibrate() {
    // The marker pair alone (subtracted from every other row), then loops whose instruction
    // count is known by construction: one move of n to r0, the BL, 2 n + 1.
    series("marker_pair", 20, 1, 0);
    for (int r = 0; r < 20; ++r) {
        ss_bench_mark();
        ss_bench_mark();
    }
    for (const std::uint32_t n : {10u, 1000u}) {
        series(n == 10 ? "calibrate_loop_10" : "calibrate_loop_1000", 10, 1, 0, 2 * n + 3);
        for (int r = 0; r < 10; ++r) {
            ss_bench_mark();
            ss_bench_calibrate(n);
            ss_bench_mark();
        }
    }
}

void announce_total() {
    host_write("bench samples ");
    host_write_u64(samples);
    host_write("\n");
}

} // namespace ss::stm32::bench
