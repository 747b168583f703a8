#include "fault/fault_file_system.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

namespace ss::test {

const char* call_name(FsCall c) noexcept {
    switch (c) {
    case FsCall::open_root: return "open_root";
    case FsCall::open_dir: return "open_dir";
    case FsCall::open_file: return "open_file";
    case FsCall::close: return "close";
    case FsCall::read: return "read";
    case FsCall::write: return "write";
    case FsCall::sync: return "sync";
    case FsCall::size: return "size";
    case FsCall::next_data: return "next_data";
    case FsCall::truncate: return "truncate";
    case FsCall::punch_hole: return "punch_hole";
    case FsCall::rename: return "rename";
    case FsCall::unlink: return "unlink";
    case FsCall::list: return "list";
    case FsCall::sync_all: return "sync_all";
    }
    return "?";
}

FaultFileSystem::FaultFileSystem() { inodes_[root_ino].dir = true; }

// ---- content --------------------------------------------------------------------------------

void FaultFileSystem::Content::resize(std::uint64_t n) {
    bytes.resize(n); // new bytes are zero
    data.resize(n, false);
}

void FaultFileSystem::apply(Content& c, const FileOp& op) {
    switch (op.kind) {
    case FileOp::write:
        if (c.bytes.size() < op.off + op.bytes.size()) c.resize(op.off + op.bytes.size());
        std::copy(op.bytes.begin(), op.bytes.end(), c.bytes.begin() + static_cast<std::ptrdiff_t>(op.off));
        std::fill_n(c.data.begin() + static_cast<std::ptrdiff_t>(op.off), op.bytes.size(), true);
        break;
    case FileOp::truncate: c.resize(op.off); break;
    case FileOp::punch: {
        const std::uint64_t end = std::min<std::uint64_t>(op.off + op.len, c.bytes.size());
        for (std::uint64_t i = op.off; i < end; ++i) {
            c.bytes[i] = std::byte{0};
            c.data[i] = false;
        }
        break;
    }
    }
}

void FaultFileSystem::apply(std::map<std::string, int>& entries, const DirOp& op) {
    for (const auto& [name, ino] : op.changes) {
        if (ino == 0) entries.erase(name);
        else entries[name] = ino;
    }
}

// ---- bookkeeping ------------------------------------------------------------------------------

int FaultFileSystem::enter(FsCall kind, const std::string& target, std::uint64_t bytes, std::uint64_t& n) {
    if (dead_) return -EIO;
    n = calls_++;
    if (recording_) log_.push_back(FsCallInfo{n, kind, target, bytes});
    if (n == die_at_) {
        dead_ = true;
        return -EIO;
    }
    if (n == tear_at_ && kind != FsCall::write) { // not a write after all: die here
        dead_ = true;
        return -EIO;
    }
    if (n == fail_at_) {
        ++injected_;
        return fail_err_;
    }
    if (n >= persistent_from_ && (persistent_kinds_ & call_bit(kind)) != 0) {
        ++injected_;
        return persistent_err_;
    }
    return 0;
}

FaultFileSystem::Fd* FaultFileSystem::fd_of(int fd) {
    auto it = fds_.find(fd);
    return it == fds_.end() ? nullptr : &it->second;
}

int FaultFileSystem::new_fd(int ino, std::string path) {
    const int fd = next_fd_++;
    fds_[fd] = Fd{ino, std::move(path)};
    return fd;
}

std::string FaultFileSystem::path_of(int fd) const {
    auto it = fds_.find(fd);
    return it == fds_.end() ? std::string("<bad fd>") : it->second.path;
}

std::string FaultFileSystem::join(const std::string& dir, const char* name) {
    return dir.empty() ? std::string(name) : dir + "/" + name;
}

// ---- FileSystem -------------------------------------------------------------------------------

int FaultFileSystem::open_root(const char* path) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::open_root, "", 0, n); r != 0) return r;
    if (path == nullptr || path[0] == '\0') return -ENOENT;
    return new_fd(root_ino, "");
}

