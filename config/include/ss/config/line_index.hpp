// Where each key of a config file is written, and whether one is written twice. CAF's parser
// keeps neither: it returns the settings without line numbers and lets a repeated key or section
// silently replace the first. This pass walks the text once more, after CAF has accepted it, and
// records the line of every section header and of every key at any depth, under the same dotted
// paths the settings have ("sources.adc0.rate"; list elements as "chains.c.stages[1]"). It knows
// just enough of the format to skip values: quoted strings and atoms (which may hold ';', '[',
// '{', '='), comments, lists and maps over several lines. It parses no value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ss::config {

class LineIndex {
public:
    /// A key or section written a second time.
    struct Repeat {
        std::string path;             ///< its dotted path ("system.tick", "sensors")
        std::uint32_t line = 0;       ///< where it is written again
        std::uint32_t first_line = 0; ///< where it was written first
        bool section = false;         ///< a [section] header (else a key)
    };

    LineIndex() = default;
    /// Scans `text`, which CAF's parser has accepted (other text is scanned without harm, but its
    /// lines and repeats mean nothing).
    explicit LineIndex(std::string_view text);

    /// The line of `path`, else of its nearest written ancestor ("sources.adc0.rate" falls back to
    /// "sources.adc0", then "sources"); 0 if none of them is written.
    std::uint32_t line_of(std::string_view path) const;
    /// The first key or section written twice, in file order.
    const std::optional<Repeat>& repeat() const noexcept { return repeat_; }
    /// How many paths were recorded.
    std::size_t size() const noexcept { return lines_.size(); }

private:
    void record(std::string path, std::uint32_t line, bool section);

    std::unordered_map<std::string, std::uint32_t> lines_;
    std::optional<Repeat> repeat_;

    friend class LineScanner;
};

/// The parent of a dotted path: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
std::string_view parent_path(std::string_view path) noexcept;

/// How deep lists and maps nest in `text` (brackets and braces outside quoted text and comments;
/// a [section] header counts as one level), and the line where the deepest level is first reached.
/// CAF's parser recurses once per level and runs out of stack on a few ten thousand, so a file is
/// measured without recursion before CAF reads it.
struct Nesting {
    std::uint32_t depth = 0;
    std::uint32_t line = 0;
};
Nesting deepest_nesting(std::string_view text) noexcept;

} // namespace ss::config
