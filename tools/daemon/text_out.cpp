#include "daemon/text_out.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace ss::daemon {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

bool is_continuation(unsigned char c) noexcept { return (c & 0xC0u) == 0x80u; }

/// Length of the well-formed UTF-8 sequence starting at text[i] (RFC 3629: no overlong forms,
/// no surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80u) return 1;
    std::size_t length = 0;
    unsigned char second_low = 0x80u, second_high = 0xBFu;
    if (lead >= 0xC2u && lead <= 0xDFu) length = 2;
    else if (lead >= 0xE0u && lead <= 0xEFu) {
        length = 3;
        if (lead == 0xE0u) second_low = 0xA0u;  // overlong below U+0800
        if (lead == 0xEDu) second_high = 0x9Fu; // UTF-16 surrogates
    } else if (lead >= 0xF0u && lead <= 0xF4u) {
        length = 4;
        if (lead == 0xF0u) second_low = 0x90u;  // overlong below U+10000
        if (lead == 0xF4u) second_high = 0x8Fu; // above U+10FFFF
    } else
        return 0;
    if (text.size() - i < length) return 0;
    if (byte(1) < second_low || byte(1) > second_high) return 0;
    for (std::size_t k = 2; k < length; ++k)
        if (!is_continuation(byte(k))) return 0;
    return length;
}

/// Copies text to out, handing every ASCII byte to escape_ascii (which appends it, escaped or
/// not) and replacing each byte that starts no well-formed UTF-8 sequence with U+FFFD.
template <class EscapeAscii>
void append_utf8(std::string& out, std::string_view text, EscapeAscii escape_ascii) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80u) {
            escape_ascii(out, static_cast<char>(c));
            ++i;
            continue;
        }
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out += replacement_character;
            ++i;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
}

} // namespace

void append_uint(std::string& out, std::uint64_t v) {
    std::array<char, 20> digits;
    const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), v);
    out.append(digits.data(), result.ptr);
}

void append_double(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
        return;
    }
    if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
        return;
    }
    std::array<char, 32> text; // the shortest round-trip form of a double needs at most 24
    const auto result = std::to_chars(text.data(), text.data() + text.size(), v);
    out.append(text.data(), result.ptr);
}

void append_label_value(std::string& out, std::string_view value) {
    append_utf8(out, value, [](std::string& o, char c) {
        switch (c) {
        case '\\': o += "\\\\"; break;
        case '"': o += "\\\""; break;
        case '\n': o += "\\n"; break;
        default: o += c;
        }
    });
}

void append_help_text(std::string& out, std::string_view text) {
    append_utf8(out, text, [](std::string& o, char c) {
        switch (c) {
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        default: o += c;
        }
    });
}

void append_json_string(std::string& out, std::string_view value) {
    out += '"';
    append_utf8(out, value, [](std::string& o, char c) {
        switch (c) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\b': o += "\\b"; break;
        case '\f': o += "\\f"; break;
        case '\n': o += "\\n"; break;
        case '\r': o += "\\r"; break;
        case '\t': o += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20u) {
                constexpr std::string_view hex = "0123456789abcdef";
                o += "\\u00";
                o += hex[static_cast<unsigned char>(c) >> 4];
                o += hex[static_cast<unsigned char>(c) & 0xFu];
            } else
                o += c;
        }
    });
    out += '"';
}

} // namespace ss::daemon
