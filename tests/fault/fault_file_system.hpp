// An in-memory ss::hal::FileSystem that models what survives a power cut, and injects faults.
// It has the same standing as the POSIX one (like a littlefs emulated block device): the disk
// tier runs its real code path on it.
//
// Durability model (what a journaling Linux file system guarantees, no more):
//   - every file has its current content (what reads see) and its durable content (what a power
//     cut leaves); write, truncate and punch_hole change the current content at once and become
//     durable at the next successful sync of that file;
//   - a failed sync of a file loses its unsynced changes for good (Linux marks the pages clean
//     after a writeback error): they stay visible to reads but a later sync does not persist them;
//   - directory entries (create, rename, unlink) become durable at a sync of the directory; a
//     failed directory sync keeps them pending (they are in the journal);
//   - crash() reverts everything to the durable state, optionally keeping a random subset of the
//     unsynced file changes and a random prefix of each directory's unsynced changes (a disk may
//     persist some of what was never synced). Descriptors are gone; files no durable entry
//     reaches are gone.
// Holes read as zeros; next_data() skips them byte-exactly. The data root always exists.
//
// Fault injection counts every call (from 0, since reset_calls()): call N can fail with an
// errno value and no effect; a write can be torn (only its first K bytes land, durably, and the
// process is dead from then on); the process can die at call N. A dead process's calls do
// nothing and return -EIO, until crash().
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ss/hal/file_system.hpp"

namespace ss::test {

enum class FsCall : std::uint8_t {
    open_root,
    open_dir,
    open_file,
    close,
    read,
    write,
    sync,
    size,
    next_data,
    truncate,
    punch_hole,
    rename,
    unlink,
    list,
    sync_all,
};
inline constexpr int fs_call_kinds = 15;

const char* call_name(FsCall c) noexcept;
constexpr std::uint32_t call_bit(FsCall c) noexcept { return 1u << static_cast<unsigned>(c); }

/// One call, as recorded (record(true)).
struct FsCallInfo {
    std::uint64_t index = 0;
    FsCall kind = FsCall::open_root;
    std::string target;      ///< path of the file or directory the call is about
    std::uint64_t bytes = 0; ///< write: bytes written; read: bytes asked for
};

class FaultFileSystem final : public hal::FileSystem {
public:
    FaultFileSystem();

    // ---- FileSystem ------------------------------------------------------------------------
    int open_root(const char* path) override;
    int open_dir(int dir, const char* name, bool create) override;
    int open_file(int dir, const char* name, bool create) override;
    int close(int fd) override;
    std::int64_t read(int fd, void* buf, std::size_t n, std::uint64_t off) override;
    std::int64_t write(int fd, const iovec* iov, int iovcnt, std::uint64_t off) override;
    int sync(int fd) override;
    int sync_all(int fd) override;
    std::int64_t size(int fd) override;
    std::int64_t next_data(int fd, std::uint64_t off) override;
    int truncate(int fd, std::uint64_t len) override;
    int punch_hole(int fd, std::uint64_t off, std::uint64_t len) override;
    /// The model keeps no cache: reads always see the current content. Not counted.
    int drop_cache(int, std::uint64_t, std::uint64_t) override { return 0; }
    int rename(int dir, const char* from, const char* to) override;
    int unlink(int dir, const char* name) override;
    int list(int dir, void (*fn)(void* ctx, const char* name), void* ctx) override;

    // ---- fault injection -----------------------------------------------------------------------
    /// Call number n fails with err (negative errno) and has no effect.
    void fail_call(std::uint64_t n, int err);
    /// From call number `from` on, every call whose kind is in `kinds` (call_bit mask) fails with
    /// err and has no effect, until clear_faults().
    void fail_kinds_from(std::uint64_t from, std::uint32_t kinds, int err);
    /// Call number n, which must be a write, is torn: only its first k bytes land (and survive
    /// the coming power cut), and the process is dead from then on. The file then ends after
    /// those k bytes, or (zero_tail) the size change landed too and the rest reads as zeros.
    void tear_write(std::uint64_t n, std::size_t k, bool zero_tail = false);
    /// A kernel or file system without a usable syncfs: from now on every sync_all fails with
    /// err (-ENOSYS: no syscall, or Linux before 5.8; -EINVAL: a file system that refuses it)
    /// and has no effect at all, unlike an injected failure: nothing is synced, nothing is lost.
    /// 0 gives syncfs back. Kept across clear_faults() and crash(): it is the machine, not a fault.
    void refuse_sync_all(int err) noexcept { sync_all_refusal_ = err; }
    /// sync_all calls refused so (counted even when the call is not recorded).
    std::uint64_t refused_sync_alls() const noexcept { return refused_sync_alls_; }
    /// The process dies at call number n: that call and all later ones have no effect.
    void die_at(std::uint64_t n);
    /// Silent corruption on the way to the medium (a bad cable, a controller's bug): the next
    /// `count` writes to the file at `target` (a path as image() names it) land with byte `at`
    /// of their data flipped, and report success.
    void flip_writes(const std::string& target, std::uint64_t count, std::size_t at);
    /// Writes flip_writes has corrupted so far.
    std::uint64_t flipped() const noexcept { return flipped_; }
    void clear_faults();
    bool dead() const noexcept { return dead_; }
    /// Calls counted since the last reset_calls() (a dead process's calls are not counted).
    std::uint64_t calls() const noexcept { return calls_; }
    /// Counting (and the record) start again from 0.
    void reset_calls() noexcept {
        calls_ = 0;
        log_.clear();
    }
    /// Calls that failed by injection (fail_call, fail_kinds_from) so far.
    std::uint64_t injected() const noexcept { return injected_; }
    void record(bool on) { recording_ = on; }
    const std::vector<FsCallInfo>& recorded() const noexcept { return log_; }

