#include "commands/time_text.hpp"

#include <cstdio>

#include "ss/export/time_text.hpp"

namespace ss::store_tool {

std::string time_text(Clock clock, std::uint64_t time_us) {
    if (clock == Clock::unknown) return "-";
    if (clock == Clock::monotonic) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "mono %llu.%06llus", static_cast<unsigned long long>(time_us / 1000000),
                      static_cast<unsigned long long>(time_us % 1000000));
        return buf;
    }
    return store_export::utc_iso_text(static_cast<std::int64_t>(time_us));
}

std::optional<std::int64_t> parse_time_argument(std::string_view text) {
    // Completed to the one shape the export formats write and read, then read by their parser.
    std::string full(text);
    if (full.size() == 10) full += "T00:00:00";
    if (!full.empty() && full.back() == 'Z') full.pop_back();
    if (full.size() == 19) full += '.';
    if (full.size() < 20 || full.size() > 26 || full[19] != '.') return std::nullopt;
    full.append(26 - full.size(), '0');
    full += 'Z';
    return store_export::parse_utc_iso_text(full);
}

} // namespace ss::store_tool
