#include "store/unit_walk.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "ss/disk_format.hpp"

namespace ss::store_tool {

namespace {

// Read this much at a time: large enough that the per-call cost vanishes, small enough to stay
// in cache.
constexpr std::size_t block_bytes = 1 << 20;

bool all_zero(const std::byte* p, std::size_t n) {
    return std::all_of(p, p + n, [](std::byte b) { return b == std::byte{0}; });
}

// The quick level's check of one slot: the header fields recovery checks, but not the CRC.
bool header_well_formed(const std::byte* s, RecordType type, std::uint32_t unit_bytes) {
    const std::uint8_t v = sector::version(s);
    if (static_cast<std::uint8_t>(s[0]) != sector::magic || (v != sector::format_version && v != sector::format_v1) ||
        sector::type_code(s) != static_cast<std::uint8_t>(type))
        return false;
    const std::uint16_t n = sector::count(s);
    return n != 0 && n <= sector::capacity(unit_bytes, type, v) && sector::first_seq(s) + n <= sector::max_seq + 1;
}

// Decides slots in file order: the level's check, then the order of sequence numbers.
class Classifier {
public:
    Classifier(RecordType type, std::uint32_t unit_bytes, CheckLevel level)
        : type_(type), unit_bytes_(unit_bytes), level_(level), scanner_(type, unit_bytes) {}

