// The hal's configuration of a sim_adc source: what the capture stage starts, and what the config
// file's check holds against SimAdc::validate — one mapping for both (header-only, so the config
// library needs no more of the runtime than its spec).
#pragma once

#include "ss/actors/pipeline_spec.hpp"
#include "ss/hal/capture/sim_adc.hpp"

namespace ss::actors {

inline capture::SimAdcConfig sim_adc_config(const SourceSpec& s) noexcept {
    capture::SimAdcConfig c;
    c.sample_rate_hz = s.rate_hz;
    c.channels = s.channels;
    c.samples_per_half = s.samples_per_half;
    c.signal = s.signal == SignalShape::sine   ? capture::AdcSignal::sine
               : s.signal == SignalShape::ramp ? capture::AdcSignal::ramp
                                               : capture::AdcSignal::noise;
    c.amplitude = s.amplitude;
    c.offset = s.offset;
    c.frequency_hz = s.frequency_hz;
    c.ramp_step = s.ramp_step;
    c.seed = s.seed;
    return c;
}

} // namespace ss::actors
