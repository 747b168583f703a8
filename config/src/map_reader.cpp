#include "map_reader.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "ss/config/spec_writer.hpp"

namespace ss::config {

std::string describe(const caf::config_value& value) {
    // A whole value can be a long list; the start says enough.
    std::string text = value_text(value);
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    if (caf::get_if<caf::config_value::string>(&value) != nullptr) return "string " + text;
    if (caf::get_if<caf::config_value::atom>(&value) != nullptr) return "atom " + text;
    if (caf::get_if<caf::config_value::list>(&value) != nullptr) return "list " + text;
    if (caf::get_if<caf::config_value::dictionary>(&value) != nullptr) return "map " + text;
    if (caf::get_if<caf::config_value::timespan>(&value) != nullptr) return "timespan " + text;
    if (caf::get_if<caf::config_value::boolean>(&value) != nullptr) return "boolean " + text;
    return text;
}

bool read_real(const caf::config_value& value, double& out, std::string& why) {
    double d = 0;
    if (const auto* i = caf::get_if<caf::config_value::integer>(&value)) d = static_cast<double>(*i);
    else if (const auto* r = caf::get_if<caf::config_value::real>(&value)) d = *r;
    else {
        why = "expects a number, got " + describe(value);
        return false;
    }
    if (!std::isfinite(d)) {
        why = "must be a finite number";
        return false;
    }
    // --dump-config must write what was read, exactly.
    if (!real_text(d)) {
        why = "has more digits than the file format keeps exactly; write it with fewer";
        return false;
    }
    out = d;
    return true;
}

bool read_date_ms(const caf::config_value& value, std::uint64_t& out, std::string& why) {
    // The last millisecond of 9999-12-31: dates have four-digit years.
    constexpr std::int64_t last_ms = 253'402'300'799'999;
    if (const auto* i = caf::get_if<caf::config_value::integer>(&value)) {
        if (*i < 0 || *i > last_ms) {
            why = "expects UTC milliseconds in 0.." + std::to_string(last_ms) + ", got " + std::to_string(*i);
            return false;
        }
        out = static_cast<std::uint64_t>(*i);
        return true;
    }
    const auto* s = caf::get_if<caf::config_value::string>(&value);
    const auto digits = [&](std::size_t from, std::size_t n, unsigned& v) {
        v = 0;
        for (std::size_t k = from; k < from + n; ++k) {
            const char c = (*s)[k];
            if (c < '0' || c > '9') return false;
            v = v * 10 + static_cast<unsigned>(c - '0');
        }
        return true;
    };
    unsigned y = 0, m = 0, d = 0;
    if (s == nullptr || s->size() != 10 || (*s)[4] != '-' || (*s)[7] != '-' || !digits(0, 4, y) || !digits(5, 2, m) ||
        !digits(8, 2, d)) {
        why = "expects a date \"YYYY-MM-DD\" or UTC milliseconds, got " + describe(value);
        return false;
    }
    const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(y)}, std::chrono::month{m},
                                          std::chrono::day{d}};
    if (!ymd.ok() || y < 1970) {
        why = "is not a date from 1970-01-01 on: " + *s;
        return false;
    }
    const auto days = std::chrono::sys_days{ymd}.time_since_epoch().count();
    out = static_cast<std::uint64_t>(days) * 86'400'000u;
    return true;
}

bool MapReader::refuse(std::string_view key, std::string reason) {
    if (!problem_) problem_ = Problem{key_path(key), std::move(reason)};
    return false;
}

const caf::config_value* MapReader::take(std::string_view key, Need need) {
    if (!ok()) return nullptr;
    read_.emplace_back(key);
    const auto at = map_.find(std::string(key));
    if (at == map_.end()) {
        if (need == Need::required) refuse(key, "is missing (required)");
        return nullptr;
    }
    return &at->second;
}

bool MapReader::text(std::string_view key, std::string& out, Need need) {
    const caf::config_value* v = take(key, need);
    if (v == nullptr) return ok();
    const auto* s = caf::get_if<caf::config_value::string>(v);
    if (s == nullptr) return refuse(key, "expects a string (\"...\"), got " + describe(*v));
    out = *s;
    return true;
}

