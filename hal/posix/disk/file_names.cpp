#include "posix/disk/file_names.hpp"

#include <cstdio>
#include <cstring>

namespace ss::hal::tier {

std::string sensor_file(std::uint32_t id, const char* ext) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "sensor_%010u.%s", id, ext);
    return buf;
}

bool parse_sensor_file(const char* name, std::uint32_t& id, std::string& ext) {
    if (std::strncmp(name, "sensor_", 7) != 0) return false;
    std::uint64_t v = 0;
    for (int i = 7; i < 17; ++i) {
        if (name[i] < '0' || name[i] > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(name[i] - '0');
    }
    if (name[17] != '.' || v > 0xFFFF'FFFFu) return false;
    id = static_cast<std::uint32_t>(v);
    ext = name + 18;
    return true;
}

} // namespace ss::hal::tier
