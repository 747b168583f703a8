// The one table of source names: the disk tier's directory names (<root>/<name>/), and the
// word logs and stats print for a sensor's source.
#pragma once

#include "ss/sensor_storage.h"

namespace ss {

/// "host", "app" or "can"; "?" for a value that is no SsSource.
constexpr const char* source_name(int source) noexcept {
    switch (source) {
    case SS_SOURCE_HOST: return "host";
    case SS_SOURCE_APP: return "app";
    case SS_SOURCE_CAN: return "can";
    default: return "?";
    }
}

/// Sources in directory order, for code that walks them all.
inline constexpr int source_count = 3;

} // namespace ss
