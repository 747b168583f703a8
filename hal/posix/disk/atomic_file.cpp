#include "posix/disk/atomic_file.hpp"

#include <sys/uio.h>

namespace ss::hal::tier {

int write_temporary(FileSystem& fs, int dir, const char* tmp, const void* data, std::size_t n, bool sync_now) {
    const int fd = fs.open_file(dir, tmp, true);
    if (fd < 0) return fd;
    const iovec v{const_cast<void*>(data), n};
    std::int64_t r = fs.write(fd, &v, 1, 0);
    // A longer file left by an earlier write must not keep a tail past the new content.
    if (r >= 0) r = fs.truncate(fd, n);
    if (r >= 0 && sync_now) r = fs.sync(fd);
    fs.close(fd);
    return r < 0 ? static_cast<int>(r) : 0;
}

int replace_with(FileSystem& fs, int dir, const char* tmp, const char* name) { return fs.rename(dir, tmp, name); }

} // namespace ss::hal::tier
