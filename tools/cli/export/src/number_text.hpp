// Numbers as CSV text: integers in decimal, doubles in the shortest form that reads back to the
// same double (std::to_chars), so an export read back compares equal bit for bit.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace ss::store_export::detail {

template <class Number>
void append_number(std::string& out, Number value) {
    char text[64];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    out.append(text, end);
}

/// The whole of `text` as a Number; none if it is empty, has anything else or is out of range.
template <class Number>
std::optional<Number> parse_number(std::string_view text) {
    Number value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

} // namespace ss::store_export::detail