    /// Power cut. Without rng nothing unsynced survives; with it, each unsynced file change
    /// survives with probability 1/2 and a random prefix of each directory's unsynced changes.
    /// A torn write's landed bytes survive either way. The process lives again.
    void crash(std::mt19937_64* rng = nullptr);
    /// A deliberately bad disk, to show the checks catch one: every power cut from now on
    /// flips the byte at `offset` of every file long enough (bit rot in durable data).
    void rot_on_crash(std::uint64_t offset) { rot_at_ = offset; }

    /// Every file reachable from the root ("host/sensor_0000000001.dat") and its content, as
    /// reads would see it now (durable = false) or as a power cut now would leave it.
    using Image = std::map<std::string, std::vector<std::byte>>;
    Image image(bool durable) const;

    /// Called after every successful sync (the durable state may have changed).
    std::function<void()> on_sync;

private:
    struct Content {
        std::vector<std::byte> bytes;
        std::vector<bool> data; // per byte: false = hole (reads as zero)
        void resize(std::uint64_t n);
    };
    struct FileOp {
        enum Kind : std::uint8_t { write, truncate, punch } kind;
        std::uint64_t off = 0;
        std::uint64_t len = 0;
        std::vector<std::byte> bytes;
        bool forced = false; // landed on the medium (a torn write's prefix)
    };
    /// One atomic change of a directory: name → inode, or removal (inode 0).
    struct DirOp {
        std::vector<std::pair<std::string, int>> changes;
    };
    struct Inode {
        bool dir = false;
        Content cur, dur;
        std::vector<FileOp> pending;
        std::map<std::string, int> cur_entries, dur_entries;
        std::vector<DirOp> dir_pending;
    };
    struct Fd {
        int ino;
        std::string path;
    };

    static void apply(Content& c, const FileOp& op);
    static void apply(std::map<std::string, int>& entries, const DirOp& op);
    /// Counts the call and decides its fate: 0 = go on, < 0 = fail with that; sets n to its index.
    int enter(FsCall kind, const std::string& target, std::uint64_t bytes, std::uint64_t& n);
    Fd* fd_of(int fd);
    int new_fd(int ino, std::string path);
    std::string path_of(int fd) const;
    static std::string join(const std::string& dir, const char* name);
    void collect(int ino, const std::string& prefix, bool durable, Image& out) const;

    std::map<int, Inode> inodes_;
    int next_ino_ = 2;
    static constexpr int root_ino = 1;
    std::map<int, Fd> fds_;
    int next_fd_ = 3;

    bool dead_ = false;
    std::uint64_t calls_ = 0;
    std::uint64_t injected_ = 0;
    static constexpr std::uint64_t never = ~std::uint64_t{0};
    std::uint64_t fail_at_ = never;
    int fail_err_ = 0;
    std::uint64_t persistent_from_ = never;
    std::uint32_t persistent_kinds_ = 0;
    int persistent_err_ = 0;
    std::uint64_t tear_at_ = never;
    std::size_t tear_k_ = 0;
    bool tear_zero_tail_ = false;
    std::uint64_t die_at_ = never;
    std::uint64_t rot_at_ = never;
    std::string flip_target_;
    std::uint64_t flip_left_ = 0;
    std::size_t flip_at_ = 0;
    std::uint64_t flipped_ = 0;
    int sync_all_refusal_ = 0;
    std::uint64_t refused_sync_alls_ = 0;
    bool recording_ = false;
    std::vector<FsCallInfo> log_;
};

} // namespace ss::test
