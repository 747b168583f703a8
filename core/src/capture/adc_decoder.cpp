#include "ss/capture/adc_decoder.hpp"

namespace ss::capture {

Expected<Processed> decode_adc(ChannelProcessor& processor, const AdcBlock& block, std::span<std::uint32_t> out,
                               const SampleClock* clock) noexcept {
    if (block.channels == 0 || block.channel >= block.channels || block.samples.size() % block.channels != 0) {
        return std::unexpected(Errc::invalid_argument);
    }
    const std::size_t scans = block.samples.size() / block.channels;
    const auto channel_samples = scans == 0 ? std::span<const std::uint16_t>{} : block.samples.subspan(block.channel);
    auto result = processor.process(channel_samples, out, block.channels);
    if (!result) return result;
    if (clock != nullptr && clock->synchronized() && result->summary.count > 0) {
        // The span of `scans` sample periods from the block's first scan, on the measured clock.
        const auto begin = clock->predict_us(block.first_scan);
        const auto end = clock->predict_us(block.first_scan + scans);
        if (begin && end && *end >= *begin) result->summary.duration_us = *end - *begin;
    }
    return result;
}

} // namespace ss::capture
