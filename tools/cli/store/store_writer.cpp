#include "store/store_writer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "posix/disk/file_names.hpp"
#include "ss/source_name.hpp"

namespace ss::store_tool {

namespace {
std::string errno_text() { return std::strerror(errno); }
} // namespace

Result<StoreWriter> StoreWriter::create(const std::string& path, std::uint32_t unit_bytes) {
    if (unit_bytes % 4 != 0 || unit_bytes < sector::min_bytes || unit_bytes > sector::max_bytes)
        return fail(path, "unit size " + std::to_string(unit_bytes) + " is not one the library uses (48..65536, a multiple of 4)");
    StoreWriter w;
    w.path_ = path;
    w.unit_bytes_ = unit_bytes;
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return fail(path, "cannot create: " + errno_text());
    w.root_ = UniqueFd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!w.root_) return fail(path, errno == ENOTDIR ? "exists and is not a directory" : errno_text());
    // Never mix into what is there: an existing store would be half overwritten.
    if (::faccessat(w.root_.get(), ".", W_OK, AT_EACCESS) != 0) return fail(path, "not writable: " + errno_text());
    const int dup = ::fcntl(w.root_.get(), F_DUPFD_CLOEXEC, 0);
    DIR* d = dup >= 0 ? ::fdopendir(dup) : nullptr;
    if (d == nullptr) return fail(path, errno_text());
    bool empty = true;
    while (const dirent* e = ::readdir(d))
        empty = empty && (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0);
    ::closedir(d);
    if (!empty) return fail(path, "exists and is not empty; give a new directory");
    return w;
}

