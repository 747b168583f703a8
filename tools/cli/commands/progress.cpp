#include "commands/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace ss::store_tool {

Progress::Progress(const char* what, std::uint64_t total)
    : what_(what), total_(total), on_(::isatty(STDERR_FILENO) == 1 && total > 1) {}

Progress::~Progress() {
    if (on_ && shown_pct_ != 101) std::fprintf(stderr, "\r\033[K");
}

void Progress::step() {
    ++done_;
    if (!on_) return;
    const std::uint64_t pct = done_ * 100 / total_;
    if (pct == shown_pct_) return;
    shown_pct_ = pct;
    const int width = 30;
    const int filled = static_cast<int>(pct * width / 100);
    std::fprintf(stderr, "\r%s [%.*s%*s] %3llu%% (%llu/%llu)", what_, filled, "==============================",
                 width - filled, "", static_cast<unsigned long long>(pct), static_cast<unsigned long long>(done_),
                 static_cast<unsigned long long>(total_));
    std::fflush(stderr);
}

} // namespace ss::store_tool
