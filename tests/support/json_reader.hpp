// A strict JSON reader (RFC 8259) for tests: it proves that what a server wrote is JSON, and
// gives back the values, strings unescaped, to compare with what went in. It rejects what a
// lenient reader would let through: trailing text, raw control characters in strings, bad
// escapes, lone surrogates, invalid UTF-8, leading zeros, duplicate keys.
#pragma once

#include <charconv>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace ss::test {

struct JsonValue {
    enum class Kind { null, boolean, number, string, array, object };
    Kind kind = Kind::null;
    bool boolean = false;
    double number = 0.0;
    /// A number as written: exact where the double is not (integers beyond 2^53, such as
    /// InfluxDB's nanosecond timestamps).
    std::string number_text;
    std::string string;
    std::vector<JsonValue> items;       ///< array elements, or object values
    std::vector<std::string> keys;      ///< object keys, in order, parallel to items

    /// The member named key of an object; nullptr when absent or not an object.
    const JsonValue* find(std::string_view key) const {
        if (kind != Kind::object) return nullptr;
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key) return &items[i];
        return nullptr;
    }
};

namespace json_detail {

class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}

    std::expected<JsonValue, std::string> document() {
        JsonValue v;
        if (!value(v, 0)) return std::unexpected(error_);
        skip_space();
        if (pos_ != text_.size()) return std::unexpected(where("text after the value"));
        return v;
    }

private:
    static constexpr int max_depth = 64;

    bool fail(std::string what) {
        if (error_.empty()) error_ = where(std::move(what));
        return false;
    }
    std::string where(std::string what) const { return what + " at offset " + std::to_string(pos_); }

    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }

    bool literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) return fail("bad literal");
        pos_ += word.size();
        return true;
    }

    bool value(JsonValue& v, int depth) {
        if (depth > max_depth) return fail("nesting too deep");
        skip_space();
        if (pos_ >= text_.size()) return fail("missing value");
        switch (text_[pos_]) {
        case 'n': v.kind = JsonValue::Kind::null; return literal("null");
        case 't': v.kind = JsonValue::Kind::boolean; v.boolean = true; return literal("true");
        case 'f': v.kind = JsonValue::Kind::boolean; v.boolean = false; return literal("false");
        case '"': v.kind = JsonValue::Kind::string; return string(v.string);
        case '[': return array(v, depth);
        case '{': return object(v, depth);
        default: return number(v);
        }
    }

    bool array(JsonValue& v, int depth) {
        v.kind = JsonValue::Kind::array;
        ++pos_;
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ']') {
            ++pos_;
            return true;
        }
        for (;;) {
            JsonValue item;
            if (!value(item, depth + 1)) return false;
            v.items.push_back(std::move(item));
            skip_space();
            if (pos_ < text_.size() && text_[pos_] == ',') { ++pos_; continue; }
            if (pos_ < text_.size() && text_[pos_] == ']') { ++pos_; return true; }
            return fail("expected , or ]");
        }
    }

    bool object(JsonValue& v, int depth) {
        v.kind = JsonValue::Kind::object;
        ++pos_;
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            return true;
        }
        for (;;) {
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a key");
            std::string key;
            if (!string(key)) return false;
            if (v.find(key) != nullptr) return fail("duplicate key \"" + key + "\"");
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != ':') return fail("expected :");
            ++pos_;
            JsonValue item;
            if (!value(item, depth + 1)) return false;
            v.keys.push_back(std::move(key));
            v.items.push_back(std::move(item));
            skip_space();
            if (pos_ < text_.size() && text_[pos_] == ',') { ++pos_; continue; }
            if (pos_ < text_.size() && text_[pos_] == '}') { ++pos_; return true; }
            return fail("expected , or }");
        }
    }

    bool number(JsonValue& v) {
        const std::size_t start = pos_;
        const auto digits = [&] {
            const std::size_t from = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
            return pos_ - from;
        };
        if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '0') ++pos_;
        else if (digits() == 0) return fail("bad number");
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            if (digits() == 0) return fail("bad fraction");
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            if (digits() == 0) return fail("bad exponent");
        }
        v.kind = JsonValue::Kind::number;
        v.number_text.assign(text_.substr(start, pos_ - start));
        const auto r = std::from_chars(text_.data() + start, text_.data() + pos_, v.number);
        if (r.ec != std::errc() || r.ptr != text_.data() + pos_) return fail("unreadable number");
        return true;
    }

    bool hex4(std::uint32_t& out) {
        if (text_.size() - pos_ < 4) return fail("short \\u escape");
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[pos_++];
            out <<= 4;
            if (c >= '0' && c <= '9') out |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') out |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') out |= static_cast<std::uint32_t>(c - 'A' + 10);
            else return fail("bad \\u escape");
        }
        return true;
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) out += static_cast<char>(cp);
        else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    /// Length of the well-formed UTF-8 sequence at pos_, 0 if there is none.
    std::size_t utf8_length() const {
        const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text_[pos_ + k]); };
        const unsigned char lead = b(0);
        std::size_t n = 0;
        unsigned char low = 0x80, high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) n = 2;
        else if (lead >= 0xE0 && lead <= 0xEF) {
            n = 3;
            if (lead == 0xE0) low = 0xA0;
            if (lead == 0xED) high = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            n = 4;
            if (lead == 0xF0) low = 0x90;
            if (lead == 0xF4) high = 0x8F;
        } else
            return 0;
        if (text_.size() - pos_ < n || b(1) < low || b(1) > high) return 0;
        for (std::size_t k = 2; k < n; ++k)
            if ((b(k) & 0xC0) != 0x80) return 0;
        return n;
    }

    bool string(std::string& out) {
        ++pos_; // the opening quote
        for (;;) {
            if (pos_ >= text_.size()) return fail("unterminated string");
            const auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c < 0x20) return fail("raw control character in a string");
            if (c >= 0x80) {
                const std::size_t n = utf8_length();
                if (n == 0) return fail("invalid UTF-8");
                out.append(text_.substr(pos_, n));
                pos_ += n;
                continue;
            }
            if (c != '\\') {
                out += static_cast<char>(c);
                ++pos_;
                continue;
            }
            if (++pos_ >= text_.size()) return fail("unterminated escape");
            const char e = text_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("lone low surrogate");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    std::uint32_t low = 0;
                    if (text_.substr(pos_, 2) != "\\u") return fail("lone high surrogate");
                    pos_ += 2;
                    if (!hex4(low)) return false;
                    if (low < 0xDC00 || low > 0xDFFF) return fail("bad surrogate pair");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                append_utf8(out, cp);
                break;
            }
            default: return fail(std::string("bad escape \\") + e);
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string error_;
};

} // namespace json_detail

/// The document in text, or what is wrong with it and where.
inline std::expected<JsonValue, std::string> parse_json(std::string_view text) {
    return json_detail::Reader(text).document();
}

} // namespace ss::test
