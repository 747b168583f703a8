// What the disk tier keeps per sensor, in three parts: the stream of units and its cursors
// (unit_stream.hpp), the sensor's files (descriptor, allocation chunks, read cache, failures),
// and its numbering (the durable sequence reservation, the shutdown ledger's bound, the meta
// being replaced). Every field is read and written under the sensor's cold lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

#include "posix/disk/unit_stream.hpp"
#include "ss/sector_format.hpp"

namespace ss::hal::tier {

struct SensorFiles {
    int fd = -1;                     ///< the data file, once opened or created
    /// The data file's directory entry is durable (false from its creation until the next
    /// successful sync of its source directory: a crash before that may lose the whole file).
    bool entry_durable = true;
    std::set<std::uint64_t> chunks;  ///< allocation chunks held (index = offset / chunk bytes)
    /// Its files could not be fully read (an I/O error at recovery, or its source directory):
    /// what was read is served, but nothing is written to them this session, so nothing on
    /// disk is overwritten or truncated on the strength of a partial view.
    bool disk_failed = false;
    std::uint32_t write_failures = 0; ///< in a row
    std::uint32_t write_verify_failures = 0; ///< writes whose read-back differed (after_write)
    bool read_back_differs = false;   ///< the last read-back differed: SS_HEALTH_DISK_ERROR holds
    bool trim_due = false;
    std::vector<std::byte> cache;     ///< one verified unit read from disk
    std::uint64_t cache_offset = ~std::uint64_t{0};
    std::uint64_t ram_verified = ~std::uint64_t{0}; ///< RAM unit whose CRC was checked
};

struct Numbering {
    std::uint64_t head_seq_durable = 0;   ///< the acknowledged boundary the durable meta records
    std::uint64_t head_logged = 0;        ///< the one the durable acknowledgement log records
    std::uint64_t seq_reserved = 0;       ///< the consume limit (DiskTier::cap_for)
    std::uint64_t reserved_durable = 0;   ///< the reservation of the durable meta
    std::uint64_t ledger_next = ~std::uint64_t{0}; ///< what the durable ledger records, if any
    std::uint64_t ledger_staged = 0;
    std::uint64_t resume_seq = 0;         ///< where numbering continues after recovery
    std::uint64_t staged_reserved = 0;    ///< written to the meta, durable once its directory is
    std::uint64_t staged_head = 0;
    bool meta_staged = false;
    bool meta_dirty = false;              ///< the meta must be written again
    bool meta_ever_written = false;       ///< a meta of this session became durable
    std::uint64_t meta_written_at_ms = 0; ///< when the last one did (tick time)
};

struct Sensor {
    bool attached = false;
    bool recovered = false; ///< found on disk at open
    SsSource source = SS_SOURCE_HOST;
    std::uint32_t id = 0;
    RecordType type = RecordType::ts;
    UnitStream stream;
    SensorFiles files;
    Numbering numbering;
};

} // namespace ss::hal::tier
