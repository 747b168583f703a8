// A strict reader of the Prometheus text exposition format (0.0.4) for tests: it rejects what
// promtool and a Prometheus server tolerate but the format's rules forbid (a family's samples
// split by another family, HELP or TYPE twice or after the samples, a sample under no family)
// and gives back families and samples with label values unescaped, to compare with the input.
#pragma once

#include <charconv>
#include <expected>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace ss::test {

struct ExpositionSample {
    std::string name; ///< with a histogram's _bucket, _sum or _count suffix
    std::vector<std::pair<std::string, std::string>> labels; ///< in order, values unescaped
    double value = 0.0;

    /// The value of label name, or nullptr.
    const std::string* label(std::string_view label_name) const {
        for (const auto& [n, v] : labels)
            if (n == label_name) return &v;
        return nullptr;
    }
};

struct ExpositionFamily {
    std::string name, help, type;
    std::vector<ExpositionSample> samples;
};

struct Exposition {
    std::vector<ExpositionFamily> families;

    const ExpositionFamily* family(std::string_view name) const {
        for (const auto& f : families)
            if (f.name == name) return &f;
        return nullptr;
    }

    /// The samples named sample_name whose labels include every given pair.
    std::vector<const ExpositionSample*> find(std::string_view sample_name,
                                              const std::vector<std::pair<std::string, std::string>>& labels = {}) const {
        std::vector<const ExpositionSample*> found;
        for (const auto& f : families)
            for (const auto& s : f.samples) {
                if (s.name != sample_name) continue;
                bool all = true;
                for (const auto& [n, v] : labels) {
                    const std::string* have = s.label(n);
                    all = all && have != nullptr && *have == v;
                }
                if (all) found.push_back(&s);
            }
        return found;
    }
};

namespace exposition_detail {

inline bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
inline bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

/// Reads a metric or label name at the front of text (colons only for metric names).
inline std::string_view take_name(std::string_view& text, bool metric) {
    std::size_t n = 0;
    while (n < text.size() && (n == 0 ? is_name_start(text[n]) : is_name_char(text[n])) && (metric || text[n] != ':')) ++n;
    const std::string_view name = text.substr(0, n);
    text.remove_prefix(n);
    return name;
}

inline std::expected<double, std::string> read_value(std::string_view text) {
    if (text == "+Inf") return std::numeric_limits<double>::infinity();
    if (text == "-Inf") return -std::numeric_limits<double>::infinity();
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    double v = 0.0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::unexpected("bad value '" + std::string(text) + "'");
    return v;
}

inline std::expected<ExpositionSample, std::string> read_sample(std::string_view line) {
    ExpositionSample s;
    s.name = std::string(take_name(line, true));
    if (s.name.empty()) return std::unexpected(std::string("no metric name"));
    if (!line.empty() && line.front() == '{') {
        line.remove_prefix(1);
        std::set<std::string, std::less<>> seen;
        while (!line.empty() && line.front() != '}') {
            const std::string label_name(take_name(line, false));
            if (label_name.empty()) return std::unexpected(std::string("bad label name"));
            if (!seen.insert(label_name).second) return std::unexpected("label " + label_name + " twice");
            if (!line.starts_with("=\"")) return std::unexpected("label " + label_name + " without =\"");
            line.remove_prefix(2);
            std::string value;
            for (;;) {
                if (line.empty()) return std::unexpected("label " + label_name + ": unterminated value");
                const char c = line.front();
                line.remove_prefix(1);
                if (c == '"') break;
                if (c != '\\') {
                    value += c;
                    continue;
                }
                if (line.empty()) return std::unexpected(std::string("escape at the end"));
                const char e = line.front();
                line.remove_prefix(1);
                if (e == '\\') value += '\\';
                else if (e == '"') value += '"';
                else if (e == 'n') value += '\n';
                else return std::unexpected(std::string("bad escape \\") + e);
            }
            s.labels.emplace_back(label_name, std::move(value));
            if (!line.empty() && line.front() == ',') line.remove_prefix(1);
            else if (line.empty() || line.front() != '}') return std::unexpected(std::string("expected , or }"));
        }
        if (line.empty()) return std::unexpected(std::string("unterminated label set"));
        line.remove_prefix(1);
    }
    if (!line.starts_with(' ')) return std::unexpected(std::string("no space before the value"));
    line.remove_prefix(1);
    if (line.find(' ') != std::string_view::npos) return std::unexpected(std::string("more than a value after the labels"));
    auto value = read_value(line);
    if (!value) return std::unexpected(value.error());
    s.value = *value;
    return s;
}

inline std::string unescape_help(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '\\' || text[i + 1] == 'n')) {
            out += text[i + 1] == 'n' ? '\n' : '\\';
            ++i;
        } else
            out += text[i];
    }
    return out;
}

/// Whether a sample name belongs to a family of that name and type.
inline bool belongs(std::string_view sample, const ExpositionFamily& family) {
    if (sample == family.name) return family.type != "histogram";
    if (family.type != "histogram" || !sample.starts_with(family.name)) return false;
    const std::string_view suffix = sample.substr(family.name.size());
    return suffix == "_bucket" || suffix == "_sum" || suffix == "_count";
}

} // namespace exposition_detail

/// The families of text, or the first rule it breaks and on which line.
inline std::expected<Exposition, std::string> read_exposition(std::string_view text) {
    using namespace exposition_detail;
    Exposition out;
    std::set<std::string, std::less<>> closed; // families whose samples are over
    std::size_t line_number = 0;
    const auto fail = [&](std::string why) {
        return std::unexpected("line " + std::to_string(line_number) + ": " + why);
    };
    if (!text.empty() && text.back() != '\n') return std::unexpected(std::string("the last line has no line feed"));
    while (!text.empty()) {
        ++line_number;
        const auto end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(end + 1);
        if (line.starts_with("# HELP ")) {
            std::string_view rest = line.substr(7);
            const std::string name(take_name(rest, true));
            if (name.empty() || !rest.starts_with(' ')) return fail("bad HELP line");
            if (out.family(name) != nullptr) return fail("second HELP for " + name);
            if (!out.families.empty()) closed.insert(out.families.back().name);
            out.families.push_back({name, unescape_help(rest.substr(1)), "", {}});
        } else if (line.starts_with("# TYPE ")) {
            std::string_view rest = line.substr(7);
            const std::string name(take_name(rest, true));
            if (out.families.empty() || out.families.back().name != name) return fail("TYPE for " + name + " not right after its HELP");
            ExpositionFamily& f = out.families.back();
            if (!f.type.empty()) return fail("second TYPE for " + name);
            if (!f.samples.empty()) return fail("TYPE for " + name + " after its samples");
            const std::string_view type = rest.starts_with(' ') ? rest.substr(1) : std::string_view();
            if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped")
                return fail("bad type '" + std::string(type) + "'");
            f.type = std::string(type);
        } else if (line.starts_with("#")) {
            return fail("a comment that is neither HELP nor TYPE");
        } else {
            auto sample = read_sample(line);
            if (!sample) return fail(sample.error() + " in: " + std::string(line));
            if (out.families.empty() || out.families.back().type.empty() || !belongs(sample->name, out.families.back())) {
                for (const auto& name : closed)
                    if (sample->name.starts_with(name)) return fail(sample->name + " apart from the rest of its family");
                return fail(sample->name + " under no HELP and TYPE of its own");
            }
            out.families.back().samples.push_back(std::move(*sample));
        }
    }
    return out;
}

} // namespace ss::test
