// How a tick makes its files durable: one sync per file, or, when many files are dirty, one
// sync_all (syncfs) of the data root's file system. A failed sync_all says some file's
// write-back failed but not which: the caller rewrites everything since the last good sync,
// and files are synced one by one for a while so a lasting fault is pinned to its file. Where
// there is no usable syncfs (unsupported(): a kernel without it or before Linux 5.8, whose
// syncfs cannot report errors, or a file system that refuses it) the call did nothing: the
// caller syncs the same files one by one at once, and no sync_all is tried again in this run.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "ss/hal/file_system.hpp"
#include "ss/sensor_storage.h"

namespace ss::hal::tier {

class SyncScheduler {
public:
    /// After a failed sync_all, files are synced one by one this long.
    static constexpr std::uint64_t refusal_ms = 10'000;

    SyncScheduler(FileSystem& fs, std::uint32_t min_files, SsLogFn log, void* log_ctx) noexcept
        : fs_(fs), min_files_(min_files), log_(log), log_ctx_(log_ctx) {}
    void set_root(int root_fd) noexcept { root_fd_ = root_fd; }

    /// Whether a sync_all result says there is no usable syncfs here (-ENOSYS, -EINVAL): nothing
    /// was synced and nothing lost; the same files are to be synced one by one.
    static constexpr bool unsupported(int r) noexcept { return r == -ENOSYS || r == -EINVAL; }

    /// Whether this many dirty files go through one sync_all at time now_ms.
    bool batch(std::size_t files, std::uint64_t now_ms) const noexcept;
    /// One sync_all for this many files; on an error (logged once, not per file) the next
    /// ticks sync file by file: for 10 s, or for good if unsupported(). 0 or a negative errno.
    int sync_all(std::size_t files, std::uint64_t now_ms) noexcept;

private:
    FileSystem& fs_;
    int root_fd_ = -1;
    std::uint32_t min_files_;
    SsLogFn log_;
    void* log_ctx_;
    mutable std::mutex mutex_;
    bool unsupported_ = false;
    std::uint64_t refused_until_ms_ = 0;
};

} // namespace ss::hal::tier
