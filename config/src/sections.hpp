// The config file's named-entry sections, [sources], [sensors], [chains], [datasets] and
// [destinations]: each key names an entry and its value is a map. CAF has no options for keys it cannot know in advance,
// so these are read from the file's raw settings, strictly (MapReader). Cross-references and
// ranges are check_spec's.
#pragma once

#include <caf/settings.hpp>

#include <optional>

#include "ss/actors/pipeline_spec.hpp"
#include "ss/config/line_index.hpp"
#include "ss/config/spec_check.hpp"

namespace ss::config {

/// The sections' names, in the order they are read and written.
inline constexpr const char* entry_sections[] = {"sources", "sensors", "chains", "datasets", "destinations", "uplinks"};

/// Reads every entry section present in `raw` (the whole file's settings) into `spec`, entries in
/// the order the file writes them (`index`; CAF's settings are sorted by name); nullopt if all of
/// it is well-formed, else the first problem.
std::optional<Problem> read_entry_sections(const caf::settings& raw, const LineIndex& index,
                                           actors::PipelineSpec& spec);

} // namespace ss::config
