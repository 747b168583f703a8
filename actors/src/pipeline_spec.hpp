// The runtime's reading of a pipeline spec: its checks of a spec built in code, and what the
// stages derive from it (a sensor's chain, its nominal sample period, a source kind's name).
#pragma once

#include <cstdint>
#include <string>

#include "ss/actors/pipeline.hpp"

namespace ss::actors::pipeline_spec {

/// The chain a sensor names, or nullptr.
const ChainSpec* chain_of(const PipelineSpec& spec, const SensorSpec& sensor);

/// The nominal sample period a time-series sensor's sectors record (docs/storage-format.md,
/// "Record times"), µs; 0 where values come when they come.
std::uint32_t nominal_period_us(const SourceSpec& source, const ChainSpec* chain);

/// A source kind as the config file and the metrics name it.
const char* kind_name(SourceKind k);

/// What the runtime needs of a spec that the config file's checks may not have seen (a spec
/// built in code): references resolve, chains fit their sources, processors are registered.
bool check_spec(const PipelineSpec& spec, const ProcessorRegistry* processors, std::string& why);

} // namespace ss::actors::pipeline_spec