int FaultFileSystem::open_dir(int dir, const char* name, bool create) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::open_dir, join(path_of(dir), name), 0, n); r != 0) return r;
    Fd* d = fd_of(dir);
    if (d == nullptr) return -EBADF;
    Inode& parent = inodes_.at(d->ino);
    if (!parent.dir) return -ENOTDIR;
    const std::string path = join(d->path, name);
    if (auto it = parent.cur_entries.find(name); it != parent.cur_entries.end()) {
        if (!inodes_.at(it->second).dir) return -ENOTDIR;
        return new_fd(it->second, path);
    }
    if (!create) return -ENOENT;
    const int ino = next_ino_++;
    inodes_[ino].dir = true;
    DirOp op{{{name, ino}}};
    apply(parent.cur_entries, op);
    parent.dir_pending.push_back(std::move(op));
    return new_fd(ino, path);
}

int FaultFileSystem::open_file(int dir, const char* name, bool create) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::open_file, join(path_of(dir), name), 0, n); r != 0) return r;
    Fd* d = fd_of(dir);
    if (d == nullptr) return -EBADF;
    Inode& parent = inodes_.at(d->ino);
    if (!parent.dir) return -ENOTDIR;
    const std::string path = join(d->path, name);
    if (auto it = parent.cur_entries.find(name); it != parent.cur_entries.end()) {
        if (inodes_.at(it->second).dir) return -EISDIR;
        return new_fd(it->second, path);
    }
    if (!create) return -ENOENT;
    const int ino = next_ino_++;
    inodes_[ino].dir = false;
    DirOp op{{{name, ino}}};
    apply(parent.cur_entries, op);
    parent.dir_pending.push_back(std::move(op));
    return new_fd(ino, path);
}

int FaultFileSystem::close(int fd) {
    std::uint64_t n = 0;
    const int r = enter(FsCall::close, path_of(fd), 0, n);
    if (dead_) return -EIO;
    // Linux releases the descriptor even when close reports an error.
    if (fds_.erase(fd) == 0 && r == 0) return -EBADF;
    return r;
}

std::int64_t FaultFileSystem::read(int fd, void* buf, std::size_t len, std::uint64_t off) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::read, path_of(fd), len, n); r != 0) return r;
    Fd* f = fd_of(fd);
    if (f == nullptr) return -EBADF;
    const Inode& ino = inodes_.at(f->ino);
    if (ino.dir) return -EISDIR;
    const std::uint64_t size = ino.cur.bytes.size();
    if (off >= size) return 0;
    const std::size_t got = static_cast<std::size_t>(std::min<std::uint64_t>(len, size - off));
    std::memcpy(buf, ino.cur.bytes.data() + off, got);
    return static_cast<std::int64_t>(got);
}

std::int64_t FaultFileSystem::write(int fd, const iovec* iov, int iovcnt, std::uint64_t off) {
    FileOp op{FileOp::write, off, 0, {}, false};
    for (int i = 0; i < iovcnt; ++i) {
        const auto* p = static_cast<const std::byte*>(iov[i].iov_base);
        op.bytes.insert(op.bytes.end(), p, p + iov[i].iov_len);
    }
    const std::size_t total = op.bytes.size();
    std::uint64_t n = 0;
    const int r = enter(FsCall::write, path_of(fd), total, n);
    const bool torn = r == 0 && n == tear_at_;
    if (r != 0) return r;
    Fd* f = fd_of(fd);
    if (f == nullptr) return -EBADF;
    Inode& ino = inodes_.at(f->ino);
    if (ino.dir) return -EISDIR;
    if (torn) {
        // The power goes during this write: its first tear_k_ bytes reached the medium.
        if (tear_zero_tail_) std::fill(op.bytes.begin() + static_cast<std::ptrdiff_t>(std::min(tear_k_, total)), op.bytes.end(), std::byte{0});
        else op.bytes.resize(std::min(tear_k_, total));
        op.forced = true;
        if (!op.bytes.empty()) {
            apply(ino.cur, op);
            ino.pending.push_back(std::move(op));
        }
        dead_ = true;
        return -EIO;
    }
    if (flip_left_ != 0 && f->path == flip_target_ && flip_at_ < total) {
        op.bytes[flip_at_] ^= std::byte{0x20};
        --flip_left_;
        ++flipped_;
    }
    apply(ino.cur, op);
    ino.pending.push_back(std::move(op));
    return static_cast<std::int64_t>(total);
}