Result<int> StoreWriter::source_dir(SsSource source) {
    if (!source_fd_[source]) {
        const std::string p = path_ + "/" + source_name(source);
        if (::mkdirat(root_.get(), source_name(source), 0700) != 0 && errno != EEXIST) return fail(p, errno_text());
        source_fd_[source] = UniqueFd(::openat(root_.get(), source_name(source), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!source_fd_[source]) return fail(p, errno_text());
    }
    source_dirty_[source] = true;
    return source_fd_[source].get();
}

Result<void> StoreWriter::write_all(int fd, const std::string& path, const void* data, std::size_t n, std::uint64_t off) {
    std::size_t done = 0;
    while (done < n) {
        const ssize_t r = ::pwrite(fd, static_cast<const char*>(data) + done, n - done, static_cast<off_t>(off + done));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return fail(path, "write failed at offset " + std::to_string(off + done) + ": " + errno_text());
        done += static_cast<std::size_t>(r);
    }
    return {};
}

Result<void> StoreWriter::begin_sensor(SensorKey key, RecordType type) {
    if (open_) return fail(path_, "internal: a sensor is still being written");
    auto dir = source_dir(key.source);
    if (!dir) return std::unexpected(dir.error());
    data_path_ = path_ + "/" + source_name(key.source) + "/" + hal::tier::sensor_file(key.id, hal::tier::data_ext);
    data_ = UniqueFd(::openat(*dir, hal::tier::sensor_file(key.id, hal::tier::data_ext).c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!data_) return fail(data_path_, "cannot create: " + errno_text());
    open_ = true;
    key_ = key;
    type_ = type;
    offset_ = 0;
    end_seq_ = 0;
    any_ = false;
    return {};
}

Result<void> StoreWriter::append(const RecordRun& run) {
    if (!open_) return fail(path_, "internal: append without begin_sensor");
    const std::size_t size = sector::record_bytes(type_);
    const std::size_t n = run.records.size() / size;
    if (run.records.size() % size != 0 || n == 0) return fail(data_path_, "internal: a run of no whole records");
    if (any_ && run.first_seq < end_seq_) return fail(data_path_, "internal: sequence numbers going back");
    if (run.first_seq + n > sector::max_seq + 1) return fail(data_path_, "sequence numbers past 2^56");
    const std::uint32_t cap = sector::capacity(unit_bytes_, type_);
    std::vector<std::byte> unit(unit_bytes_);
    for (std::size_t done = 0; done < n;) {
        const auto take = static_cast<std::uint16_t>(std::min<std::size_t>(cap, n - done));
        std::fill(unit.begin(), unit.end(), std::byte{0});
        sector::format(unit.data(), type_, run.first_seq + done, run.boot, run.period_us);
        sector::set_first_time(unit.data(), sector::record_time(run.first_time, run.period_us, done));
        std::memcpy(sector::payload(unit.data()), run.records.data() + done * size, take * size);
        sector::seal(unit.data(), take, type_, true);
        if (auto ok = write_all(data_.get(), data_path_, unit.data(), unit.size(), offset_); !ok) return ok;
        offset_ += unit_bytes_;
        done += take;
        ++units_written_;
        records_written_ += take;
    }
    any_ = true;
    end_seq_ = run.first_seq + n;
    return {};
}

Result<void> StoreWriter::end_sensor(disk::Meta meta) {
    if (!open_) return fail(path_, "internal: end_sensor without begin_sensor");
    if (::fsync(data_.get()) != 0) return fail(data_path_, "fsync failed: " + errno_text());
    data_.reset();
    meta.source = key_.source;
    meta.sensor_id = key_.id;
    meta.type = type_;
    meta.unit_bytes = unit_bytes_;
    meta.seq_reserved = std::max({meta.seq_reserved, end_seq_, meta.head_seq});
    std::byte buf[disk::meta_bytes];
    disk::encode_meta(meta, buf);
    const std::string name = hal::tier::sensor_file(key_.id, hal::tier::meta_ext);
    const std::string p = path_ + "/" + source_name(key_.source) + "/" + name;
    const UniqueFd fd(::openat(source_fd_[key_.source].get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return fail(p, "cannot create: " + errno_text());
    if (auto ok = write_all(fd.get(), p, buf, sizeof buf, 0); !ok) return ok;
    if (::fsync(fd.get()) != 0) return fail(p, "fsync failed: " + errno_text());
    open_ = false;
    return {};
}

Result<void> StoreWriter::copy_root_file(const StoreRoot& from, const std::string& name) {
    auto in = from.open_root_file(name);
    if (!in) return std::unexpected(in.error());
    if (!*in) return {};
    auto content = read_whole(in->get(), from.path() + "/" + name);
    if (!content) return std::unexpected(content.error());
    int dir = root_.get();
    std::string leaf = name;
    if (const auto slash = name.find('/'); slash != std::string::npos) {
        const std::string sub = name.substr(0, slash);
        if (!destinations_) {
            if (::mkdirat(root_.get(), sub.c_str(), 0700) != 0 && errno != EEXIST) return fail(path_ + "/" + sub, errno_text());
            destinations_ = UniqueFd(::openat(root_.get(), sub.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!destinations_) return fail(path_ + "/" + sub, errno_text());
        }
        dir = destinations_.get();
        leaf = name.substr(slash + 1);
    }
    const std::string p = path_ + "/" + name;
    const UniqueFd fd(::openat(dir, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return fail(p, "cannot create: " + errno_text());
    if (auto ok = write_all(fd.get(), p, content->data(), content->size(), 0); !ok) return ok;
    if (::fsync(fd.get()) != 0) return fail(p, "fsync failed: " + errno_text());
    return {};
}

Result<void> StoreWriter::finish() {
    if (open_) return fail(path_, "internal: a sensor was not ended");
    for (int s = 0; s < 3; ++s)
        if (source_dirty_[s] && ::fsync(source_fd_[s].get()) != 0) return fail(path_ + "/" + source_name(s), "fsync failed: " + errno_text());
    if (destinations_ && ::fsync(destinations_.get()) != 0) return fail(path_ + "/" + destinations_dir, "fsync failed: " + errno_text());
    if (::fsync(root_.get()) != 0) return fail(path_, "fsync failed: " + errno_text());
    return {};
}

} // namespace ss::store_tool
