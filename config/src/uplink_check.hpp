// The rules an [uplinks] entry is held to (docs/configuration.md): a device, a rate the serial
// port supports, and an id range of its own on its bus. Apart from spec_check.cpp, which calls it.
#pragma once

#include <optional>

#include "ss/actors/pipeline_spec.hpp"
#include "ss/config/spec_check.hpp"

namespace ss::config {

/// nullopt if every uplink is well-formed and its ids collide with no sensor's and no other
/// uplink's, else the first problem.
std::optional<Problem> check_uplinks(const actors::PipelineSpec& spec);

} // namespace ss::config
