// A sensor as the store names it: its source and id, written "host:42" on the command line.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ss/sensor_storage.h"

namespace ss::store_tool {

struct SensorKey {
    SsSource source = SS_SOURCE_HOST;
    std::uint32_t id = 0;
    auto operator<=>(const SensorKey&) const = default;
};

/// "host:42".
std::string to_text(SensorKey key);
/// "host:42", "app:7", "can:3" (a source name, a colon, a decimal id below 2^32); nullopt otherwise.
std::optional<SensorKey> parse_sensor_key(std::string_view text);

} // namespace ss::store_tool
