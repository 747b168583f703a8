// The configuration knobs of 003 §18: their defaults for each target and their validation.
#pragma once

#include "ss/expected.hpp"
#include "ss/sensor_storage.h"
#include "ss/text.hpp"

namespace ss {

/// The specification defaults for target (003 §2, §6, §9, §18; design.md §7).
SsInitCfg default_config(SsTarget target) noexcept;

/// Checks every knob of cfg; on failure `why` names the knob and the accepted values.
/// The arena (size and alignment) is checked by the engine, which knows the layout.
Expected<void> validate_config(const SsInitCfg& cfg, Text& why) noexcept;

} // namespace ss
