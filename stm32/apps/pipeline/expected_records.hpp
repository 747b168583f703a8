// What record number `seq` of a channel's store must hold, computed straight from the synthetic
// signal and the formulas of docs/capture-processing.md — independently of the core's filters,
// so the uploader's check catches a filter, a buffer hand-over or a store that goes wrong.
// Rounding is half up, as the core documents it.
#pragma once

#include <cstdint>

#include "channel_plan.hpp"
#include "synthetic_signal.hpp"

namespace ss::stm32::pipeline {

constexpr std::uint32_t rounded_mean(std::uint32_t sum, std::uint32_t count) noexcept {
    return (sum + count / 2) / count;
}

/// The value record `seq` of channel `channel` must hold (sequence numbers start at 0 and the
/// pipeline stores every record, so seq is the record's index in the channel's output).
constexpr std::uint32_t expected_record(std::uint32_t channel, std::uint64_t seq) noexcept {
    const auto k = static_cast<std::uint32_t>(seq);
    switch (chain_of[channel]) {
    case ChannelChain::raw: return synthetic_sample(channel, k);
    case ChannelChain::decimate2_average:
        return rounded_mean(synthetic_sample(channel, 2 * k) + synthetic_sample(channel, 2 * k + 1), 2);
    case ChannelChain::moving_average4: {
        // The first three outputs average the samples so far, then a window of four.
        const std::uint32_t first = k >= 3 ? k - 3 : 0;
        std::uint32_t sum = 0;
        for (std::uint32_t n = first; n <= k; ++n) sum += synthetic_sample(channel, n);
        return rounded_mean(sum, k - first + 1);
    }
    case ChannelChain::decimate4_pick_first: return synthetic_sample(channel, 4 * k);
    }
    return 0;
}

} // namespace ss::stm32::pipeline
