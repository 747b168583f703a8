#include "ss/config/line_index.hpp"

namespace ss::config {

namespace {
bool is_name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
} // namespace

// One pass over the text with a cursor. Every loop moves the cursor forward at least one
// character, so text CAF would refuse still ends the scan.
class LineScanner {
public:
    LineScanner(std::string_view text, LineIndex& index) : text_(text), index_(index) {}

    void scan() {
        std::string section; // "" = before the first header: keys are top-level names
        while (skip_blanks(true), !done()) {
            const std::uint32_t line = line_;
            if (peek() == '[') {
                advance();
                skip_blanks(false);
                section.clear();
                while (!done() && (is_name_char(peek()) || peek() == '.')) section += take();
                skip_blanks(false);
                if (!done() && peek() == ']') advance();
                index_.record(section, line, true);
                // CAF puts the keys of [global] at the top level, as those before any header.
                if (section == "global") section.clear();
                continue;
            }
            const std::string key = name();
            if (key.empty()) {
                advance();
                continue;
            }
            std::string path = section.empty() ? key : section + "." + key;
            index_.record(path, line, false);
            after_key();
            value(path);
        }
    }

private:
    bool done() const noexcept { return pos_ >= text_.size(); }
    char peek() const noexcept { return text_[pos_]; }
    char take() noexcept {
        const char c = text_[pos_++];
        if (c == '\n') ++line_;
        return c;
    }
    void advance() noexcept { take(); }

    // Spaces and tabs, comments up to (not including) their newline, and newlines if allowed.
    void skip_blanks(bool newlines) noexcept {
        while (!done()) {
            const char c = peek();
            if (c == ' ' || c == '\t' || (newlines && c == '\n')) {
                advance();
            } else if (c == ';') {
                while (!done() && peek() != '\n') advance();
            } else {
                return;
            }
        }
    }

    std::string name() {
        std::string n;
        while (!done() && is_name_char(peek())) n += take();
        return n;
    }

    // "key = value" or "key { ... }" (CAF's short form for maps).
    void after_key() noexcept {
        skip_blanks(false);
        if (!done() && peek() == '=') advance();
        skip_blanks(false);
    }

    void value(const std::string& path) {
        if (done()) return;
        switch (peek()) {
        case '"': quoted('"', true); return;
        case '\'': quoted('\'', false); return;
        case '<': quoted('>', false); return; // a URI: nothing of it is a key
        case '[': list(path); return;
        case '{': map(path); return;
        default:
            // A number, timespan or boolean: one token.
            while (!done()) {
                const char c = peek();
                if (c == ' ' || c == '\t' || c == '\n' || c == ',' || c == ']' || c == '}' || c == ';') return;
                advance();
            }
        }
    }

    void quoted(char close, bool escapes) noexcept {
        advance(); // the opening quote
        while (!done()) {
            const char c = take();
            if (c == close) return;
            if (escapes && c == '\\' && !done()) advance();
        }
    }

    void list(const std::string& path) {
        advance(); // '['
        std::uint32_t index = 0;
        while (skip_blanks(true), !done()) {
            const char c = peek();
            if (c == ']') {
                advance();
                return;
            }
            if (c == ',') {
                advance();
                continue;
            }
            std::string element = path + "[" + std::to_string(index++) + "]";
            index_.record(element, line_, false);
            const std::size_t before = pos_;
            value(element);
            if (pos_ == before) advance();
        }
    }

    void map(const std::string& path) {
        advance(); // '{'
        while (skip_blanks(true), !done()) {
            const char c = peek();
            if (c == '}') {
                advance();
                return;
            }
            if (c == ',') {
                advance();
                continue;
            }
            const std::uint32_t line = line_;
            const std::string key = name();
            if (key.empty()) {
                advance();
                continue;
            }
            std::string child = path + "." + key;
            index_.record(child, line, false);
            after_key();
            value(child);
        }
    }

    std::string_view text_;
    LineIndex& index_;
    std::size_t pos_ = 0;
    std::uint32_t line_ = 1;
};

LineIndex::LineIndex(std::string_view text) { LineScanner(text, *this).scan(); }

void LineIndex::record(std::string path, std::uint32_t line, bool section) {
    const auto [at, inserted] = lines_.try_emplace(path, line);
    if (!inserted && !repeat_) repeat_ = Repeat{std::move(path), line, at->second, section};
}

std::uint32_t LineIndex::line_of(std::string_view path) const {
    for (std::string_view p = path; !p.empty(); p = parent_path(p)) {
        if (const auto at = lines_.find(std::string(p)); at != lines_.end()) return at->second;
    }
    return 0;
}

std::string_view parent_path(std::string_view path) noexcept {
    if (!path.empty() && path.back() == ']') {
        const auto open = path.rfind('[');
        return open == std::string_view::npos ? std::string_view{} : path.substr(0, open);
    }
    const auto dot = path.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : path.substr(0, dot);
}

Nesting deepest_nesting(std::string_view text) noexcept {
    Nesting deepest;
    std::uint32_t depth = 0, line = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
        } else if (c == ';') {
            while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
        } else if (c == '"' || c == '\'') {
            // Up to the closing quote, but not past the line: CAF's strings and atoms end there.
            while (i + 1 < text.size() && text[i + 1] != c && text[i + 1] != '\n') {
                const bool escape = c == '"' && text[i + 1] == '\\';
                i += escape ? 2 : 1;
            }
            if (i + 1 < text.size() && text[i + 1] == c) ++i;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest.depth) deepest = Nesting{depth, line};
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

} // namespace ss::config
