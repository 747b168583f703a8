#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ss/hal/file_system.hpp"

namespace ss::hal {

namespace {

int fail() noexcept { return -errno; }

bool kernel_at_least(int major, int minor) noexcept {
    utsname u{};
    if (::uname(&u) != 0) return false;
    int ma = 0, mi = 0;
    if (std::sscanf(u.release, "%d.%d", &ma, &mi) != 2) return false;
    return ma > major || (ma == major && mi >= minor);
}

class PosixFileSystem final : public FileSystem {
public:
    int open_root(const char* path) override {
        if (::mkdir(path, 0700) != 0 && errno != EEXIST) return fail();
        const int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd >= 0 ? fd : fail();
    }

    int open_dir(int dir, const char* name, bool create) override {
        if (create && ::mkdirat(dir, name, 0700) != 0 && errno != EEXIST) return fail();
        const int fd = ::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd >= 0 ? fd : fail();
    }

    int open_file(int dir, const char* name, bool create) override {
        const int fd = ::openat(dir, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
        if (fd < 0) return fail();
        struct stat st;
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            const int e = S_ISREG(st.st_mode) ? errno : EINVAL;
            ::close(fd);
            return -e;
        }
        return fd;
    }

    int close(int fd) override { return ::close(fd) == 0 ? 0 : fail(); }

    int lock_exclusive(int dir, const char* name) override {
        const int fd = ::openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) return fail();
        // flock, not fcntl locks: an fcntl lock belongs to the process and vanishes when any of
        // its descriptors of the file closes, and a second open in the same process would not
        // conflict with it. A flock lock belongs to this open file and goes when it is closed,
        // including by the kernel when the process dies (no stale lock after a crash).
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int e = errno == EWOULDBLOCK ? EBUSY : errno;
            ::close(fd);
            return -e;
        }
        return fd;
    }

    std::int64_t read(int fd, void* buf, std::size_t n, std::uint64_t off) override {
        std::size_t done = 0;
        while (done < n) {
            const ssize_t r = ::pread(fd, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(off + done));
            if (r < 0) {
                if (errno == EINTR) continue;
                return fail();
            }
            if (r == 0) break;
            done += static_cast<std::size_t>(r);
        }
        return static_cast<std::int64_t>(done);
    }

    std::int64_t write(int fd, const iovec* iov, int iovcnt, std::uint64_t off) override {
        std::size_t total = 0;
        for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
        const ssize_t r = ::pwritev(fd, iov, iovcnt, static_cast<off_t>(off));
        if (r < 0) return fail();
        // A short write leaves a torn tail that recovery skips; the caller retries it whole.
        if (static_cast<std::size_t>(r) != total) return -EIO;
        return r;
    }

    int sync(int fd) override {
        struct stat st;
        if (::fstat(fd, &st) != 0) return fail();
        const int r = S_ISDIR(st.st_mode) ? ::fsync(fd) : ::fdatasync(fd);
        return r == 0 ? 0 : fail();
    }

    int sync_all(int fd) override {
        // Before Linux 5.8 syncfs() returned 0 even when write-back had failed: a durability
        // claim that cannot be checked is not made.
        static const bool reports_errors = kernel_at_least(5, 8);
        if (!reports_errors) return -ENOSYS;
        return ::syncfs(fd) == 0 ? 0 : fail();
    }

    std::int64_t size(int fd) override {
        struct stat st;
        return ::fstat(fd, &st) == 0 ? static_cast<std::int64_t>(st.st_size) : fail();
    }

    std::int64_t next_data(int fd, std::uint64_t off) override {
        const off_t r = ::lseek(fd, static_cast<off_t>(off), SEEK_DATA);
        return r >= 0 ? static_cast<std::int64_t>(r) : fail();
    }

    int truncate(int fd, std::uint64_t len) override {
        return ::ftruncate(fd, static_cast<off_t>(len)) == 0 ? 0 : fail();
    }

    int punch_hole(int fd, std::uint64_t off, std::uint64_t len) override {
        return ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(off),
                           static_cast<off_t>(len)) == 0
                   ? 0
                   : fail();
    }

    int drop_cache(int fd, std::uint64_t off, std::uint64_t len) override {
        // posix_fadvise returns the error instead of setting errno.
        const int r = ::posix_fadvise(fd, static_cast<off_t>(off), static_cast<off_t>(len), POSIX_FADV_DONTNEED);
        return -r;
    }

    int rename(int dir, const char* from, const char* to) override {
        return ::renameat(dir, from, dir, to) == 0 ? 0 : fail();
    }

    int unlink(int dir, const char* name) override { return ::unlinkat(dir, name, 0) == 0 ? 0 : fail(); }

    int list(int dir, void (*fn)(void*, const char*), void* ctx) override {
        const int fd = ::dup(dir);
        if (fd < 0) return fail();
        DIR* d = ::fdopendir(fd);
        if (d == nullptr) {
            const int e = errno;
            ::close(fd);
            return -e;
        }
        ::rewinddir(d);
        // readdir returns null both at the end and on an error: only errno tells them apart. A
        // listing cut short must not pass for a complete one (recovery would miss files).
        errno = 0;
        while (const dirent* e = ::readdir(d)) {
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) fn(ctx, e->d_name);
            errno = 0;
        }
        const int e = errno;
        ::closedir(d);
        return -e;
    }
};

} // namespace

FileSystem& posix_file_system() noexcept {
    static PosixFileSystem fs;
    return fs;
}

int file_system_space(const char* path, FsSpace& out) noexcept {
    struct statvfs st;
    if (::statvfs(path, &st) != 0) return fail();
    out.free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    out.total_bytes = static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize;
    return 0;
}

} // namespace ss::hal
