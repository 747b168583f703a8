#include "posix/disk/sync_scheduler.hpp"

#include <cerrno>
#include <cstring>

#include "ss/text.hpp"

namespace ss::hal::tier {

bool SyncScheduler::batch(std::size_t files, std::uint64_t now_ms) const noexcept {
    if (min_files_ == 0 || files < min_files_) return false;
    std::lock_guard g(mutex_);
    return !unsupported_ && now_ms >= refused_until_ms_;
}

int SyncScheduler::sync_all(std::size_t files, std::uint64_t now_ms) noexcept {
    const int r = fs_.sync_all(root_fd_);
    if (r == 0) return 0;
    {
        std::lock_guard g(mutex_);
        // Logged once: a caller that raced another past batch() finds it known already.
        if (unsupported(r) && unsupported_) return r;
        if (unsupported(r)) unsupported_ = true;
        else refused_until_ms_ = now_ms + refusal_ms;
    }
    Text t;
    if (r == -ENOSYS)
        t << "syncfs is missing or cannot report write-back errors on this kernel: one sync per file from now on";
    else if (r == -EINVAL)
        t << "the data root's file system refuses syncfs: one sync per file from now on";
    else
        t << "syncfs of the data root failed: " << std::strerror(-r) << "; the writes to "
          << static_cast<std::uint64_t>(files) << " files are kept in RAM and retried next tick, one sync per file for 10 s";
    if (log_ != nullptr) log_(log_ctx_, 0, t.c_str());
    return r;
}

} // namespace ss::hal::tier
