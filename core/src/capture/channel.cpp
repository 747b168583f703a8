#include "ss/capture/channel.hpp"

#include <cmath>

#include "ss/text.hpp"

namespace ss::capture {

namespace {

Expected<void> reject(Text& why, const ChannelMetadata& c, const char* field, const char* rule) noexcept {
    why.clear();
    why << "channel '" << c.name.c_str() << "': " << field << ' ' << rule;
    return std::unexpected(Errc::invalid_argument);
}

// Names and units end up in CSV headers and HDF5 attributes: no control characters (UTF-8 bytes
// above 0x7F are fine).
bool printable(std::string_view text) noexcept {
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) return false;
    }
    return true;
}

} // namespace

Expected<void> validate(const ChannelMetadata& c, Text& why) noexcept {
    if (c.name.empty()) return reject(why, c, "name", "must not be empty");
    if (!printable(c.name.view())) return reject(why, c, "name", "must not hold control characters");
    if (!printable(c.unit.view())) return reject(why, c, "unit", "must not hold control characters");
    if (!std::isfinite(c.valid.low) || !std::isfinite(c.valid.high)) {
        return reject(why, c, "valid range", "must have finite ends");
    }
    if (c.valid.low > c.valid.high) return reject(why, c, "valid range", "must have low <= high");
    if (!std::isfinite(c.plausible.low) || !std::isfinite(c.plausible.high)) {
        return reject(why, c, "plausible range", "must have finite ends");
    }
    if (c.plausible.low > c.valid.low || c.plausible.high < c.valid.high) {
        return reject(why, c, "plausible range", "must contain the valid range");
    }
    if (!std::isfinite(c.calibration.slope) || c.calibration.slope == 0.0) {
        return reject(why, c, "calibration slope", "must be finite and non-zero");
    }
    if (!std::isfinite(c.calibration.offset)) return reject(why, c, "calibration offset", "must be finite");
    if (c.encoding != RawEncoding::unsigned32 && c.encoding != RawEncoding::signed32) {
        return reject(why, c, "encoding", "must be unsigned32 or signed32");
    }
    return {};
}

Expected<ChannelMetadata> make_channel(std::string_view name, std::string_view unit, ValueRange valid,
                                       ValueRange plausible, Calibration calibration, Text& why) noexcept {
    ChannelMetadata c{};
    if (!c.name.assign(name)) {
        why.clear();
        why << "channel name: must be at most 31 bytes without NUL";
        return std::unexpected(Errc::invalid_argument);
    }
    if (!c.unit.assign(unit)) {
        why.clear();
        why << "channel '" << c.name.c_str() << "': unit must be at most 15 bytes without NUL";
        return std::unexpected(Errc::invalid_argument);
    }
    c.valid = valid;
    c.plausible = plausible;
    c.calibration = calibration;
    if (auto ok = validate(c, why); !ok) return std::unexpected(ok.error());
    return c;
}

Expected<ChannelMetadata> make_channel(std::string_view name, std::string_view unit, ValueRange valid,
                                       Calibration calibration, Text& why) noexcept {
    return make_channel(name, unit, valid, valid, calibration, why);
}

double raw_to_number(const ChannelMetadata& c, std::uint32_t raw) noexcept {
    if (c.encoding == RawEncoding::signed32) return static_cast<double>(static_cast<std::int32_t>(raw));
    return static_cast<double>(raw);
}

double to_physical(const ChannelMetadata& c, std::uint32_t raw) noexcept {
    return c.calibration.slope * raw_to_number(c, raw) + c.calibration.offset;
}

Quality classify(const ChannelMetadata& c, double physical) noexcept {
    // Comparisons with NaN are false, so NaN falls through to bad.
    if (physical >= c.valid.low && physical <= c.valid.high) return Quality::good;
    if (physical >= c.plausible.low && physical <= c.plausible.high) return Quality::suspect;
    return Quality::bad;
}

Quality quality_of_raw(const ChannelMetadata& c, std::uint32_t raw) noexcept {
    return classify(c, to_physical(c, raw));
}

namespace {

/// The raw values holding the smallest and the largest number in the channel's encoding.
template <class Number>
void extremes(const std::uint32_t* raw, std::size_t n, std::uint32_t& low, std::uint32_t& high) noexcept {
    Number lo = static_cast<Number>(raw[0]);
    Number hi = lo;
    for (std::size_t i = 1; i < n; ++i) {
        const auto v = static_cast<Number>(raw[i]);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    low = static_cast<std::uint32_t>(lo);
    high = static_cast<std::uint32_t>(hi);
}

} // namespace

QualityCounts count_qualities(const ChannelMetadata& c, const std::uint32_t* raw, std::size_t n) noexcept {
    QualityCounts q;
    if (n == 0) return q;
    std::uint32_t low = 0, high = 0;
    if (c.encoding == RawEncoding::signed32)
        extremes<std::int32_t>(raw, n, low, high);
    else
        extremes<std::uint32_t>(raw, n, low, high);
    if (quality_of_raw(c, low) == Quality::good && quality_of_raw(c, high) == Quality::good) {
        q.good = n;
        return q;
    }
    for (std::size_t i = 0; i < n; ++i) {
        switch (quality_of_raw(c, raw[i])) {
        case Quality::good: ++q.good; break;
        case Quality::suspect: ++q.suspect; break;
        default: ++q.bad; break;
        }
    }
    return q;
}

const char* quality_name(Quality quality) noexcept {
    switch (quality) {
    case Quality::good: return "good";
    case Quality::suspect: return "suspect";
    case Quality::bad: return "bad";
    case Quality::interpolated: return "interpolated";
    }
    return "unknown";
}

} // namespace ss::capture
