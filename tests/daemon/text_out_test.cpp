// The value writers both formats share: numbers as readers parse them, and the escaping and
// UTF-8 repair of each string context.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "daemon/text_out.hpp"

namespace {

template <class Append, class Value>
std::string written(Append append, const Value& value) {
    std::string out;
    append(out, value);
    return out;
}

const std::string replacement = "\xEF\xBF\xBD";

} // namespace

TEST_CASE("numbers") {
    using ss::daemon::append_double;
    using ss::daemon::append_uint;
    CHECK(written(append_uint, std::uint64_t{0}) == "0");
    CHECK(written(append_uint, std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
    CHECK(written(append_double, 0.0) == "0");
    CHECK(written(append_double, 1.0) == "1");
    CHECK(written(append_double, 0.001) == "0.001");
    CHECK(written(append_double, 3723.456) == "3723.456");
    CHECK(written(append_double, 1e21) == "1e+21");
    CHECK(written(append_double, std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(written(append_double, -std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(written(append_double, std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("a label value escapes backslash, quote and line feed, and nothing else") {
    using ss::daemon::append_label_value;
    CHECK(written(append_label_value, std::string_view("plain-name_1.2")) == "plain-name_1.2");
    CHECK(written(append_label_value, std::string_view("a\\b\"c\nd")) == R"(a\\b\"c\nd)");
    CHECK(written(append_label_value, std::string_view("tab\there {braces} =,")) == "tab\there {braces} =,");
    CHECK(written(append_label_value, std::string_view("Grüße €")) == "Grüße €");
}

TEST_CASE("HELP text escapes backslash and line feed; quotes stay") {
    using ss::daemon::append_help_text;
    CHECK(written(append_help_text, std::string_view("a \"b\" \\ c\nd")) == R"(a "b" \\ c\nd)");
}

TEST_CASE("a JSON string is quoted and escapes quote, backslash and control characters") {
    using ss::daemon::append_json_string;
    CHECK(written(append_json_string, std::string_view("")) == R"("")");
    CHECK(written(append_json_string, std::string_view("a\"b\\c/d")) == R"("a\"b\\c/d")");
    CHECK(written(append_json_string, std::string_view("\b\f\n\r\t\x01\x1f\x7f")) == "\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
}

TEST_CASE("well-formed UTF-8 passes; each byte of an ill-formed sequence becomes U+FFFD") {
    using ss::daemon::append_label_value;
    const auto label = [](std::string_view s) { return written(append_label_value, s); };
    CHECK(label("\xC2\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF") == "\xC2\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF");
    CHECK(label("\x80") == replacement);                                   // a lone continuation byte
    CHECK(label("\xC0\x80") == replacement + replacement);                 // overlong NUL
    CHECK(label("\xE0\x80\xAF") == replacement + replacement + replacement); // overlong '/'
    CHECK(label("\xED\xA0\x80") == replacement + replacement + replacement); // a UTF-16 surrogate
    CHECK(label("\xF4\x90\x80\x80") == replacement + replacement + replacement + replacement); // above U+10FFFF
    CHECK(label("\xF5\x80") == replacement + replacement);
    CHECK(label("ab\xE2\x82") == "ab" + replacement + replacement);         // cut short at the end
    CHECK(label("\xE2\x82x") == replacement + replacement + "x");           // cut short by ASCII
    CHECK(label("\xFF\"") == replacement + "\\\"");                         // repair, then escape
}