    // nullopt: an empty slot.
    std::optional<Slot> classify(std::uint64_t offset, const std::byte* s) {
        Slot slot;
        slot.offset = offset;
        slot.version = sector::version(s);
        if (level_ == CheckLevel::full) {
            disk::UnitInfo u;
            if (scanner_.feed(offset, s, u)) {
                slot.first_seq = u.first_seq;
                slot.count = u.count;
                end_seq_ = scanner_.end_seq();
                return slot;
            }
            if (const disk::LostUnit* l = scanner_.lost()) {
                slot.kind = l->header_readable ? SlotKind::bad_crc : SlotKind::bad_header;
                slot.first_seq = l->first_seq;
                slot.count = l->records;
                return slot;
            }
            if (all_zero(s, sector::header_v1_bytes)) return std::nullopt;
            slot.kind = SlotKind::stale;
            slot.first_seq = sector::first_seq(s);
            slot.count = sector::count(s);
            return slot;
        }
        if (all_zero(s, sector::header_v1_bytes)) return std::nullopt;
        if (!header_well_formed(s, type_, unit_bytes_)) {
            const disk::LostUnit l = disk::read_lost_unit(offset, s, unit_bytes_, type_, unit_bytes_);
            slot.kind = SlotKind::bad_header;
            slot.first_seq = l.first_seq;
            slot.count = l.records;
            return slot;
        }
        slot.first_seq = sector::first_seq(s);
        slot.count = sector::count(s);
        if (any_ && slot.first_seq < end_seq_) {
            slot.kind = SlotKind::stale;
            return slot;
        }
        any_ = true;
        end_seq_ = slot.first_seq + slot.count;
        return slot;
    }
    std::uint64_t end_seq() const { return end_seq_; }

private:
    RecordType type_;
    std::uint32_t unit_bytes_;
    CheckLevel level_;
    disk::UnitScanner scanner_;
    bool any_ = false;
    std::uint64_t end_seq_ = 0;
};

} // namespace

const char* slot_kind_text(SlotKind k) noexcept {
    switch (k) {
    case SlotKind::valid: return "valid";
    case SlotKind::stale: return "stale";
    case SlotKind::bad_crc: return "bad CRC";
    case SlotKind::bad_header: return "bad header";
    case SlotKind::torn: return "torn";
    }
    return "?";
}

Result<std::optional<RecordType>> first_record_type(int fd, const std::string& path, std::uint32_t unit_bytes) {
    std::optional<RecordType> found;
    // One slot at a time from the first data on: the answer is almost always the first unit.
    std::vector<std::byte> slot(unit_bytes);
    off_t off = 0;
    for (;;) {
        const off_t data = ::lseek(fd, off, SEEK_DATA);
        if (data < 0) {
            if (errno == ENXIO) return found;
            return fail(path, std::string("seek failed: ") + std::strerror(errno));
        }
        off = data / unit_bytes * unit_bytes;
        const ssize_t n = ::pread(fd, slot.data(), slot.size(), off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(path, "read failed at offset " + std::to_string(off) + ": " + std::strerror(errno));
        if (n < static_cast<ssize_t>(sector::header_v1_bytes)) return found;
        const std::uint8_t code = sector::type_code(slot.data());
        if (static_cast<std::uint8_t>(slot[0]) == sector::magic && (code == 1 || code == 2)) {
            found = static_cast<RecordType>(code);
            return found;
        }
        off += static_cast<off_t>(unit_bytes);
    }
}

Result<WalkSummary> walk_units(int fd, const std::string& path, std::optional<RecordType> type,
                               std::uint32_t unit_bytes, CheckLevel level, const SlotFn& fn) {
    WalkSummary sum;
    sum.type = type;
    struct stat st;
    if (::fstat(fd, &st) != 0) return fail(path, std::strerror(errno));
    sum.file_bytes = static_cast<std::uint64_t>(st.st_size);
    sum.allocated_bytes = static_cast<std::uint64_t>(st.st_blocks) * 512;
    std::optional<Classifier> classifier;
    if (type) classifier.emplace(*type, unit_bytes, level);
    std::vector<std::byte> buf(std::max<std::size_t>(block_bytes / unit_bytes, 1) * unit_bytes);
    const std::uint64_t size = sum.file_bytes;
    std::uint64_t off = 0;
    while (off < size) {
        const off_t data = ::lseek(fd, static_cast<off_t>(off), SEEK_DATA);
        if (data < 0) {
            if (errno == ENXIO) break; // nothing but holes past off
            return fail(path, std::string("seek failed: ") + std::strerror(errno));
        }
        off = static_cast<std::uint64_t>(data) / unit_bytes * unit_bytes;
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - off));
        std::size_t got = 0;
        while (got < want) {
            const ssize_t n = ::pread(fd, buf.data() + got, want - got, static_cast<off_t>(off + got));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return fail(path, "read failed at offset " + std::to_string(off + got) + ": " + std::strerror(errno));
            if (n == 0) break;
            got += static_cast<std::size_t>(n);
        }
        if (got == 0) break;
        const std::size_t whole = got / unit_bytes * unit_bytes;
        for (std::size_t at = 0; at < whole; at += unit_bytes) {
            const std::byte* s = buf.data() + at;
            if (!classifier) {
                // Without a meta, the first well-formed header tells the record type (recovery).
                const std::uint8_t code = sector::type_code(s);
                if (all_zero(s, sector::header_v1_bytes)) continue;
                if (static_cast<std::uint8_t>(s[0]) != sector::magic || (code != 1 && code != 2)) {
                    fn(Slot{off + at, SlotKind::bad_header, 0, 0, sector::version(s)}, nullptr);
                    continue;
                }
                sum.type = static_cast<RecordType>(code);
                classifier.emplace(*sum.type, unit_bytes, level);
            }
            if (const auto slot = classifier->classify(off + at, s))
                fn(*slot, slot->kind == SlotKind::valid || slot->kind == SlotKind::stale ? s : nullptr);
        }
        if (whole != got && off + got == size) {
            // The file ends inside a unit: a write cut short (recovery truncates it).
            const std::byte* s = buf.data() + whole;
            if (!all_zero(s, got - whole)) {
                Slot slot{off + whole, SlotKind::torn, 0, 0, sector::version(s)};
                if (sum.type) {
                    const disk::LostUnit l = disk::read_lost_unit(off + whole, s, got - whole, *sum.type, unit_bytes);
                    slot.first_seq = l.first_seq;
                    slot.count = l.records;
                }
                fn(slot, nullptr);
            }
            break;
        }
        if (whole == 0) break;
        off += whole;
    }
    if (classifier) sum.end_seq = classifier->end_seq();
    return sum;
}

} // namespace ss::store_tool
