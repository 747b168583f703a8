#include "ss/export/time_text.hpp"

#include <chrono>
#include <cstdio>

namespace ss::store_export {

namespace {

constexpr std::int64_t us_per_second = 1'000'000;
constexpr std::int64_t us_per_day = 86'400 * us_per_second;

// Floor division: a time before the epoch belongs to the day before, not to day 0.
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

} // namespace

std::string utc_iso_text(std::int64_t utc_us) {
    using namespace std::chrono;
    const std::int64_t day = floor_div(utc_us, us_per_day);
    const std::int64_t in_day = utc_us - day * us_per_day;
    const year_month_day date{sys_days{days{day}}};
    const std::int64_t second_of_day = in_day / us_per_second;
    // Digits written in place: a CSV export formats one of these per record, and snprintf was
    // half of its time.
    char text[] = "0000-00-00T00:00:00.000000Z";
    const auto put = [&text](std::size_t at, std::size_t width, std::int64_t v) {
        for (std::size_t i = at + width; i > at; --i, v /= 10) text[i - 1] = static_cast<char>('0' + v % 10);
    };
    put(0, 4, static_cast<int>(date.year()));
    put(5, 2, static_cast<unsigned>(date.month()));
    put(8, 2, static_cast<unsigned>(date.day()));
    put(11, 2, second_of_day / 3600);
    put(14, 2, second_of_day / 60 % 60);
    put(17, 2, second_of_day % 60);
    put(20, 6, in_day % us_per_second);
    return std::string(text, sizeof text - 1);
}

std::optional<std::int64_t> parse_utc_iso_text(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS.ffffffZ
    if (s.size() != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != '.' || s[26] != 'Z')
        return std::nullopt;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, us = 0;
    if (!digits(s, 0, 4, y) || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d) || !digits(s, 11, 2, h) ||
        !digits(s, 14, 2, mi) || !digits(s, 17, 2, se) || !digits(s, 20, 6, us))
        return std::nullopt;
    using namespace std::chrono;
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || se > 59) return std::nullopt;
    const std::int64_t day_number = sys_days{date}.time_since_epoch().count();
    return day_number * us_per_day + (static_cast<std::int64_t>(h) * 3600 + mi * 60 + se) * us_per_second + us;
}

std::string record_time_text(const ExportRecord& record) {
    switch (record.clock) {
    case RecordClock::utc: return utc_iso_text(record.time_us);
    case RecordClock::monotonic: {
        // Monotonic times are never negative (record_rules.hpp refuses them).
        char text[64];
        std::snprintf(text, sizeof text, "boot%u+%lld.%06llds", record.boot,
                      static_cast<long long>(record.time_us / us_per_second),
                      static_cast<long long>(record.time_us % us_per_second));
        return text;
    }
    case RecordClock::unknown: break;
    }
    return {};
}

} // namespace ss::store_export
