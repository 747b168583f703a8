// Shared by the crash/restart suites and their child program (tests/crash/README.md): the value
// pattern every record carries, the evidence files the child leaves, and an independent reader
// of a disk root (docs/storage-format.md) that tells what the disk tier must serve after a restart.
#pragma once

#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ss/disk_format.hpp"
#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"

namespace crash {

// ---- the value pattern ----------------------------------------------------------------------

inline std::uint64_t mix64(std::uint64_t x) noexcept {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/// The value of record `seq` of sensor (source, id): anything served must carry exactly this.
inline std::uint32_t value_of(int source, std::uint32_t id, std::uint64_t seq) noexcept {
    return static_cast<std::uint32_t>(mix64(seq * 0x100000001B3ull ^ (std::uint64_t(source) << 60) ^ (std::uint64_t(id) << 20)));
}
/// The event timestamp of that record.
inline std::uint64_t ts_of(int source, std::uint32_t id, std::uint64_t seq) noexcept {
    return mix64(std::uint64_t{value_of(source, id, seq)} ^ (seq << 32) ^ 0xA5A5ull) & 0x0000FFFFFFFFFFFFull;
}

// ---- sensors ----------------------------------------------------------------------------------

struct SensorDef {
    SsSource source;
    std::uint32_t id;
    SensorType type;
};

inline const char* source_dir(SsSource s) noexcept {
    return s == SS_SOURCE_HOST ? "host" : s == SS_SOURCE_APP ? "app" : "can";
}

/// The crash test's sensors: `n` of them spread over the three sources, types alternating.
inline SensorDef crash_sensor(std::uint32_t idx) noexcept {
    return SensorDef{static_cast<SsSource>(idx % 3), 100 + idx / 3, (idx / 3 + idx) % 2 == 0 ? SENSOR_TS : SENSOR_EVT};
}

/// The round trip's sensors: ids 0..2047 in each source, types alternating.
inline SensorDef rt_sensor(std::uint32_t idx) noexcept {
    return SensorDef{static_cast<SsSource>(idx / 2048), idx % 2048, (idx % 2048 + idx / 2048) % 2 == 0 ? SENSOR_TS : SENSOR_EVT};
}

// ---- evidence files ---------------------------------------------------------------------------

/// One consumed (or acknowledged) batch: records [first_seq, first_seq + n) of sensor idx.
struct BatchEntry {
    std::uint32_t sensor;
    std::uint32_t n;
    std::uint64_t first_seq;
};
static_assert(sizeof(BatchEntry) == 16);

/// A served record as the verify mode reports it.
struct ServedEntry {
    std::uint32_t sensor;
    std::uint32_t value;
    std::uint64_t seq;
    std::uint64_t ts_ms;
};
static_assert(sizeof(ServedEntry) == 24);

/// A sensor's figures as a child reports them (verify mode after registration, clean stop).
struct StatEntry {
    std::uint32_t sensor;
    std::int32_t rc;
    std::uint64_t next_seq;
    std::uint64_t retained;
    std::uint64_t pending;
    std::uint64_t head_seq;
};
static_assert(sizeof(StatEntry) == 40);

/// Whole entries of a binary log; a torn last entry (the writer was killed) is ignored.
template <class T>
std::vector<T> read_entries(const std::string& path) {
    std::vector<T> out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    std::vector<char> bytes;
    char buf[1 << 16];
    for (;;) {
        const ssize_t r = ::read(fd, buf, sizeof buf);
        if (r <= 0) break;
        bytes.insert(bytes.end(), buf, buf + r);
    }
    ::close(fd);
    out.resize(bytes.size() / sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
    return out;
}

inline std::string read_text(const std::string& path) {
    std::string s;
    FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) return s;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
    return s;
}

// ---- an independent reader of a disk root ------------------------------------------------------

struct DiskRecord {
    std::uint64_t seq;
    std::uint32_t value;
    std::uint64_t ts_ms;
};

/// What one sensor's files hold right now.
struct DiskView {
    bool have_meta = false;
    bool meta_ok = false;
    ss::disk::Meta meta{};
    bool have_data = false;
    std::uint64_t valid_units = 0;
    std::uint64_t bad_units = 0;       ///< non-zero slots that do not verify
    std::uint64_t disorder_units = 0;  ///< valid units whose sequence goes back (stale)
    std::uint64_t end_seq = 0;         ///< just past the last valid unit
    std::uint64_t data_bytes = 0;
    /// The highest boundary <root>/acks.log records for the sensor (0: none), and the one a
    /// restart must honour: the meta's, or the log's where it is later and the meta is valid.
    std::uint64_t ack_logged = 0;
    std::uint64_t head = 0;
    /// Records in valid units at or after the acknowledged boundary: what must be served.
    std::vector<DiskRecord> live;
};

/// Reads <root>/<source>/sensor_<id>.{meta,dat} of a sensor of type t with unit_bytes units.
/// Deliberately written from the format description rather than with UnitScanner, so that the
/// library's recovery is checked against a second reading.
inline DiskView read_disk(const std::string& root, const SensorDef& d, std::uint32_t unit_bytes) {
    DiskView v;
    char name[64];
    const ss::RecordType rt = d.type == SENSOR_TS ? ss::RecordType::ts : ss::RecordType::evt;
    std::snprintf(name, sizeof name, "/%s/sensor_%010u.meta", source_dir(d.source), d.id);
    std::string path = root + name;
    if (int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
        v.have_meta = true;
        std::byte buf[ss::disk::meta_bytes + 1];
        const ssize_t n = ::pread(fd, buf, sizeof buf, 0);
        ::close(fd);
        v.meta_ok = n == static_cast<ssize_t>(ss::disk::meta_bytes) &&
                    ss::disk::decode_meta(buf, ss::disk::meta_bytes, v.meta) == ss::disk::MetaError::none &&
                    v.meta.sensor_id == d.id && v.meta.source == d.source && v.meta.unit_bytes == unit_bytes;
    }
    struct Unit {
        std::uint64_t first;
        std::vector<DiskRecord> recs;
    };
    std::vector<Unit> units;
    std::snprintf(name, sizeof name, "/%s/sensor_%010u.dat", source_dir(d.source), d.id);
    path = root + name;
    if (int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
        v.have_data = true;
        std::vector<std::byte> buf(unit_bytes);
        const std::size_t rb = ss::sector::record_bytes(rt);
        for (std::uint64_t off = 0;; off += unit_bytes) {
            const ssize_t n = ::pread(fd, buf.data(), unit_bytes, static_cast<off_t>(off));
            if (n <= 0) break;
            v.data_bytes = off + static_cast<std::uint64_t>(n);
            if (n != static_cast<ssize_t>(unit_bytes)) {
                ++v.bad_units; // a partial unit at the end of the file
                break;
            }
            bool zero = true;
            for (std::size_t i = 0; i < ss::sector::header_bytes && zero; ++i) zero = buf[i] == std::byte{0};
            if (zero) continue;
            if (!ss::sector::verify(buf.data(), rt, unit_bytes) || ss::sector::count(buf.data()) == 0) {
                ++v.bad_units;
                continue;
            }
            Unit u;
            u.first = ss::sector::first_seq(buf.data());
            const std::uint16_t cnt = ss::sector::count(buf.data());
            if (!units.empty() && u.first < v.end_seq) {
                ++v.disorder_units;
                continue;
            }
            for (std::uint16_t i = 0; i < cnt; ++i) {
                const std::byte* p = ss::sector::payload(buf.data()) + std::size_t{i} * rb;
                DiskRecord r{u.first + i, 0, 0};
                std::memcpy(&r.value, p, 4);
                if (rt == ss::RecordType::evt) std::memcpy(&r.ts_ms, p + 4, 8);
                u.recs.push_back(r);
            }
            v.end_seq = u.first + cnt;
            ++v.valid_units;
            units.push_back(std::move(u));
        }
        ::close(fd);
    }
    path = root + "/acks.log";
    if (int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
        std::vector<std::byte> log(1 << 16);
        std::size_t have = 0;
        for (ssize_t n; (n = ::pread(fd, log.data() + have, log.size() - have, static_cast<off_t>(have))) > 0;) {
            have += static_cast<std::size_t>(n);
            if (have == log.size()) log.resize(log.size() * 2);
        }
        ::close(fd);
        if (ss::disk::check_ack_log_header(log.data(), have)) {
            for (std::size_t off = ss::disk::ack_log_header_bytes; off + ss::disk::ack_entry_bytes <= have;
                 off += ss::disk::ack_entry_bytes) {
                ss::disk::AckEntry e;
                if (ss::disk::decode_ack_entry(log.data() + off, e) && e.source == d.source && e.sensor_id == d.id)
                    v.ack_logged = std::max(v.ack_logged, e.head_seq);
            }
        }
    }
    v.head = v.meta_ok ? std::max(v.meta.head_seq, v.ack_logged) : 0;
    for (const Unit& u : units)
        for (const DiskRecord& r : u.recs)
            if (r.seq >= v.head) v.live.push_back(r);
    return v;
}

} // namespace crash
