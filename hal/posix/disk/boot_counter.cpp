#include "boot_counter.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "atomic_file.hpp"
#include "ss/disk_format.hpp"

namespace ss::hal::tier {

namespace {
constexpr const char* boot_name = "boot";
constexpr const char* boot_tmp_name = "boot.tmp";
} // namespace

Expected<BootCount> advance_boot_counter(FileSystem& fs, int root_fd, Text& why) {
    BootCount out;
    std::uint32_t last = 0;
    fs.unlink(root_fd, boot_tmp_name); // a replacement that never completed
    const int fd = fs.open_file(root_fd, boot_name, false);
    if (fd == -ENOENT) {
        out.first = true;
    } else if (fd < 0) {
        why.clear();
        why << "boot record: " << std::strerror(-fd);
        return std::unexpected(Errc::io_error);
    } else {
        std::byte buf[disk::boot_record_bytes + 1];
        const std::int64_t n = fs.read(fd, buf, sizeof buf, 0);
        fs.close(fd);
        if (n < 0) {
            why.clear();
            why << "boot record: " << std::strerror(static_cast<int>(-n));
            return std::unexpected(Errc::io_error);
        }
        out.was_invalid = !disk::decode_boot_record(buf, static_cast<std::size_t>(n), last);
        if (out.was_invalid) last = 0;
    }
    // 0 is never a boot of a store with this record, so a format-1 sector's boot id 0 (the usual
    // one) is told apart from every later boot's.
    out.boot = last + 1 == 0 ? 1 : last + 1;
    std::byte rec[disk::boot_record_bytes];
    disk::encode_boot_record(out.boot, rec);
    int rc = write_temporary(fs, root_fd, boot_tmp_name, rec, sizeof rec, true);
    if (rc == 0) rc = replace_with(fs, root_fd, boot_tmp_name, boot_name);
    if (rc == 0) rc = fs.sync(root_fd);
    if (rc != 0) {
        why.clear();
        why << "boot record: cannot record boot " << out.boot << ": " << std::strerror(-rc);
        return std::unexpected(Errc::io_error);
    }
    return out;
}

} // namespace ss::hal::tier
