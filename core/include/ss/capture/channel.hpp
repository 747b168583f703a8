// What is known about a channel besides its values, kept for export: name, unit, valid range,
// calibration and the quality rules (seed 001). Records stay raw (ADC counts, decoded integers);
// calibration and quality are applied when values are exported or shown. Rules and edge cases:
// docs/capture-processing.md.
#pragma once

#include <cstdint>
#include <string_view>

#include "ss/capture/fixed_string.hpp"
#include "ss/expected.hpp"

namespace ss {
class Text;
}

namespace ss::capture {

/// Longest channel name, in bytes (UTF-8).
inline constexpr std::size_t channel_name_capacity = 31;
/// Longest unit, in bytes (UTF-8, e.g. "°C").
inline constexpr std::size_t channel_unit_capacity = 15;

/// Quality of one value (seed 001's DataQuality).
enum class Quality : std::uint8_t {
    good = 0,         ///< inside the valid range
    suspect = 1,      ///< outside the valid range but inside the plausible one
    bad = 2,          ///< beyond the plausible range, or not a number
    interpolated = 3, ///< not measured but filled in (set by whoever fills a gap; no rule yields it)
};

/// Linear calibration: physical = slope · raw + offset.
struct Calibration {
    double slope = 1.0;                  ///< physical units per raw count; finite, non-zero
    double offset = 0.0;                 ///< physical value of raw 0; finite
    std::uint64_t reference_date_ms = 0; ///< UTC ms when it was calibrated; 0 = not recorded
};

/// An inclusive range of physical values, low ≤ high, both finite.
struct ValueRange {
    double low = 0.0;
    double high = 0.0;
};

/// How the 32-bit raw record value is read before calibration.
enum class RawEncoding : std::uint8_t {
    unsigned32 = 0, ///< 0 .. 2^32 − 1 (ADC counts, unsigned signals)
    signed32 = 1,   ///< two's complement (signed CAN or UART signals)
};

/// Everything exported alongside a channel's values.
struct ChannelMetadata {
    FixedString<channel_name_capacity> name;  ///< non-empty, no control characters
    FixedString<channel_unit_capacity> unit;  ///< may be empty (dimensionless); no control characters
    ValueRange valid{};                       ///< values here are good
    ValueRange plausible{};                   ///< contains `valid`; values here but not valid are suspect
    Calibration calibration{};
    RawEncoding encoding = RawEncoding::unsigned32;
};

/// Checks every rule above; why names the field on error.
Expected<void> validate(const ChannelMetadata& channel, Text& why) noexcept;

/// Builds and validates metadata in one call (plausible = valid when not given).
Expected<ChannelMetadata> make_channel(std::string_view name, std::string_view unit, ValueRange valid,
                                       Calibration calibration, Text& why) noexcept;
/// As above with a plausible range wider than the valid one.
Expected<ChannelMetadata> make_channel(std::string_view name, std::string_view unit, ValueRange valid,
                                       ValueRange plausible, Calibration calibration, Text& why) noexcept;

/// The raw record value as a number, per the channel's encoding.
double raw_to_number(const ChannelMetadata& channel, std::uint32_t raw) noexcept;

/// The physical value of a raw record value: slope · raw + offset.
double to_physical(const ChannelMetadata& channel, std::uint32_t raw) noexcept;

/// Quality of a physical value: good inside `valid` (edges included), suspect inside `plausible`
/// (edges included), bad beyond it or if it is NaN.
Quality classify(const ChannelMetadata& channel, double physical) noexcept;

/// classify(to_physical(raw)).
Quality quality_of_raw(const ChannelMetadata& channel, std::uint32_t raw) noexcept;

/// How many of a block's values have each quality.
struct QualityCounts {
    std::uint64_t good = 0;
    std::uint64_t suspect = 0;
    std::uint64_t bad = 0;
};

/// The qualities of `n` raw values, as quality_of_raw gives them one by one. The calibration is
/// monotonic and the valid range an interval, so a block whose smallest and largest values are
/// good is good throughout: that block costs one pass for its extremes instead of a
/// classification per value (the common case at 1 MSPS); any other goes value by value.
QualityCounts count_qualities(const ChannelMetadata& channel, const std::uint32_t* raw, std::size_t n) noexcept;

/// A short lower-case name for a quality ("good", "suspect", "bad", "interpolated").
const char* quality_name(Quality quality) noexcept;

} // namespace ss::capture
