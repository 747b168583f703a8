#include "ss/actors/stage_log.hpp"

#include <cstdio>

namespace ss::actors {

void write_log(const StageLog& log, int level, const std::string& line) {
    if (log) {
        log(level, line);
        return;
    }
    std::fprintf(stderr, "sensor-storage: %s: %s\n", level == 0 ? "error" : level == 1 ? "warning" : "info", line.c_str());
}

} // namespace ss::actors
