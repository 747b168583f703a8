// The rules a [destinations] entry is held to (docs/configuration.md): each key's range, and
// what the kinds of destination need. Apart from spec_check.cpp, which calls it, as one idea.
#pragma once

#include <optional>

#include "ss/actors/pipeline_spec.hpp"
#include "ss/config/spec_check.hpp"

namespace ss::config {

/// nullopt if every destination is well-formed, else the first problem.
std::optional<Problem> check_destinations(const actors::PipelineSpec& spec);

} // namespace ss::config
