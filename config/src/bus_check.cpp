#include "bus_check.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "ss/actors/bus_config.hpp"
#include "ss/capture/channel.hpp"
#include "ss/source_name.hpp"
#include "ss/text.hpp"

namespace ss::config::detail {

using actors::SourceKind;
using std::chrono::milliseconds;

// A bus source's own values (bus_config.hpp has the hal's limits).
bool check_bus_source(Checker& c, const actors::SourceSpec& s, const std::string& key) {
    if (s.buffers < min_buffers || s.buffers > max_buffers) return c.fail(key + ".buffers", "must be in 2..1024");
    switch (s.kind) {
    case SourceKind::sim_uart:
        if (s.baud < actors::bus::min_baud || s.baud > actors::bus::max_baud)
            return c.fail(key + ".baud", "must be in 300..10000000 (bits per second)");
        if (s.frame_rate < 1 || std::uint64_t{s.frame_rate} * actors::bus::uart_frame_bits > s.baud)
            return c.fail(key + ".frame_rate", "must be at least 1 and at most baud / 110 (" +
                                                   std::to_string(s.baud / actors::bus::uart_frame_bits) +
                                                   ": a frame is 11 bytes of 10 bits)");
        return check_signal(c, s, key);
    case SourceKind::sim_spi:
        if (s.spi_clock_hz < actors::bus::min_spi_clock_hz || s.spi_clock_hz > actors::bus::max_spi_clock_hz)
            return c.fail(key + ".clock", "must be in 1000..100000000 (Hz)");
        if (s.period < milliseconds{1} || s.period > max_poll_period) return c.fail(key + ".period", "must be in 1ms..24h");
        return check_signal(c, s, key);
    case SourceKind::sim_can:
        if (s.frame_rate < 1 || s.frame_rate > actors::bus::max_can_frame_rate)
            return c.fail(key + ".frame_rate", "must be in 1..100000 (frames per second)");
        return check_signal(c, s, key);
    case SourceKind::socketcan: {
        // IFNAMSIZ is 16 with the terminating NUL; a name is one path component in /sys/class/net.
        const bool name_ok = !s.interface.empty() && s.interface.size() < 16 &&
                             std::none_of(s.interface.begin(), s.interface.end(), [](char ch) {
                                 return ch == '/' || ch == ':' || static_cast<unsigned char>(ch) <= ' ' || ch == 0x7F;
                             });
        if (!name_ok) return c.fail(key + ".interface", "must be a network interface name of 1..15 characters (\"can0\")");
        return true;
    }
    default: return true;
    }
}

// A sensor's address on its bus: channels in range, a CAN signal the core takes, and no CAN keys
// where there is no CAN.
bool check_bus_sensor(Checker& c, const actors::SourceSpec& source, const actors::SensorSpec& s, const std::string& key) {
    const std::uint32_t last_channel = std::uint32_t{s.channel} + s.count - 1;
    if (source.kind == SourceKind::sim_uart && last_channel > actors::bus::max_uart_channel)
        return c.fail(key + ".channel", "plus count - 1 must be at most 255 (a frame's channel byte)");
    if (source.kind == SourceKind::sim_spi && last_channel > actors::bus::max_spi_channel)
        return c.fail(key + ".channel", "plus count - 1 must be at most 127 (the converter's channel field)");
    if (!is_can(source.kind)) {
        const actors::SensorSpec d;
        const struct {
            bool set;
            const char* name;
        } can_keys[] = {{s.can_id != d.can_id, "can_id"},       {s.can_extended != d.can_extended, "extended"},
                        {s.start_bit != d.start_bit, "start_bit"}, {s.length != d.length, "length"},
                        {s.big_endian != d.big_endian, "byte_order"}, {s.is_signed != d.is_signed, "signed"}};
        for (const auto& k : can_keys)
            if (k.set) return c.fail(key + "." + k.name, "is only for sensors on a sim_can or socketcan source");
        return true;
    }
    const std::uint32_t top = s.can_extended ? capture::can_max_extended_id : capture::can_max_standard_id;
    if (s.can_id > top || std::uint64_t{s.can_id} + s.count - 1 > top)
        return c.fail(key + ".can_id", std::string("plus count - 1 must be at most ") +
                                           (s.can_extended ? "0x1FFFFFFF (29-bit, extended)" : "0x7FF (11-bit; extended = true for 29-bit)"));
    if (s.length < 1 || s.length > 32) return c.fail(key + ".length", "must be in 1..32 (bits)");
    if (s.start_bit > 63) return c.fail(key + ".start_bit", "must be in 0..63");
    // The core's decoder has the last word.
    Text why;
    if (!capture::validate(actors::bus::can_signal(s, 0, 0), why))
        return c.fail(key + ".start_bit", std::string("is refused by the core's CAN decoder: ") + why.c_str());
    return true;
}

// Bus ids: (bus, id .. id + count - 1) of all sensors must not overlap.
bool check_bus_ids(Checker& c, const actors::PipelineSpec& spec, const SensorsSeen& seen) {
    struct Span {
        SsSource bus;
        std::uint64_t first, last;
        std::size_t sensor;
    };
    std::vector<Span> spans;
    for (std::size_t i = 0; i < spec.sensors.size(); ++i) {
        const auto& s = spec.sensors[i];
        const SsSource bus = spec.sources[seen.sources.at(s.source)].bus;
        spans.push_back({bus, s.id, std::uint64_t{s.id} + s.count - 1, i});
    }
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
        return a.bus != b.bus ? a.bus < b.bus : a.first != b.first ? a.first < b.first : a.sensor < b.sensor;
    });
    for (std::size_t i = 1; i < spans.size(); ++i) {
        const Span& a = spans[i - 1];
        const Span& b = spans[i];
        if (a.bus != b.bus || b.first > a.last) continue;
        // Name the entry that comes later in the file; the other is the one it clashes with.
        const auto& later = spec.sensors[std::max(a.sensor, b.sensor)];
        const auto& earlier = spec.sensors[std::min(a.sensor, b.sensor)];
        const auto ids = [](const actors::SensorSpec& s) {
            return s.count == 1 ? "id " + std::to_string(s.id)
                                : "ids " + std::to_string(s.id) + ".." + std::to_string(std::uint64_t{s.id} + s.count - 1);
        };
        return c.fail("sensors." + later.name + ".id",
                      "duplicate sensor: bus '" + std::string(source_name(a.bus)) + "' " + ids(later) + " overlaps sensor '" +
                          earlier.name + "' (" + ids(earlier) + ")");
    }
    return true;
}

