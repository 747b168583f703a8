#include "posix/upload/quarantine.hpp"

#include <algorithm>
#include <cstring>

#include "posix/disk/atomic_file.hpp"
#include "ss/crc32c.hpp"
#include "ss/sector_format.hpp"
#include "ss/source_name.hpp"

namespace ss::hal {

namespace {

constexpr char magic[4] = {'S', 'S', 'Q', 'B'};
constexpr std::uint8_t version = 1;
constexpr std::size_t header_bytes = 56;
constexpr std::size_t crc_bytes = 4;
constexpr std::size_t reason_at = 40;
/// The most records a quarantined batch may hold: a batch is at most 65535 records here.
constexpr std::uint32_t max_count = 65535;

template <class T>
void put_le(std::vector<std::byte>& out, std::size_t at, T v) {
    std::memcpy(out.data() + at, &v, sizeof v);
}
template <class T>
T get_le(const std::vector<std::byte>& in, std::size_t at) {
    T v{};
    std::memcpy(&v, in.data() + at, sizeof v);
    return v;
}

void seal(std::vector<std::byte>& content) {
    const std::size_t body = content.size() - crc_bytes;
    put_le(content, body, crc32c(content.data(), body));
}

std::vector<std::byte> encode(const UploadBatch& b, std::uint32_t reason, std::uint64_t at_ms) {
    const std::size_t records = std::size_t{b.count} * sector::record_bytes(b.type);
    std::vector<std::byte> out(header_bytes + records + crc_bytes);
    std::memcpy(out.data(), magic, sizeof magic);
    out[4] = std::byte{version};
    out[5] = std::byte{static_cast<std::uint8_t>(b.type)};
    out[6] = std::byte{static_cast<std::uint8_t>(b.source)};
    put_le(out, 8, b.sensor_id);
    put_le(out, 12, b.count);
    put_le(out, 16, b.first_seq);
    put_le(out, 24, b.first_time);
    put_le(out, 32, b.period_us);
    put_le(out, 36, b.boot);
    put_le(out, reason_at, reason);
    put_le(out, 48, at_ms);
    if (records != 0) std::memcpy(out.data() + header_bytes, b.records, records);
    seal(out);
    return out;
}

/// The entry a file's content describes (records pointing into content), or false if the
/// content fails any check.
bool decode(const std::vector<std::byte>& c, Quarantine::Entry& e) {
    if (c.size() < header_bytes + crc_bytes || std::memcmp(c.data(), magic, sizeof magic) != 0 ||
        c[4] != std::byte{version})
        return false;
    const auto type = static_cast<std::uint8_t>(c[5]);
    const auto source = static_cast<std::uint8_t>(c[6]);
    if ((type != static_cast<std::uint8_t>(RecordType::ts) && type != static_cast<std::uint8_t>(RecordType::evt)) ||
        source >= source_count)
        return false;
    UploadBatch& b = e.batch;
    b.type = static_cast<RecordType>(type);
    b.source = static_cast<SsSource>(source);
    b.sensor_id = get_le<std::uint32_t>(c, 8);
    b.count = get_le<std::uint32_t>(c, 12);
    b.first_seq = get_le<std::uint64_t>(c, 16);
    b.first_time = get_le<std::uint64_t>(c, 24);
    b.period_us = get_le<std::uint32_t>(c, 32);
    b.boot = get_le<std::uint32_t>(c, 36);
    e.reason = get_le<std::uint32_t>(c, reason_at);
    e.quarantined_at_ms = get_le<std::uint64_t>(c, 48);
    if (b.count == 0 || b.count > max_count ||
        c.size() != header_bytes + std::size_t{b.count} * sector::record_bytes(b.type) + crc_bytes)
        return false;
    const std::size_t body = c.size() - crc_bytes;
    if (crc32c(c.data(), body) != get_le<std::uint32_t>(c, body)) return false;
    b.records = c.data() + header_bytes;
    return true;
}

bool ends_with(const std::string& s, const char* tail) {
    const std::size_t n = std::strlen(tail);
    return s.size() >= n && s.compare(s.size() - n, n, tail) == 0;
}

} // namespace

Quarantine::Quarantine(std::string directory, FileSystem& fs) : directory_(std::move(directory)), fs_(fs) {
    dir_ = fs_.open_root(directory_.c_str());
    if (dir_ >= 0) scan();
}

Quarantine::~Quarantine() {
    if (dir_ >= 0) fs_.close(dir_);
}

std::string Quarantine::file_name(const UploadBatch& b, bool released) {
    return std::string(source_name(b.source)) + "-" + std::to_string(b.sensor_id) + "-" + std::to_string(b.first_seq) +
           "-" + std::to_string(b.count) + (released ? ".qr" : ".qb");
}

int Quarantine::read_file(const std::string& file, std::vector<std::byte>& content) {
    const int fd = fs_.open_file(dir_, file.c_str(), false);
    if (fd < 0) return fd;
    const std::int64_t size = fs_.size(fd);
    int rc = size < 0 ? static_cast<int>(size) : 0;
    // Larger than any batch could be: not one of ours.
    if (rc == 0 && static_cast<std::uint64_t>(size) > header_bytes + std::uint64_t{max_count} * 12 + crc_bytes) rc = -EFBIG;
    if (rc == 0) {
        content.resize(static_cast<std::size_t>(size));
        const std::int64_t got = fs_.read(fd, content.data(), content.size(), 0);
        if (got < 0) rc = static_cast<int>(got);
        else if (static_cast<std::size_t>(got) != content.size()) rc = -EIO;
    }
    fs_.close(fd);
    return rc;
}

void Quarantine::scan() {
    std::vector<std::string> names;
    fs_.list(dir_, [](void* ctx, const char* name) { static_cast<std::vector<std::string>*>(ctx)->emplace_back(name); },
             &names);
    std::sort(names.begin(), names.end());
    std::vector<std::byte> content;
    for (const std::string& name : names) {
        // A temporary left by a crash before its rename: the batch was not kept, the store still
        // holds its records.
        if (ends_with(name, ".tmp")) {
            fs_.unlink(dir_, name.c_str());
            continue;
        }
        if (!ends_with(name, ".qb") && !ends_with(name, ".qr")) continue;
        Entry e;
        if (read_file(name, content) != 0 || !decode(content, e)) {
            ++unreadable_;
            continue;
        }
        e.released = ends_with(name, ".qr");
        // Refused again and cut off before the released name went: the held file wins.
        if (e.released && find(name.substr(0, name.size() - 3) + ".qb") != nullptr) {
            fs_.unlink(dir_, name.c_str());
            continue;
        }
        e.file = name;
        e.batch.records = nullptr;
        entries_.push_back(std::move(e));
    }
}

Quarantine::Entry* Quarantine::find(const std::string& file) {
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.file == file; });
    return it == entries_.end() ? nullptr : &*it;
}

