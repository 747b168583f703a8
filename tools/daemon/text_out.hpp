// Writes values into the endpoint's two text formats, the Prometheus text exposition format and
// JSON. Both require UTF-8, while a configured name may hold any bytes: one invalid byte in a
// label value makes Prometheus reject the whole scrape, so invalid sequences are written as
// U+FFFD and the rest of the text survives.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ss::daemon {

/// Decimal digits of v.
void append_uint(std::string& out, std::uint64_t v);

/// The shortest text that reads back as v ("0.001", "1", "1e+21"); "+Inf", "-Inf" and "NaN"
/// as the Prometheus text format spells them. JSON has no spelling for those three: callers
/// writing JSON pass finite values only.
void append_double(std::string& out, double v);

/// A label value's characters, without the quotes: backslash, double quote and line feed
/// escaped as the text format requires.
void append_label_value(std::string& out, std::string_view value);

/// A # HELP line's text: backslash and line feed escaped (quotes stay as they are).
void append_help_text(std::string& out, std::string_view text);

/// A JSON string, quotes included: quote, backslash and every control character escaped.
void append_json_string(std::string& out, std::string_view value);

} // namespace ss::daemon
