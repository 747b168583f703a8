// Reading one map of the config file ({ kind = 'sim_adc', rate = 100000 }) into spec fields, key
// by key, with the type each field needs. CAF hands these maps over unchecked: a misspelled key,
// a string where a number belongs or a number too large for its field would otherwise pass or be
// cut. The reader notes every key it reads, so finish() can refuse the rest; after the first
// problem every call does nothing and returns false.
#pragma once

#include <caf/config_value.hpp>
#include <caf/settings.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ss/config/spec_check.hpp"
#include "words.hpp"

namespace ss::config {

/// "list", "map", "number", ... and the value itself, for "expects X, got Y" messages.
std::string describe(const caf::config_value& value);

/// A real the file may hold: finite and written back exactly by --dump-config.
bool read_real(const caf::config_value& value, double& out, std::string& why);

/// "YYYY-MM-DD" (UTC midnight) or UTC milliseconds, into milliseconds.
bool read_date_ms(const caf::config_value& value, std::uint64_t& out, std::string& why);

class MapReader {
public:
    enum class Need : std::uint8_t { optional, required };

    /// `map` is the value written at `path` ("sources.adc0"); problems go to `problem`.
    MapReader(const caf::settings& map, std::string path, std::optional<Problem>& problem)
        : map_(map), path_(std::move(path)), problem_(problem) {}

    bool ok() const noexcept { return !problem_.has_value(); }
    bool has(std::string_view key) const { return map_.find(std::string(key)) != map_.end(); }
    /// "path.key".
    std::string key_path(std::string_view key) const { return path_ + "." + std::string(key); }
    /// Sets the problem (if none is set yet) at "path.key"; returns false.
    bool refuse(std::string_view key, std::string reason);

    // Each reads `key` into `out` if it is written, else leaves `out` as it is (or refuses a
    // missing required key); true if nothing is wrong.
    bool text(std::string_view key, std::string& out, Need need = Need::optional);
    bool flag(std::string_view key, bool& out);
    bool real(std::string_view key, double& out, Need need = Need::optional);
    bool millis(std::string_view key, std::chrono::milliseconds& out);
    bool date(std::string_view key, std::uint64_t& out);
    /// [low, high]: two numbers.
    bool range(std::string_view key, double& low, double& high);
    /// A list of strings.
    bool texts(std::string_view key, std::vector<std::string>& out);
    /// A map of strings.
    bool text_map(std::string_view key, std::map<std::string, std::string>& out);
    /// A list, element by element by the caller; nullptr if it is not written (or not a list).
    const caf::config_value::list* list(std::string_view key);

    /// A whole number that fits T (CAF's integers are 64-bit signed, so at most 2^63 - 1).
    template <std::unsigned_integral T>
    bool integer(std::string_view key, T& out, Need need = Need::optional) {
        const caf::config_value* v = take(key, need);
        if (v == nullptr) return ok();
        constexpr std::uint64_t top = std::min<std::uint64_t>(std::numeric_limits<T>::max(),
                                                              std::numeric_limits<std::int64_t>::max());
        const auto* i = caf::get_if<caf::config_value::integer>(v);
        if (i == nullptr || *i < 0 || static_cast<std::uint64_t>(*i) > top)
            return refuse(key, "expects an integer in 0.." + std::to_string(top) + ", got " + describe(*v));
        out = static_cast<T>(*i);
        return true;
    }

    /// One of the table's words, as an atom ('sim_adc') or a string ("moving_average").
    template <class E>
    bool word(std::string_view key, std::span<const words::Word<E>> table, E& out, Need need = Need::optional) {
        const caf::config_value* v = take(key, need);
        if (v == nullptr) return ok();
        std::string text;
        if (const auto* a = caf::get_if<caf::config_value::atom>(v)) text = caf::to_string(*a);
        else if (const auto* s = caf::get_if<caf::config_value::string>(v)) text = *s;
        else return refuse(key, "expects " + words::choices(table) + ", got " + describe(*v));
        const auto found = words::find(table, text);
        if (!found) return refuse(key, "must be " + words::choices(table) + ", not '" + text + "'");
        out = *found;
        return true;
    }

    /// Refuses every key that no call read: a key of `elsewhere` (known, but for another kind)
    /// "does not apply: <why_not>", any other "unknown key (known: ...)".
    bool finish(std::span<const char* const> known, std::span<const char* const> elsewhere = {},
                std::string_view why_not = {});

private:
    // The value at key, noted as read; nullptr if it is not written (a problem if required).
    const caf::config_value* take(std::string_view key, Need need);

    const caf::settings& map_;
    std::string path_;
    std::optional<Problem>& problem_;
    std::vector<std::string> read_;
};

} // namespace ss::config
