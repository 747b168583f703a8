// The four ADC channels the image captures (interleaved in scan order, as an STM32 ADC in scan
// mode writes them by DMA) and the processing each gets from the core's ChannelProcessor, as a
// gateway's processing chain would configure it: raw counts, a 2:1 averaging decimation, a
// 4-sample moving average, a 4:1 pick-first decimation. Different chains make the channels fill
// their stores at different rates, and each kind of stage is checked record by record against
// the reference in expected_records.hpp.
#pragma once

#include <cstdint>

#include "ss/capture/filters.hpp"

namespace ss::stm32::pipeline {

inline constexpr std::uint32_t channels = 4;

/// How each channel is processed (the reference model mirrors these, one case each).
enum class ChannelChain : std::uint8_t { raw, decimate2_average, moving_average4, decimate4_pick_first };

inline constexpr ChannelChain chain_of[channels] = {ChannelChain::raw, ChannelChain::decimate2_average,
                                                    ChannelChain::moving_average4,
                                                    ChannelChain::decimate4_pick_first};

/// Records a channel produces per scan, as a divisor: one per 1, 2, 1 and 4 scans.
constexpr std::uint32_t scans_per_record(ChannelChain chain) noexcept {
    switch (chain) {
    case ChannelChain::decimate2_average: return 2;
    case ChannelChain::decimate4_pick_first: return 4;
    default: return 1;
    }
}

/// The core's configuration of a chain (12-bit ADC; no rate needed: no stage derives a cutoff).
constexpr ss::capture::ProcessingConfig processing_of(ChannelChain chain) noexcept {
    ss::capture::ProcessingConfig cfg{};
    cfg.adc_bits = 12;
    cfg.summarize = false; // nothing here reads the per-buffer summary
    switch (chain) {
    case ChannelChain::raw: break;
    case ChannelChain::decimate2_average:
        cfg.stages[0].kind = ss::capture::FilterKind::decimate;
        cfg.stages[0].factor = 2;
        cfg.stages[0].mode = ss::capture::DecimationMode::average;
        break;
    case ChannelChain::moving_average4:
        cfg.stages[0].kind = ss::capture::FilterKind::moving_average;
        cfg.stages[0].window = 4;
        break;
    case ChannelChain::decimate4_pick_first:
        cfg.stages[0].kind = ss::capture::FilterKind::decimate;
        cfg.stages[0].factor = 4;
        cfg.stages[0].mode = ss::capture::DecimationMode::pick_first;
        break;
    }
    return cfg;
}

} // namespace ss::stm32::pipeline
