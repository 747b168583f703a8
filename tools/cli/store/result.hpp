// Errors of the offline store tool: a message that names the file and the problem, carried in
// std::expected like the library's Errc (ss/expected.hpp), which has no room for a file name.
#pragma once

#include <expected>
#include <string>

namespace ss::store_tool {

/// Why an operation failed, as the operator reads it: "<file>: <problem>".
struct Failure {
    std::string message;
};

template <class T>
using Result = std::expected<T, Failure>;

/// "<path>: <what>" as a Failure, for `return fail(...)`.
inline std::unexpected<Failure> fail(const std::string& path, const std::string& what) {
    return std::unexpected(Failure{path + ": " + what});
}

} // namespace ss::store_tool
