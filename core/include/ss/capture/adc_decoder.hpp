// ADC buffers into time-series values: one channel taken out of a (possibly interleaved) DMA
// buffer, run through the channel's processing chain (which may decimate), written as 32-bit
// time-series values — raw counts or filtered counts, never calibrated (calibration is applied at
// export, so records stay raw).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/capture/filters.hpp"
#include "ss/capture/sample_clock.hpp"
#include "ss/expected.hpp"

namespace ss::capture {

/// One completed DMA buffer (or half) of ADC samples.
struct AdcBlock {
    std::span<const std::uint16_t> samples; ///< as the DMA wrote them
    std::uint32_t channels = 1;             ///< channels interleaved per scan (1 = not interleaved)
    std::uint32_t channel = 0;              ///< which of them to take, 0 .. channels − 1
    std::uint64_t first_scan = 0;           ///< sample (scan) index of the buffer's first scan
};

/// Decodes `block`'s channel through `processor` into `out` (size at least
/// processor.required_output(scans)). With a synchronised `clock` the summary's duration is
/// measured (time of the last scan − time of the first + one sample period) instead of nominal.
/// invalid_argument if the block's size is not a whole number of scans, channel ≥ channels, or
/// out is too small; nothing changes then.
Expected<Processed> decode_adc(ChannelProcessor& processor, const AdcBlock& block, std::span<std::uint32_t> out,
                               const SampleClock* clock = nullptr) noexcept;

} // namespace ss::capture
