// A configured chain as the core's filter chain takes it. Header-only so that the config check
// (which does not link the actors) and the processing stage build it the same way: a chain the
// check accepts is exactly the chain the stage runs.
#pragma once

#include "ss/actors/pipeline_spec.hpp"
#include "ss/capture/filters.hpp"

namespace ss::actors {

/// One configured stage as the core's FilterStage.
inline capture::FilterStage filter_stage(const StageSpec& s) noexcept {
    capture::FilterStage f;
    switch (s.kind) {
    case StageKind::moving_average:
        f.kind = capture::FilterKind::moving_average;
        f.window = s.window;
        break;
    case StageKind::decimate:
        f.kind = capture::FilterKind::decimate;
        f.factor = s.factor;
        f.mode = s.average ? capture::DecimationMode::average : capture::DecimationMode::pick_first;
        break;
    case StageKind::low_pass:
    case StageKind::high_pass:
        f.kind = s.kind == StageKind::high_pass ? capture::FilterKind::high_pass : capture::FilterKind::low_pass;
        f.cutoff_hz = s.cutoff_hz;
        break;
    case StageKind::band_pass:
        f.kind = capture::FilterKind::band_pass;
        f.low_hz = s.low_hz;
        f.high_hz = s.high_hz;
        break;
    }
    return f;
}

/// The chain for input at `rate_hz`, unchecked: callers hold it to max_filter_stages first and
/// let ChannelProcessor::configure judge the parameters.
inline capture::ProcessingConfig chain_filters(const ChainSpec& chain, double rate_hz) noexcept {
    capture::ProcessingConfig c;
    c.sample_rate_hz = rate_hz;
    c.summarize = chain.summarize;
    const std::size_t n = chain.stages.size() < capture::max_filter_stages ? chain.stages.size() : capture::max_filter_stages;
    for (std::size_t i = 0; i < n; ++i) c.stages[i] = filter_stage(chain.stages[i]);
    return c;
}

} // namespace ss::actors
