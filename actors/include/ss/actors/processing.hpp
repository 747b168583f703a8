// The processing stage: one per source. Woken when its source's ring has blocks, it takes each
// block through the chain of every sensor the block feeds — for an ADC, each channel's filters
// (ChannelProcessor) and the user's processor if the chain names one; for slow sensors, the
// readings as they are — counts the values' quality by the sensor's rules, hands the records to
// the sensor's store through its sink and gives the block back to the pool.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <memory>
#include <string>
#include <vector>

#include "ss/actors/bindings.hpp"
#include "ss/actors/capture.hpp"
#include "ss/actors/stage_board.hpp"
#include "ss/actors/user_processor.hpp"
#include "ss/capture/filters.hpp"
#include "ss/expected.hpp"
#include "ss/text.hpp"

namespace ss::actors {

/// The chain as the core's ChannelProcessor takes it, for input at `rate_hz`; why says what
/// does not fit.
Expected<capture::ProcessingConfig> processing_config(const ChainSpec& chain, double rate_hz, Text& why) noexcept;

struct ProcessingRoute {
    std::uint32_t sensor = 0;
    std::uint16_t channel = 0;
    capture::ChannelProcessor filters;
    std::unique_ptr<UserProcessor> user;
};

struct ProcessingState {
    static inline const char* name = "processing";
    SourceBinding* source = nullptr;
    const SensorBindings* sensors = nullptr;
    StageBoard* board = nullptr;
    std::string stage;                   ///< "processing:<source>"
    std::vector<ProcessingRoute> routes; ///< sim_adc: one per sensor of the source
    std::vector<std::uint32_t> out;      ///< one route's records of one block
};

/// What a processing stage needs besides its source (all must outlive it).
struct ProcessingSetup {
    const std::vector<ChainSpec>* chains = nullptr;
    const ProcessorRegistry* processors = nullptr; ///< may be null when no chain names one
    StageBoard* board = nullptr;
};

/// Spawn with sys.spawn(processing, &source, &sensors, setup). On start it registers itself with
/// the source (so capture wakes it) and drains what is already queued.
processing_actor::behavior_type processing(processing_actor::stateful_pointer<ProcessingState> self,
                                           SourceBinding* source, const SensorBindings* sensors, ProcessingSetup setup);

} // namespace ss::actors
