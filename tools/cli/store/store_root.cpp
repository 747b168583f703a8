#include "store/store_root.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "posix/disk/file_names.hpp"
#include "ss/source_name.hpp"

namespace ss::store_tool {

namespace {

std::string errno_text(int e) { return std::strerror(e); }

// Entry names of an open directory; the descriptor stays open (fdopendir takes a duplicate).
Result<std::vector<std::string>> list_dir(int dir, const std::string& path) {
    const int dup = ::fcntl(dir, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return fail(path, errno_text(errno));
    DIR* d = ::fdopendir(dup);
    if (d == nullptr) {
        const int e = errno;
        ::close(dup);
        return fail(path, errno_text(e));
    }
    ::rewinddir(d);
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
        errno = 0;
    }
    const int e = errno;
    ::closedir(d);
    if (e != 0) return fail(path, "listing failed: " + errno_text(e));
    std::sort(names.begin(), names.end());
    return names;
}

bool exists_at(int dir, const char* name) {
    struct stat st;
    return ::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

} // namespace

Result<StoreRoot> StoreRoot::open(const std::string& path) {
    StoreRoot r;
    r.path_ = path;
    r.fd_ = UniqueFd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!r.fd_) return fail(path, errno == ENOTDIR ? "not a directory" : errno_text(errno));
    bool marker = false;
    for (const char* name : {ack_log_file, ledger_file, boot_file, hal::tier::lock_file}) marker = marker || exists_at(r.fd(), name);
    std::map<SensorKey, SensorFiles> found;
    for (int src = 0; src < source_count; ++src) {
        const std::string dir_path = path + "/" + source_name(src);
        r.source_fd_[src] = UniqueFd(::openat(r.fd(), source_name(src), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!r.source_fd_[src]) {
            if (errno == ENOENT) continue;
            return fail(dir_path, errno_text(errno));
        }
        marker = true;
        auto names = list_dir(r.source_fd_[src].get(), dir_path);
        if (!names) return std::unexpected(names.error());
        for (const std::string& name : *names) {
            std::uint32_t id = 0;
            std::string ext;
            if (!hal::tier::parse_sensor_file(name.c_str(), id, ext)) continue;
            const SensorKey key{static_cast<SsSource>(src), id};
            if (ext == hal::tier::data_ext) found[key].data = true;
            else if (ext == hal::tier::meta_ext) found[key].meta = true;
            else continue;
            found[key].key = key;
        }
    }
    if (!marker)
        return fail(path, "not a sensor-storage data root (no host/, app/ or can/ directory, no boot, acks.log, "
                          "shutdown.ledger or lock file)");
    for (const auto& [key, f] : found) r.sensors_.push_back(f);
    const UniqueFd dest(::openat(r.fd(), destinations_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dest) {
        auto names = list_dir(dest.get(), path + "/" + destinations_dir);
        if (!names) return std::unexpected(names.error());
        const std::string_view ext = cursors_ext;
        for (const std::string& n : *names)
            if (n.size() > ext.size() && n.ends_with(ext)) r.destinations_.push_back(n);
    }
    return r;
}

const SensorFiles* StoreRoot::find(SensorKey key) const noexcept {
    const auto it = std::lower_bound(sensors_.begin(), sensors_.end(), key,
                                     [](const SensorFiles& f, SensorKey k) { return f.key < k; });
    return it != sensors_.end() && it->key == key ? &*it : nullptr;
}

std::string StoreRoot::sensor_path(SensorKey key, const char* ext) const {
    return path_ + "/" + source_name(key.source) + "/" + hal::tier::sensor_file(key.id, ext);
}

Result<UniqueFd> StoreRoot::open_sensor_file(SensorKey key, const char* ext) const {
    const int dir = source_fd_[key.source].get();
    UniqueFd fd(::openat(dir, hal::tier::sensor_file(key.id, ext).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return fail(sensor_path(key, ext), errno_text(errno));
    return fd;
}

Result<UniqueFd> StoreRoot::open_root_file(const std::string& name) const {
    UniqueFd fd(::openat(fd_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && errno != ENOENT) return fail(path_ + "/" + name, errno_text(errno));
    return fd;
}

Result<std::string> read_whole(int fd, const std::string& path) {
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(path, "read failed: " + errno_text(errno));
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

} // namespace ss::store_tool
