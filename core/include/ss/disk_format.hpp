// The Linux disk tier's on-disk formats (docs/storage-format.md): the per-sensor meta record and
// the scanner that finds valid units in a data file. Pure functions over bytes, so that the
// parsers can be fuzzed and the recovery rules tested without a file system.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"

namespace ss::disk {

/// A data file is a sequence of units, each a sealed RAM sector image of unit_bytes, at offsets
/// that are multiples of unit_bytes. Units are appended and never rewritten.
struct UnitInfo {
    std::uint64_t offset;
    std::uint64_t first_seq;
    std::uint16_t count;
};

/// The meta record: the acknowledged boundary and the sequence reservation of one sensor.
struct Meta {
    SsSource source = SS_SOURCE_HOST;
    RecordType type = RecordType::ts;
    std::uint32_t sensor_id = 0;
    std::uint32_t unit_bytes = 0;
    /// Records with a lower sequence number were acknowledged and erased: never re-sent.
    std::uint64_t head_seq = 0;
    /// No record at or above this was ever handed out; a restart resumes numbering here at least.
    std::uint64_t seq_reserved = 0;
    /// Lifetime counts, carried across restarts for diagnostics.
    std::uint64_t dropped_quota = 0;
    std::uint64_t corrupt_units = 0;
    /// What recovery found lost (CRC-bad or torn units) and has not yet passed out of the
    /// stream: the units, the records known lost with them, and the sequence number the
    /// acknowledged boundary must reach before they are history (version 2; zero in version 1).
    std::uint32_t lost_units = 0;
    std::uint64_t lost_records = 0;
    std::uint64_t lost_until_seq = 0;
};

/// Version 2 (written): 80 bytes. Version 1 (still read): 64 bytes, no loss fields.
inline constexpr std::size_t meta_bytes = 80;
inline constexpr std::size_t meta_v1_bytes = 64;
inline constexpr std::uint32_t meta_magic = 0x544D5353; // "SSMT"
inline constexpr std::uint16_t meta_version = 2;

/// Encodes m into exactly meta_bytes bytes (version 2).
void encode_meta(const Meta& m, std::byte* out) noexcept;

enum class MetaError { none, too_short, bad_magic, bad_version, bad_crc, bad_fields };

/// Decodes and checks a meta record of `len` bytes, version 1 or 2. On success, out is filled.
/// too_short: fewer bytes than the record's version needs (64 at least).
MetaError decode_meta(const std::byte* data, std::size_t len, Meta& out) noexcept;

/// The shutdown ledger (`<root>/shutdown.ledger`): written once a shutdown has made everything
/// durable, it records each sensor's exact next sequence number, so a clean restart continues
/// numbering without a gap while the metas keep their reservations ahead (one file written at
/// shutdown instead of one meta per sensor). It is removed, durably, before a session hands out
/// a number past what it records. Little endian: a 32-byte header, then 16-byte entries.
struct LedgerEntry {
    SsSource source = SS_SOURCE_HOST;
    std::uint32_t sensor_id = 0;
    /// No number at or above this was handed out: a restart resumes here.
    std::uint64_t next_seq = 0;
};

inline constexpr std::size_t ledger_header_bytes = 32;
inline constexpr std::size_t ledger_entry_bytes = 16;
inline constexpr std::uint32_t ledger_magic = 0x474C5353; // "SSLG"
inline constexpr std::uint16_t ledger_version = 1;
/// Most entries a ledger may hold (every slot of the largest configuration, three sources).
inline constexpr std::uint32_t ledger_max_entries = 3u * 65534u;

/// Encodes one entry into ledger_entry_bytes bytes.
void encode_ledger_entry(const LedgerEntry& e, std::byte* out) noexcept;
/// Encodes the header for `count` entries already encoded at `entries` (right after it).
void encode_ledger_header(std::uint32_t count, const std::byte* entries, std::byte* out) noexcept;

enum class LedgerError { none, too_short, bad_magic, bad_version, bad_crc, bad_fields };
/// Checks a whole ledger file of `len` bytes (header, entries, both CRCs, every field). On
/// success `count` is the number of entries, read with ledger_entry().
LedgerError check_ledger(const std::byte* data, std::size_t len, std::uint32_t& count) noexcept;
/// Entry i of a ledger that check_ledger accepted.
LedgerEntry ledger_entry(const std::byte* data, std::uint32_t i) noexcept;

/// The acknowledgement log (`<root>/acks.log`): each tick appends, for every sensor whose
/// acknowledged boundary moved, the boundary its meta would now record, made durable with the
/// tick's sync. Metas are rewritten at most once a second per sensor (two syncs each); the log
/// makes a crash re-send only what was acknowledged since the last tick. Little endian: a
/// 16-byte header, then 24-byte entries, each checked on its own (a torn or bad entry costs only
/// itself). A restart takes, per sensor with a valid meta, the highest entry above the meta's.
struct AckEntry {
    SsSource source = SS_SOURCE_HOST;
    std::uint32_t sensor_id = 0;
    /// Records with a lower sequence number were acknowledged (as Meta::head_seq).
    std::uint64_t head_seq = 0;
};

inline constexpr std::size_t ack_log_header_bytes = 16;
inline constexpr std::size_t ack_entry_bytes = 24;
inline constexpr std::uint32_t ack_log_magic = 0x4B415353; // "SSAK"
inline constexpr std::uint16_t ack_log_version = 1;

/// Encodes the header into ack_log_header_bytes bytes: magic, u16 version, six zero bytes, u32
/// CRC32C of bytes 0..11.
void encode_ack_log_header(std::byte* out) noexcept;
/// True if `len` bytes at data start with a valid header of this version.
bool check_ack_log_header(const std::byte* data, std::size_t len) noexcept;
/// Encodes one entry into ack_entry_bytes bytes: u8 source, three zero bytes, u32 sensor id, u64
/// head_seq, four zero bytes, u32 CRC32C of bytes 0..19.
void encode_ack_entry(const AckEntry& e, std::byte* out) noexcept;
/// True, with `out` filled, if the ack_entry_bytes bytes at data are a valid entry.
bool decode_ack_entry(const std::byte* data, AckEntry& out) noexcept;
/// Calls fn(const AckEntry&) for each valid whole entry of a log (or a destination's cursor
/// file) of `len` bytes whose header check_ack_log_header accepted; a short tail (a torn append)
/// is no entry. Returns the entries that were not valid.
template <class Fn>
std::uint64_t for_each_ack_entry(const std::byte* data, std::size_t len, Fn&& fn) noexcept {
    std::uint64_t bad = 0;
    const std::size_t whole = len < ack_log_header_bytes ? 0 : (len - ack_log_header_bytes) / ack_entry_bytes;
    for (std::size_t i = 0; i < whole; ++i) {
        AckEntry e;
        if (decode_ack_entry(data + ack_log_header_bytes + i * ack_entry_bytes, e)) fn(e);
        else ++bad;
    }
    return bad;
}

/// The boot record (`<root>/boot`): the number of the last boot that opened the store, so that
/// each start records a new one in the sectors it writes. Little endian, 16 bytes: magic
/// "SSBT", u16 version 1, u16 zero, u32 boot, u32 CRC32C of bytes 0..11.
inline constexpr std::size_t boot_record_bytes = 16;
inline constexpr std::uint32_t boot_magic = 0x54425353; // "SSBT"
inline constexpr std::uint16_t boot_version = 1;

/// Encodes boot into exactly boot_record_bytes bytes.
void encode_boot_record(std::uint32_t boot, std::byte* out) noexcept;
/// True, with boot filled, if `len` bytes at data are a valid boot record.
bool decode_boot_record(const std::byte* data, std::size_t len, std::uint32_t& boot) noexcept;

/// What a scan found.
struct ScanTotals {
    std::uint64_t valid_units = 0;
    std::uint64_t skipped_units = 0; ///< present but invalid: torn, corrupt, foreign or stale
    std::uint64_t empty_units = 0;   ///< all zero (holes, preallocated space)
    std::uint64_t corrupt_units = 0; ///< of the skipped: failed their check (data lost), not stale
};

/// A slot that held a unit whose data is lost: it failed its CRC, or the file ends inside it.
/// Where its header still reads as one of ours (magic, type, a count within capacity), the
/// records it held are known: [first_seq, first_seq + records). Else records is 0 (unknown).
struct LostUnit {
    std::uint64_t offset = 0;
    std::uint64_t first_seq = 0;
    std::uint32_t records = 0;
    bool header_readable = false;
    bool torn = false; ///< the file ends inside it
};

/// What the header of a slot that failed its check still says (`len` bytes of it are there).
LostUnit read_lost_unit(std::uint64_t offset, const std::byte* data, std::size_t len, RecordType type,
                        std::uint32_t unit_bytes) noexcept;

/// Feeds the units of one data file through `next`, which is called with each unit-sized slot
/// in file order; it decides which slots are valid units in order. A unit is valid if its
/// sector verifies for type and its sequence numbers come after the previous valid unit's (an
/// older unit at a later offset is stale). Torn or corrupt units are skipped and counted; one
/// bad unit never costs the others.
class UnitScanner {
public:
    UnitScanner(RecordType type, std::uint32_t unit_bytes) noexcept : type_(type), unit_bytes_(unit_bytes) {}

    /// Examines the slot at `offset` (unit_bytes bytes at `data`). Returns true and fills
    /// `unit` if it is the next valid unit.
    bool feed(std::uint64_t offset, const std::byte* data, UnitInfo& unit) noexcept;
    /// After a feed that returned false: the slot's lost unit, if it failed its check (not an
    /// empty slot, nor a valid but stale one); nullptr otherwise.
    const LostUnit* lost() const noexcept { return lost_valid_ ? &lost_ : nullptr; }

    const ScanTotals& totals() const noexcept { return totals_; }
    /// Sequence number just past the last valid unit (0 if none).
    std::uint64_t end_seq() const noexcept { return end_seq_; }

private:
    RecordType type_;
    std::uint32_t unit_bytes_;
    ScanTotals totals_;
    std::uint64_t end_seq_ = 0;
    bool any_ = false;
    LostUnit lost_{};
    bool lost_valid_ = false;
};

} // namespace ss::disk
