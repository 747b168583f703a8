// The rules a pipeline spec must follow before anything starts, on plain values: ranges the hal
// and the core accept (SimAdc, the filter chain, channel metadata, SsInitCfg), and the
// cross-references between sections (a sensor's source and chain, a dataset's sensors, unique
// bus ids and names, the sensor total). The config file's reader runs them on what it read; a
// gateway that fills a spec in code can run them too. Problems are named by the config file's
// keys ("sensors.vib.channel"), so the reader can point at the line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ss/actors/pipeline_spec.hpp"

namespace ss::config {

/// Why a spec or a config value was refused.
struct Problem {
    std::string key;    ///< dotted config path ("chains.vib.stages[1].factor"), or a section
    std::string reason; ///< for a person
};

/// The first broken rule of `spec`, in section order; nullopt if it may run.
std::optional<Problem> check_spec(const actors::PipelineSpec& spec);

/// A valid spec that will probably lose data it could keep, and what to change; nullopt if
/// nothing stands out. Today: with a disk tier, a RAM pool without a spare sector for each
/// configured sensor beyond one per possible sensor (max_sensors) — a sensor whose open sector
/// fills while no spare is free recycles its own unsent records, however much disk is free.
std::optional<Problem> sizing_advice(const actors::PipelineSpec& spec);

/// The name of the k-th sensor of a group entry: the entry's name when count is 1, else
/// "<name>-<id + k>".
std::string member_name(const actors::SensorSpec& sensor, std::uint32_t k);

/// Sensors in the spec with every group expanded.
std::uint64_t sensor_total(const actors::PipelineSpec& spec) noexcept;

/// Whether `name` may name a source, sensor, chain, dataset or metadata key: 1..31 bytes of
/// letters, digits, '_' and '-', starting with a letter or digit (what CAF's format takes as a
/// key anywhere in a file).
bool is_entry_name(std::string_view name) noexcept;

/// "" if `a` and `b` are equal (storage knobs compared one by one; disk_root and the arena are
/// not read from a spec), else the first difference, for test and fuzzer messages.
std::string spec_difference(const actors::PipelineSpec& a, const actors::PipelineSpec& b);

} // namespace ss::config
