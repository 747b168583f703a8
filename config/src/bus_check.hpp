// The rules for bus sources and their sensors (sim_uart, sim_spi, sim_can, socketcan): each
// source's own values, each sensor's address on its bus, what sensors of one bus must not share,
// and bus ids that must not overlap (docs/configuration.md). Apart from spec_check.cpp, which
// calls them, as one idea.
#pragma once

#include <string>

#include "spec_rules.hpp"

namespace ss::config::detail {

/// A bus source's own values (bus_config.hpp has the hal's limits).
bool check_bus_source(Checker& c, const actors::SourceSpec& s, const std::string& key);

/// A sensor's address on its bus: channels in range, a CAN signal the core takes, and no CAN keys
/// where there is no CAN.
bool check_bus_sensor(Checker& c, const actors::SourceSpec& source, const actors::SensorSpec& s, const std::string& key);

/// Bus ids: (bus, id .. id + count - 1) of all sensors must not overlap.
bool check_bus_ids(Checker& c, const actors::PipelineSpec& spec, const SensorsSeen& seen);

/// What the sensors of one bus source must not share: a UART or SPI channel, CAN payload bits; and
/// what the simulated CAN bus can send (one identifier format, at most 64 identifiers).
bool check_bus_sources(Checker& c, const actors::PipelineSpec& spec, const SensorsSeen& seen);

} // namespace ss::config::detail
