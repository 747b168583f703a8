// Where a stage's log lines go: the sink the runtime hands it (Pipeline passes its own), or
// stderr when it is given none.
#pragma once

#include <functional>
#include <string>

namespace ss::actors {

/// A log sink: level 0 = error, 1 = warning, 2 = info (as SsLogFn).
using StageLog = std::function<void(int level, const std::string& line)>;

/// Hands `line` to `log`, or writes it to stderr when `log` is empty.
void write_log(const StageLog& log, int level, const std::string& line);

} // namespace ss::actors
