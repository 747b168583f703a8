#include "uplink_check.hpp"

#include <string>

#include "posix/uplink/serial_port.hpp"
#include "ss/source_name.hpp"

namespace ss::config {

namespace {

/// Ids [first, first + count) as 64-bit bounds, so that a range reaching 2^32 compares right.
struct IdRange {
    SsSource bus;
    std::uint64_t first;
    std::uint64_t end;
    bool overlaps(const IdRange& o) const noexcept { return bus == o.bus && first < o.end && o.first < end; }
};

std::string describe(const IdRange& r) {
    return std::string(source_name(r.bus)) + " ids " + std::to_string(r.first) + ".." + std::to_string(r.end - 1);
}

} // namespace

std::optional<Problem> check_uplinks(const actors::PipelineSpec& spec) {
    // The ids the [sensors] entries take, per bus (a sensor's bus is its source's).
    std::vector<std::pair<IdRange, std::string>> taken;
    for (const auto& s : spec.sensors)
        for (const auto& src : spec.sources)
            if (src.name == s.source) taken.push_back({{src.bus, s.id, std::uint64_t{s.id} + s.count}, "sensors." + s.name});
    for (const auto& u : spec.uplinks) {
        const std::string key = "uplinks." + u.name;
        if (!is_entry_name(u.name)) return Problem{key, "is not a name (1..31 letters, digits, '_', '-')"};
        if (u.device.empty()) return Problem{key + ".device", "must name the serial device, e.g. /dev/ttyACM0"};
        if (!hal::serial_baud_supported(u.baud))
            return Problem{key + ".baud", std::to_string(u.baud) + " is no standard serial rate (e.g. 115200, 921600)"};
        if (u.ids == 0) return Problem{key + ".ids", "must be at least 1"};
        const IdRange mine{u.bus, u.id_base, std::uint64_t{u.id_base} + u.ids};
        if (mine.end > (std::uint64_t{1} << 32))
            return Problem{key + ".ids", "id_base + ids must stay within 32-bit sensor ids"};
        for (const auto& [range, owner] : taken)
            if (mine.overlaps(range))
                return Problem{key + ".id_base", describe(mine) + " overlap " + owner + "'s " + describe(range) +
                                                     ": each MCU sensor needs an id of its own"};
        for (const auto& other : spec.uplinks) {
            if (&other == &u) break;
            if (other.device == u.device) return Problem{key + ".device", "is uplinks." + other.name + "'s device too"};
        }
        taken.push_back({mine, key});
    }
    return std::nullopt;
}

} // namespace ss::config