void Quarantine::erase_entry(const std::string& file) {
    std::erase_if(entries_, [&](const Entry& e) { return e.file == file; });
}

int Quarantine::put(const UploadBatch& batch, std::uint32_t reason, std::uint64_t now_utc_ms) {
    std::lock_guard g(lock_);
    if (dir_ < 0) {
        dir_ = fs_.open_root(directory_.c_str()); // the directory may have healed
        if (dir_ < 0) return dir_;
    }
    if (batch.count == 0 || batch.count > max_count || batch.records == nullptr) return -EINVAL;
    const std::vector<std::byte> content = encode(batch, reason, now_utc_ms);
    const std::string name = file_name(batch, false);
    const std::string tmp = name + ".tmp";
    int rc = tier::write_temporary(fs_, dir_, tmp.c_str(), content.data(), content.size(), true);
    if (rc == 0) rc = tier::replace_with(fs_, dir_, tmp.c_str(), name.c_str());
    if (rc == 0) rc = fs_.sync(dir_);
    if (rc != 0) {
        fs_.unlink(dir_, tmp.c_str());
        return rc;
    }
    // The same batch again (sent again after a crash, refused again): one entry, one file.
    const std::string released_name = file_name(batch, true);
    if (find(released_name) != nullptr) fs_.unlink(dir_, released_name.c_str());
    erase_entry(name);
    erase_entry(released_name);
    Entry e;
    e.file = name;
    e.batch = batch;
    e.batch.records = nullptr;
    e.reason = reason;
    e.quarantined_at_ms = now_utc_ms;
    entries_.push_back(std::move(e));
    ++quarantined_;
    return 0;
}