int FaultFileSystem::sync(int fd) {
    std::uint64_t n = 0;
    const int r = enter(FsCall::sync, path_of(fd), 0, n);
    if (dead_) return -EIO;
    Fd* f = fd_of(fd);
    if (f == nullptr) return r != 0 ? r : -EBADF;
    Inode& ino = inodes_.at(f->ino);
    if (r != 0) {
        // A failed file sync loses the unsynced changes from the medium for good; a directory's
        // entries stay in the journal.
        if (!ino.dir) ino.pending.clear();
        return r;
    }
    if (ino.dir) {
        for (const DirOp& op : ino.dir_pending) apply(ino.dur_entries, op);
        ino.dir_pending.clear();
    } else {
        for (const FileOp& op : ino.pending) apply(ino.dur, op);
        ino.pending.clear();
    }
    if (on_sync) on_sync();
    return 0;
}

int FaultFileSystem::sync_all(int fd) {
    std::uint64_t n = 0;
    const int r = enter(FsCall::sync_all, path_of(fd), 0, n);
    if (dead_) return -EIO;
    if (fd_of(fd) == nullptr) return r != 0 ? r : -EBADF;
    if (r == 0 && sync_all_refusal_ != 0) {
        ++refused_sync_alls_;
        return sync_all_refusal_;
    }
    // The files' data only: directory entries still need their directory's sync (a stricter
    // model than ext4's, where one journal commit carries both; the tier must not rely on it).
    for (auto& [num, ino] : inodes_) {
        if (ino.dir) continue;
        if (r == 0) {
            for (const FileOp& op : ino.pending) apply(ino.dur, op);
        }
        // A failed syncfs: some write-back failed, the caller is not told which; every file's
        // unsynced changes are taken as lost, the strictest reading.
        ino.pending.clear();
    }
    if (r != 0) return r;
    if (on_sync) on_sync();
    return 0;
}

std::int64_t FaultFileSystem::size(int fd) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::size, path_of(fd), 0, n); r != 0) return r;
    Fd* f = fd_of(fd);
    if (f == nullptr) return -EBADF;
    const Inode& ino = inodes_.at(f->ino);
    return ino.dir ? 0 : static_cast<std::int64_t>(ino.cur.bytes.size());
}

std::int64_t FaultFileSystem::next_data(int fd, std::uint64_t off) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::next_data, path_of(fd), 0, n); r != 0) return r;
    Fd* f = fd_of(fd);
    if (f == nullptr) return -EBADF;
    const Inode& ino = inodes_.at(f->ino);
    if (ino.dir) return -EISDIR;
    for (std::uint64_t i = off; i < ino.cur.data.size(); ++i)
        if (ino.cur.data[i]) return static_cast<std::int64_t>(i);
    return -ENXIO;
}

int FaultFileSystem::truncate(int fd, std::uint64_t len) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::truncate, path_of(fd), len, n); r != 0) return r;
    Fd* f = fd_of(fd);
    if (f == nullptr) return -EBADF;
    Inode& ino = inodes_.at(f->ino);
    if (ino.dir) return -EISDIR;
    FileOp op{FileOp::truncate, len, 0, {}, false};
    apply(ino.cur, op);
    ino.pending.push_back(std::move(op));
    return 0;
}

int FaultFileSystem::punch_hole(int fd, std::uint64_t off, std::uint64_t len) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::punch_hole, path_of(fd), len, n); r != 0) return r;
    Fd* f = fd_of(fd);
    if (f == nullptr) return -EBADF;
    Inode& ino = inodes_.at(f->ino);
    if (ino.dir) return -EISDIR;
    FileOp op{FileOp::punch, off, len, {}, false};
    apply(ino.cur, op);
    ino.pending.push_back(std::move(op));
    return 0;
}

int FaultFileSystem::rename(int dir, const char* from, const char* to) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::rename, join(path_of(dir), from), 0, n); r != 0) return r;
    Fd* d = fd_of(dir);
    if (d == nullptr) return -EBADF;
    Inode& parent = inodes_.at(d->ino);
    if (!parent.dir) return -ENOTDIR;
    auto it = parent.cur_entries.find(from);
    if (it == parent.cur_entries.end()) return -ENOENT;
    if (std::strcmp(from, to) == 0) return 0;
    const int ino = it->second;
    if (auto t = parent.cur_entries.find(to); t != parent.cur_entries.end()) {
        if (inodes_.at(t->second).dir != inodes_.at(ino).dir) return inodes_.at(ino).dir ? -ENOTDIR : -EISDIR;
    }
    DirOp op{{{to, ino}, {from, 0}}};
    apply(parent.cur_entries, op);
    parent.dir_pending.push_back(std::move(op));
    return 0;
}

