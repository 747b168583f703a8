#include "store/sensor_key.hpp"

#include <charconv>

#include "ss/source_name.hpp"

namespace ss::store_tool {

std::string to_text(SensorKey key) { return std::string(source_name(key.source)) + ":" + std::to_string(key.id); }

std::optional<SensorKey> parse_sensor_key(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string_view src = text.substr(0, colon), id = text.substr(colon + 1);
    for (int s = 0; s < source_count; ++s) {
        if (src != source_name(s)) continue;
        std::uint32_t v = 0;
        const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
        if (ec != std::errc{} || end != id.data() + id.size() || id.empty()) return std::nullopt;
        return SensorKey{static_cast<SsSource>(s), v};
    }
    return std::nullopt;
}

} // namespace ss::store_tool
