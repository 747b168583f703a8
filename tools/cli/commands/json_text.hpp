// The little JSON the tool writes (stats --json, dump --json): strings escaped per RFC 8259.
#pragma once

#include <string>
#include <string_view>

namespace ss::store_tool {

/// `s` as a JSON string literal, quotes included.
std::string json_string(std::string_view s);

} // namespace ss::store_tool
