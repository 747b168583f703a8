// Writing a pipeline spec back as a config file in CAF 0.17's format (what --dump-config prints).
// Every key is written, defaults included, so the output is the whole effective configuration,
// and reading it back gives an equal spec.
#pragma once

#include <caf/config_value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "ss/actors/pipeline_spec.hpp"

namespace ss::config {

/// The [system], [daemon], [sources], [sensors], [chains], [datasets], [uploader] and [http]
/// sections of `spec`.
std::string write_spec(const actors::PipelineSpec& spec);

/// A number text that CAF's parser reads back to exactly `value`, or nullopt (not finite, or no
/// decimal of up to 17 digits reads back to it). CAF scales the digits it reads by powers of ten
/// in several rounding steps, so what it reads from "291.864" is one bit off the nearest double,
/// and that double's shortest text does not read back to it; then decimals near the value (1 to
/// 17 digits, a neighbouring last digit, trailing zeros) are tried with CAF's own parser.
std::optional<std::string> real_text(double value);

/// `text` as a double-quoted CAF string (\" \\ \n \r \t escaped).
std::string quoted(std::string_view text);

/// A config value in the file's syntax (strings quoted, atoms in single quotes, timespans with
/// their largest exact unit, lists and maps in brackets).
std::string value_text(const caf::config_value& value);

} // namespace ss::config