std::vector<Quarantine::Entry> Quarantine::entries() const {
    std::lock_guard g(lock_);
    return entries_;
}

Quarantine::Stats Quarantine::stats() const noexcept {
    std::lock_guard g(lock_);
    Stats s;
    for (const Entry& e : entries_) {
        ++s.held_batches;
        s.held_records += e.batch.count;
    }
    s.quarantined_batches = quarantined_;
    s.released_batches = released_;
    s.dropped_batches = dropped_batches_;
    s.dropped_records = dropped_records_;
    s.unreadable_files = unreadable_;
    return s;
}

Expected<void> Quarantine::release(const std::string& file) {
    std::lock_guard g(lock_);
    Entry* e = find(file);
    if (e == nullptr || e->released) return std::unexpected(Errc::invalid_argument);
    const std::string to = file_name(e->batch, true);
    if (fs_.rename(dir_, file.c_str(), to.c_str()) != 0 || fs_.sync(dir_) != 0) return std::unexpected(Errc::io_error);
    e->file = to;
    e->released = true;
    return {};
}

Expected<void> Quarantine::drop(const std::string& file) {
    std::lock_guard g(lock_);
    Entry* e = find(file);
    if (e == nullptr) return std::unexpected(Errc::invalid_argument);
    if (fs_.unlink(dir_, file.c_str()) != 0 || fs_.sync(dir_) != 0) return std::unexpected(Errc::io_error);
    ++dropped_batches_;
    dropped_records_ += e->batch.count;
    erase_entry(file);
    return {};
}

Expected<UploadBatch> Quarantine::next_released(std::vector<std::byte>& records, std::string& file) {
    std::lock_guard g(lock_);
    for (;;) {
        auto it = std::find_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.released; });
        if (it == entries_.end()) return std::unexpected(Errc::try_again);
        Entry check;
        if (read_file(it->file, records) == 0 && decode(records, check)) {
            file = it->file;
            return check.batch;
        }
        // Damaged since it was kept: left on disk for the operator, counted, never served.
        ++unreadable_;
        entries_.erase(it);
    }
}

Expected<void> Quarantine::delivered(const std::string& file) {
    std::lock_guard g(lock_);
    if (find(file) == nullptr) return std::unexpected(Errc::invalid_argument);
    if (fs_.unlink(dir_, file.c_str()) != 0 || fs_.sync(dir_) != 0) return std::unexpected(Errc::io_error);
    ++released_;
    erase_entry(file);
    return {};
}

Expected<void> Quarantine::refused_again(const std::string& file, std::uint32_t reason) {
    std::lock_guard g(lock_);
    Entry* e = find(file);
    if (e == nullptr || !e->released) return std::unexpected(Errc::invalid_argument);
    std::vector<std::byte> content;
    Entry check;
    if (read_file(file, content) != 0 || !decode(content, check)) return std::unexpected(Errc::io_error);
    put_le(content, reason_at, reason);
    seal(content);
    const std::string held = file_name(e->batch, false);
    const std::string tmp = held + ".tmp";
    if (tier::write_temporary(fs_, dir_, tmp.c_str(), content.data(), content.size(), true) != 0 ||
        tier::replace_with(fs_, dir_, tmp.c_str(), held.c_str()) != 0 || fs_.unlink(dir_, file.c_str()) != 0 ||
        fs_.sync(dir_) != 0)
        return std::unexpected(Errc::io_error);
    e->file = held;
    e->released = false;
    e->reason = reason;
    return {};
}

} // namespace ss::hal
