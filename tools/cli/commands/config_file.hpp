// The actor config file (docs/configuration.md) as the store tool reads it: the spec its parser
// builds, for the sensors' metadata and datasets (export) and the storage knobs the library
// would run the store with (verify's quota accounting).
#pragma once

#include <string>

#include "ss/actors/pipeline_spec.hpp"
#include "store/result.hpp"

namespace ss::store_tool {

/// Reads and checks the config file at `path` as the daemon would; the failure names the file,
/// the line and the key.
Result<actors::PipelineSpec> load_config_spec(const std::string& path);

} // namespace ss::store_tool