int FaultFileSystem::unlink(int dir, const char* name) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::unlink, join(path_of(dir), name), 0, n); r != 0) return r;
    Fd* d = fd_of(dir);
    if (d == nullptr) return -EBADF;
    Inode& parent = inodes_.at(d->ino);
    if (!parent.dir) return -ENOTDIR;
    auto it = parent.cur_entries.find(name);
    if (it == parent.cur_entries.end()) return -ENOENT;
    if (inodes_.at(it->second).dir) return -EISDIR;
    DirOp op{{{name, 0}}};
    apply(parent.cur_entries, op);
    parent.dir_pending.push_back(std::move(op));
    return 0;
}

int FaultFileSystem::list(int dir, void (*fn)(void* ctx, const char* name), void* ctx) {
    std::uint64_t n = 0;
    if (const int r = enter(FsCall::list, path_of(dir), 0, n); r != 0) return r;
    Fd* d = fd_of(dir);
    if (d == nullptr) return -EBADF;
    const Inode& ino = inodes_.at(d->ino);
    if (!ino.dir) return -ENOTDIR;
    std::vector<std::string> names;
    for (const auto& [name, i] : ino.cur_entries) names.push_back(name);
    for (const auto& name : names) fn(ctx, name.c_str());
    return 0;
}

// ---- faults and power cuts ----------------------------------------------------------------------

void FaultFileSystem::fail_call(std::uint64_t n, int err) {
    fail_at_ = n;
    fail_err_ = err;
}

void FaultFileSystem::fail_kinds_from(std::uint64_t from, std::uint32_t kinds, int err) {
    persistent_from_ = from;
    persistent_kinds_ = kinds;
    persistent_err_ = err;
}

void FaultFileSystem::tear_write(std::uint64_t n, std::size_t k, bool zero_tail) {
    tear_at_ = n;
    tear_k_ = k;
    tear_zero_tail_ = zero_tail;
}

void FaultFileSystem::die_at(std::uint64_t n) { die_at_ = n; }

void FaultFileSystem::flip_writes(const std::string& target, std::uint64_t count, std::size_t at) {
    flip_target_ = target;
    flip_left_ = count;
    flip_at_ = at;
}

void FaultFileSystem::clear_faults() {
    fail_at_ = persistent_from_ = tear_at_ = die_at_ = never;
    persistent_kinds_ = 0;
    flip_left_ = 0;
}

void FaultFileSystem::crash(std::mt19937_64* rng) {
    for (auto& [id, ino] : inodes_) {
        if (ino.dir) {
            std::size_t keep = 0;
            if (rng != nullptr && !ino.dir_pending.empty())
                keep = static_cast<std::size_t>((*rng)() % (ino.dir_pending.size() + 1));
            for (std::size_t i = 0; i < keep; ++i) apply(ino.dur_entries, ino.dir_pending[i]);
            ino.dir_pending.clear();
            ino.cur_entries = ino.dur_entries;
        } else {
            for (const FileOp& op : ino.pending)
                if (op.forced || (rng != nullptr && ((*rng)() & 1) != 0)) apply(ino.dur, op);
            ino.pending.clear();
            if (rot_at_ < ino.dur.bytes.size()) ino.dur.bytes[rot_at_] ^= std::byte{0x5A};
            ino.cur = ino.dur;
        }
    }
    // What no durable entry reaches is gone.
    std::set<int> reachable{root_ino};
    std::vector<int> todo{root_ino};
    while (!todo.empty()) {
        const int i = todo.back();
        todo.pop_back();
        for (const auto& [name, child] : inodes_.at(i).dur_entries)
            if (reachable.insert(child).second) todo.push_back(child);
    }
    for (auto it = inodes_.begin(); it != inodes_.end();) it = reachable.count(it->first) != 0 ? std::next(it) : inodes_.erase(it);
    fds_.clear();
    dead_ = false;
}

void FaultFileSystem::collect(int ino, const std::string& prefix, bool durable, Image& out) const {
    const Inode& d = inodes_.at(ino);
    for (const auto& [name, child] : durable ? d.dur_entries : d.cur_entries) {
        const Inode& c = inodes_.at(child);
        const std::string path = prefix.empty() ? name : prefix + "/" + name;
        if (c.dir) collect(child, path, durable, out);
        else out[path] = durable ? c.dur.bytes : c.cur.bytes;
    }
}

FaultFileSystem::Image FaultFileSystem::image(bool durable) const {
    Image out;
    collect(root_ino, "", durable, out);
    return out;
}

} // namespace ss::test
