// The file operations the disk tier performs. Everything below the data root is reached
// relative to directory descriptors with O_NOFOLLOW, so a symlink planted inside the root is
// never followed. The POSIX implementation is the real one; tests put a fault-injecting one in
// its place (same standing, like a littlefs block device).
//
// Every call returns >= 0 (a descriptor, a byte count, 0) or a negative errno value.
#pragma once

#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace ss::hal {

class FileSystem {
public:
    virtual ~FileSystem() = default;

    /// Opens (creating it with mode 0700 if missing) the data root directory.
    virtual int open_root(const char* path) = 0;
    /// Opens directory `name` in `dir`, creating it (0700) if create is set.
    virtual int open_dir(int dir, const char* name, bool create) = 0;
    /// Opens file `name` in `dir` read-write, creating it (0600) if create is set.
    virtual int open_file(int dir, const char* name, bool create) = 0;
    virtual int close(int fd) = 0;

    /// Reads up to n bytes at off; fewer only at end of file.
    virtual std::int64_t read(int fd, void* buf, std::size_t n, std::uint64_t off) = 0;
    /// Writes all of iov at off (a short write is an error: -EIO).
    virtual std::int64_t write(int fd, const iovec* iov, int iovcnt, std::uint64_t off) = 0;
    /// Makes a file's data and size durable (fdatasync), or a directory's entries (fsync).
    virtual int sync(int fd) = 0;
    /// Makes the data and size of every file on fd's file system durable (syncfs): one journal
    /// commit for any number of files. An error says that some file's write-back failed since
    /// the last sync_all, not which: the caller rewrites everything it wrote since then.
    /// -ENOSYS where the kernel cannot report such errors (Linux before 5.8).
    virtual int sync_all(int fd) = 0;
    virtual std::int64_t size(int fd) = 0;
    /// The first offset >= off holding data (skipping holes), or -ENXIO past the last data.
    virtual std::int64_t next_data(int fd, std::uint64_t off) = 0;
    virtual int truncate(int fd, std::uint64_t len) = 0;
    /// Gives [off, off + len) back to the file system; it reads as zeros after.
    virtual int punch_hole(int fd, std::uint64_t off, std::uint64_t len) = 0;
    /// Asks the kernel to forget its cached copy of [off, off + len) of a synced file, so that
    /// the next read of it comes from the device (posix_fadvise DONTNEED). Advisory: a file
    /// system may keep serving it from memory (tmpfs has nothing else).
    virtual int drop_cache(int fd, std::uint64_t off, std::uint64_t len) = 0;

    virtual int rename(int dir, const char* from, const char* to) = 0;
    virtual int unlink(int dir, const char* name) = 0;
    /// Calls fn for each entry name of dir (not "." or "..").
    virtual int list(int dir, void (*fn)(void* ctx, const char* name), void* ctx) = 0;

    /// Takes an exclusive lock on file `name` in `dir` (created 0600 if missing) without
    /// waiting, so that two processes never run a store at once: a descriptor that holds the
    /// lock until it is closed, -EBUSY if another open file (another process, or another
    /// ss_init_system in this one) holds it, or another negative errno value. -ENOTSUP where
    /// there are no other processes to exclude (an in-memory file system): nothing to hold.
    virtual int lock_exclusive(int dir, const char* name) {
        (void)dir;
        (void)name;
        return -ENOTSUP;
    }
};

/// The process-wide POSIX file system.
FileSystem& posix_file_system() noexcept;

/// What the file system holding a path reports about its space, in bytes.
struct FsSpace {
    std::uint64_t free_bytes = 0;  ///< available to an unprivileged writer (statvfs f_bavail)
    std::uint64_t total_bytes = 0; ///< the file system's size
};
/// statvfs(2) of `path`. Returns 0 and fills out, or a negative errno value.
int file_system_space(const char* path, FsSpace& out) noexcept;

} // namespace ss::hal
