#include "store/sensor_reader.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "posix/disk/file_names.hpp"

namespace ss::store_tool {

Result<SensorReader> SensorReader::open(const StoreRoot& root, SensorKey key, const AckFileRead& acks,
                                        std::uint32_t unit_bytes) {
    SensorReader r;
    r.key_ = key;
    auto meta = read_meta(root, key);
    if (!meta) return std::unexpected(meta.error());
    r.meta_ = *meta;
    r.unit_bytes_ = r.meta_.usable() ? r.meta_.meta.unit_bytes : unit_bytes;
    if (r.meta_.usable()) {
        r.type_ = r.meta_.meta.type;
        r.boundary_ = r.meta_.meta.head_seq;
        // As recovery: the log's entry counts only beside a valid meta.
        if (const auto a = acks.highest.find(key); a != acks.highest.end() && a->second > r.boundary_) {
            r.boundary_ = a->second;
            r.boundary_from_log_ = true;
        }
    }
    r.data_path_ = root.sensor_path(key, hal::tier::data_ext);
    const SensorFiles* f = root.find(key);
    if (f != nullptr && f->data) {
        auto fd = root.open_sensor_file(key, hal::tier::data_ext);
        if (!fd) return std::unexpected(fd.error());
        r.data_ = std::move(*fd);
        if (!r.type_) {
            // Without a meta the type comes from the first well-formed header, as in recovery.
            auto t = first_record_type(r.data_.get(), r.data_path_, r.unit_bytes_);
            if (!t) return std::unexpected(t.error());
            r.type_ = *t;
        }
    }
    return r;
}

Result<WalkSummary> SensorReader::walk(CheckLevel level, const SlotFn& fn) const {
    if (!data_) return WalkSummary{type_, 0, 0, 0};
    return walk_units(data_.get(), data_path_, type_, unit_bytes_, level, fn);
}

Result<void> SensorReader::for_each_record(std::uint64_t from_seq, std::uint64_t to_seq, const RecordFn& fn) const {
    if (!data_ || !type_ || to_seq < from_seq) return {};
    const std::uint64_t lo = std::max(from_seq, boundary_);
    std::vector<Record> buf;
    auto w = walk(CheckLevel::full, [&](const Slot& s, const std::byte* unit) {
        if (s.kind != SlotKind::valid) return;
        const std::uint64_t end = s.first_seq + s.count;
        if (end <= lo || s.first_seq > to_seq) return;
        const auto from = static_cast<std::uint32_t>(std::max(lo, s.first_seq) - s.first_seq);
        const auto to = static_cast<std::uint32_t>(std::min(end, to_seq == ~std::uint64_t{0} ? end : to_seq + 1) - s.first_seq);
        buf.clear();
        decode_records(unit, *type_, from, to, buf);
        fn(RecordBatch{unit_base(unit, *type_, s.offset), buf});
    });
    if (!w) return std::unexpected(w.error());
    return {};
}

namespace {

// The unit size the layout of one data file shows, or 0: the smallest candidate at which the
// first unit verifies and the next slot is the end of the file, empty, or another valid unit.
std::uint32_t unit_bytes_from_layout(int fd) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return 0;
    const off_t first = ::lseek(fd, 0, SEEK_DATA);
    if (first < 0) return 0;
    std::vector<std::byte> buf(2 * sector::max_bytes);
    const ssize_t got = ::pread(fd, buf.data(), buf.size(), first);
    if (got < static_cast<ssize_t>(sector::min_bytes)) return 0;
    const std::uint8_t code = sector::type_code(buf.data());
    if (code != 1 && code != 2) return 0;
    const auto type = static_cast<RecordType>(code);
    for (std::uint32_t c = 64; c <= sector::max_bytes; c *= 2) {
        if (first % c != 0 || first + static_cast<off_t>(c) > st.st_size || !sector::verify(buf.data(), type, c)) continue;
        const std::byte* next = buf.data() + c;
        const std::size_t left = static_cast<std::size_t>(got) > c ? static_cast<std::size_t>(got) - c : 0;
        if (left == 0) return c;
        const bool empty = std::all_of(next, next + std::min<std::size_t>(left, sector::header_v1_bytes),
                                       [](std::byte b) { return b == std::byte{0}; });
        if (empty || (left >= c && sector::verify(next, type, c))) return c;
    }
    return 0;
}

} // namespace

Result<std::uint32_t> store_unit_bytes(const StoreRoot& root, std::uint32_t fallback) {
    std::map<std::uint32_t, std::uint64_t> votes;
    for (const SensorFiles& f : root.sensors()) {
        if (!f.meta) continue;
        auto m = read_meta(root, f.key);
        if (!m) return std::unexpected(m.error());
        if (m->usable()) ++votes[m->meta.unit_bytes];
    }
    if (!votes.empty())
        return std::max_element(votes.begin(), votes.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    for (const SensorFiles& f : root.sensors()) {
        if (!f.data) continue;
        auto fd = root.open_sensor_file(f.key, hal::tier::data_ext);
        if (!fd) return std::unexpected(fd.error());
        if (const std::uint32_t c = unit_bytes_from_layout(fd->get()); c != 0) return c;
    }
    return fallback;
}

} // namespace ss::store_tool
