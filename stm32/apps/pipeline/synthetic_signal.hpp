// The signal the sample clock interrupt "converts": for each channel a 12-bit sine from an
// integer table, at a channel's own frequency and phase, plus a slow ramp. Integers only (no
// floating point in an ISR), and a pure function of (channel, scan number), so the uploader can
// tell the value every record must hold from its sequence number alone. The ramp makes every
// period of the sine differ: a half-buffer lost or delivered twice shifts what follows and shows
// as a wrong value, not as a coincidental match one period later.
#pragma once

#include <cstdint>

namespace ss::stm32::pipeline {

/// 2048 + 1600 · sin(2π·i/64), rounded: one period in 64 steps, within 448 .. 3648.
inline constexpr std::uint16_t sine_table[64] = {
    2048, 2205, 2360, 2512, 2660, 2802, 2937, 3063, 3179, 3285, 3378, 3459, 3526, 3579, 3617, 3640,
    3648, 3640, 3617, 3579, 3526, 3459, 3378, 3285, 3179, 3063, 2937, 2802, 2660, 2512, 2360, 2205,
    2048, 1891, 1736, 1584, 1436, 1294, 1159, 1033, 917,  811,  718,  637,  570,  517,  479,  456,
    448,  456,  479,  517,  570,  637,  718,  811,  917,  1033, 1159, 1294, 1436, 1584, 1736, 1891};

/// The sample of `channel` in scan `scan`: table steps per scan 1, 3, 5, 7 by channel, a
/// quarter-period phase apart, plus one count every 16 scans (at most 447 over the run, so the
/// value stays within 12 bits).
constexpr std::uint16_t synthetic_sample(std::uint32_t channel, std::uint32_t scan) noexcept {
    const std::uint32_t step = 2 * channel + 1;
    const std::uint32_t phase = 16 * channel;
    return static_cast<std::uint16_t>(sine_table[(scan * step + phase) % 64] + (scan / 16) % 448);
}

} // namespace ss::stm32::pipeline