bool MapReader::flag(std::string_view key, bool& out) {
    const caf::config_value* v = take(key, Need::optional);
    if (v == nullptr) return ok();
    const auto* b = caf::get_if<caf::config_value::boolean>(v);
    if (b == nullptr) return refuse(key, "expects true or false, got " + describe(*v));
    out = *b;
    return true;
}

bool MapReader::real(std::string_view key, double& out, Need need) {
    const caf::config_value* v = take(key, need);
    if (v == nullptr) return ok();
    std::string why;
    return read_real(*v, out, why) || refuse(key, std::move(why));
}

bool MapReader::millis(std::string_view key, std::chrono::milliseconds& out) {
    const caf::config_value* v = take(key, Need::optional);
    if (v == nullptr) return ok();
    const auto* t = caf::get_if<caf::config_value::timespan>(v);
    if (t == nullptr) return refuse(key, "expects a timespan with a unit (ms, s, min, h), got " + describe(*v));
    if (t->count() % 1'000'000 != 0) return refuse(key, "must be a whole number of milliseconds");
    out = std::chrono::duration_cast<std::chrono::milliseconds>(*t);
    return true;
}

bool MapReader::date(std::string_view key, std::uint64_t& out) {
    const caf::config_value* v = take(key, Need::optional);
    if (v == nullptr) return ok();
    std::string why;
    return read_date_ms(*v, out, why) || refuse(key, std::move(why));
}

bool MapReader::range(std::string_view key, double& low, double& high) {
    const caf::config_value* v = take(key, Need::optional);
    if (v == nullptr) return ok();
    const auto* l = caf::get_if<caf::config_value::list>(v);
    if (l == nullptr || l->size() != 2) return refuse(key, "expects [low, high], got " + describe(*v));
    double lo = 0, hi = 0;
    std::string why;
    if (!read_real((*l)[0], lo, why)) return refuse(key, "low " + why);
    if (!read_real((*l)[1], hi, why)) return refuse(key, "high " + why);
    low = lo;
    high = hi;
    return true;
}

bool MapReader::texts(std::string_view key, std::vector<std::string>& out) {
    const caf::config_value* v = take(key, Need::optional);
    if (v == nullptr) return ok();
    const auto* l = caf::get_if<caf::config_value::list>(v);
    if (l == nullptr) return refuse(key, "expects a list of strings [\"a\", \"b\"], got " + describe(*v));
    std::vector<std::string> all;
    for (std::size_t i = 0; i < l->size(); ++i) {
        const auto* s = caf::get_if<caf::config_value::string>(&(*l)[i]);
        if (s == nullptr)
            return refuse(std::string(key) + "[" + std::to_string(i) + "]", "expects a string, got " + describe((*l)[i]));
        all.push_back(*s);
    }
    out = std::move(all);
    return true;
}

bool MapReader::text_map(std::string_view key, std::map<std::string, std::string>& out) {
    const caf::config_value* v = take(key, Need::optional);
    if (v == nullptr) return ok();
    const auto* m = caf::get_if<caf::config_value::dictionary>(v);
    if (m == nullptr) return refuse(key, "expects a map { name = \"text\" }, got " + describe(*v));
    std::map<std::string, std::string> all;
    for (const auto& [k, val] : *m) {
        const auto* s = caf::get_if<caf::config_value::string>(&val);
        if (s == nullptr) return refuse(std::string(key) + "." + k, "expects a string, got " + describe(val));
        all.emplace(k, *s);
    }
    out = std::move(all);
    return true;
}

const caf::config_value::list* MapReader::list(std::string_view key) {
    const caf::config_value* v = take(key, Need::optional);
    if (v == nullptr) return nullptr;
    const auto* l = caf::get_if<caf::config_value::list>(v);
    if (l == nullptr) refuse(key, "expects a list [ ... ], got " + describe(*v));
    return l;
}

bool MapReader::finish(std::span<const char* const> known, std::span<const char* const> elsewhere,
                       std::string_view why_not) {
    if (!ok()) return false;
    for (const auto& entry : map_) {
        const std::string& key = entry.first;
        if (std::find(read_.begin(), read_.end(), key) != read_.end()) continue;
        const auto is = [&](const char* k) { return key == k; };
        if (std::any_of(elsewhere.begin(), elsewhere.end(), is)) return refuse(key, "does not apply: " + std::string(why_not));
        std::string list;
        for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        return refuse(key, "unknown key (known: " + list + ")");
    }
    return true;
}

} // namespace ss::config