// What the sensors of one bus source must not share: a UART or SPI channel, CAN payload bits; and
// what the simulated CAN bus can send (one identifier format, at most 64 identifiers).
bool check_bus_sources(Checker& c, const actors::PipelineSpec& spec, const SensorsSeen& seen) {
    struct Taken {
        std::size_t sensor;
        std::uint64_t bits;
    };
    for (std::size_t src = 0; src < spec.sources.size(); ++src) {
        const actors::SourceSpec& source = spec.sources[src];
        if (!has_channels(source.kind) && !is_can(source.kind)) continue;
        if (source.kind == SourceKind::sim_adc) continue; // interleaved channels: its own rules above
        std::map<std::uint32_t, std::size_t> channels;                    // channel -> sensor entry
        std::map<std::pair<bool, std::uint32_t>, std::vector<Taken>> frames; // (extended, id) -> signals
        std::optional<bool> extended;
        std::size_t members = 0;
        for (std::size_t i = 0; i < spec.sensors.size(); ++i) {
            const actors::SensorSpec& s = spec.sensors[i];
            if (seen.sources.at(s.source) != src) continue;
            const std::string key = "sensors." + s.name;
            members += s.count;
            if (source.kind == SourceKind::sim_uart || source.kind == SourceKind::sim_spi) {
                for (std::uint32_t k = 0; k < s.count; ++k) {
                    const auto [at, fresh] = channels.emplace(std::uint32_t{s.channel} + k, i);
                    if (!fresh)
                        return c.fail(key + ".channel", "channel " + std::to_string(at->first) + " of source '" +
                                                            source.name + "' is also read by sensor '" +
                                                            spec.sensors[at->second].name + "'");
                }
                continue;
            }
            if (source.kind == SourceKind::sim_can) {
                if (extended && *extended != s.can_extended)
                    return c.fail(key + ".extended", "must be the same for every sensor of a sim_can source (its frames "
                                                     "all have one identifier format)");
                extended = s.can_extended;
            }
            for (std::uint32_t k = 0; k < s.count; ++k) {
                const std::uint64_t bits = actors::bus::can_bits(actors::bus::can_signal(s, k, 0));
                auto& taken = frames[{s.can_extended, s.can_id + k}];
                for (const Taken& t : taken)
                    if ((t.bits & bits) != 0)
                        return c.fail(key + ".start_bit", "the signal shares bits of frame " + std::to_string(s.can_id + k) +
                                                              " with sensor '" + spec.sensors[t.sensor].name + "'");
                taken.push_back({i, bits});
            }
        }
        if (source.kind == SourceKind::sim_can && frames.size() > actors::bus::max_sim_can_ids)
            return c.fail("sources." + source.name, "its sensors use " + std::to_string(frames.size()) +
                                                        " CAN identifiers; a sim_can source sends at most 64");
        // A scan is one 32-bit transfer per sensor; it must end before the next one is due.
        if (source.kind == SourceKind::sim_spi &&
            static_cast<double>(members) * 32.0 / source.spi_clock_hz >= std::chrono::duration<double>(source.period).count())
            return c.fail("sources." + source.name + ".period",
                          "is shorter than one scan of its " + std::to_string(members) + " sensors at the SPI clock");
    }
    return true;
}

} // namespace ss::config::detail
