#include "commands/time_text.hpp"

#include <ctime>

#include <cstdio>

namespace ss::store_tool {

std::string time_text(Clock clock, std::uint64_t time_us) {
    char buf[64];
    if (clock == Clock::unknown) return "-";
    if (clock == Clock::monotonic) {
        std::snprintf(buf, sizeof buf, "mono %llu.%06llus", static_cast<unsigned long long>(time_us / 1000000),
                      static_cast<unsigned long long>(time_us % 1000000));
        return buf;
    }
    const std::time_t secs = static_cast<std::time_t>(time_us / 1000000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf, sizeof buf, "%s.%06lluZ", date, static_cast<unsigned long long>(time_us % 1000000));
    return buf;
}

} // namespace ss::store_tool
