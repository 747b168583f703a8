// ss-store's exit statuses (docs/store-tool.md), as git, sqlite3 and curl use them.
#pragma once

namespace ss::store_tool {

/// Clean: nothing wrong found, everything done.
inline constexpr int exit_ok = 0;
/// The store has problems (verify), or records could not be saved (salvage).
inline constexpr int exit_problems = 1;
/// Bad usage, a path that is not a store, an I/O error, a store in use: nothing was changed.
inline constexpr int exit_error = 2;

} // namespace ss::store_tool
