// The flash log (ss/flash_log.hpp; docs/flash-format.md): format, mount, append, serve, ack.
#include "ss/flash_log.hpp"

#include <cstring>

#include "ss/crc32c.hpp"

namespace ss {

namespace {

template <class T>
T load_le(const std::byte* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class T>
void store_le(std::byte* p, T v) noexcept {
    std::memcpy(p, &v, sizeof v);
}

constexpr std::uint64_t max64(std::uint64_t a, std::uint64_t b) noexcept { return a > b ? a : b; }

using namespace flash_format;

} // namespace

struct FlashLog::UnitHeader {
    std::uint8_t kind = 0;
    std::uint8_t type = 0;
    std::uint16_t count = 0;      ///< records (data) or entries (acks)
    std::uint32_t source = 0;
    std::uint32_t id = 0;
    std::uint32_t bytes = 0;      ///< payload bytes
    std::uint64_t first = 0;      ///< first sequence number (data) or the ring's tail (acks)
    std::uint32_t payload_crc = 0;
    std::uint32_t pages = 0;

    FlashStreamKey key() const noexcept { return {source, id, static_cast<RecordType>(type)}; }
    std::uint64_t end() const noexcept { return first + count; }

    void encode(std::byte* p) const noexcept {
        p[0] = std::byte{unit_magic};
        p[1] = std::byte{static_cast<std::uint8_t>(kind << 4 | type)};
        store_le<std::uint16_t>(p + 2, count);
        store_le<std::uint32_t>(p + 4, source);
        store_le<std::uint32_t>(p + 8, id);
        store_le<std::uint32_t>(p + 12, bytes);
        store_le<std::uint64_t>(p + 16, first);
        store_le<std::uint32_t>(p + 24, payload_crc);
        store_le<std::uint32_t>(p + 28, crc32c(p, 28));
    }
    /// False unless the header is intact and describes a unit that fits in the block from `page`.
    bool decode(const std::byte* p, std::uint32_t page, std::uint32_t program_bytes, std::uint32_t pages_per_block) noexcept {
        if (static_cast<std::uint8_t>(p[0]) != unit_magic || load_le<std::uint32_t>(p + 28) != crc32c(p, 28)) return false;
        const auto kt = static_cast<std::uint8_t>(p[1]);
        kind = static_cast<std::uint8_t>(kt >> 4);
        type = static_cast<std::uint8_t>(kt & 0x0F);
        count = load_le<std::uint16_t>(p + 2);
        source = load_le<std::uint32_t>(p + 4);
        id = load_le<std::uint32_t>(p + 8);
        bytes = load_le<std::uint32_t>(p + 12);
        first = load_le<std::uint64_t>(p + 16);
        payload_crc = load_le<std::uint32_t>(p + 24);
        if (kind == kind_data) {
            if ((type != 1 && type != 2) || count == 0) return false;
        } else if (kind == kind_acks) {
            if (bytes != std::uint32_t{count} * ack_entry_bytes) return false;
        } else {
            return false;
        }
        const std::uint64_t span = (std::uint64_t{unit_header_bytes} + bytes + program_bytes - 1) / program_bytes;
        if (span > pages_per_block - page) return false;
        pages = static_cast<std::uint32_t>(span);
        return true;
    }
};

/// What a walk over one block's units found besides the units.
struct FlashLog::Walk {
    std::uint32_t corrupt = 0;  ///< runs of pages that are neither erased nor a valid unit header
    std::uint32_t end_page = 1; ///< past the last page that is programmed or inside a unit's span
};

std::uint32_t FlashLog::pages_for(std::uint32_t bytes) const noexcept {
    const std::uint32_t p = dev_.geometry().program_bytes;
    return (bytes + p - 1) / p;
}

std::uint32_t FlashLog::phys_of(std::uint32_t seq) const noexcept {
    const std::uint32_t n = dev_.geometry().block_count;
    return (head_block_ + n - (head_seq_ - seq) % n) % n;
}

bool FlashLog::page_erased() const noexcept {
    const BlockGeometry& g = dev_.geometry();
    for (std::uint32_t i = 0; i < g.program_bytes; ++i)
        if (mem_.page[i] != std::byte{g.erased_byte}) return false;
    return true;
}

Expected<void> FlashLog::check_layout() const noexcept {
    const BlockGeometry& g = dev_.geometry();
    if (!mem_.streams || !mem_.page || mem_.stream_capacity == 0 || mem_.stream_capacity > 0xFFFF ||
        g.program_bytes < min_program_bytes || g.read_bytes == 0 || g.program_bytes % g.read_bytes != 0 ||
        g.erase_bytes % g.program_bytes != 0 || g.block_count < 2)
        return std::unexpected(Errc::invalid_argument);
    // A block must hold its header page, a checkpoint naming every stream and a data page.
    const std::uint32_t ppb = g.erase_bytes / g.program_bytes;
    if (1 + pages_for(unit_header_bytes + mem_.stream_capacity * ack_entry_bytes) + 1 > ppb)
        return std::unexpected(Errc::invalid_argument);
    return {};
}

Expected<bool> FlashLog::read_block_header(std::uint32_t block, std::uint32_t& seq, std::uint32_t& tail,
                                           std::uint32_t& erase_count) noexcept {
    const BlockGeometry& g = dev_.geometry();
    if (auto r = dev_.read(block, 0, mem_.page, g.program_bytes); !r) return std::unexpected(r.error());
    const std::byte* p = mem_.page;
    if (load_le<std::uint32_t>(p) != block_magic || static_cast<std::uint8_t>(p[4]) != version ||
        load_le<std::uint32_t>(p + 28) != crc32c(p, 28) || load_le<std::uint32_t>(p + 20) != g.program_bytes ||
        load_le<std::uint32_t>(p + 24) != g.erase_bytes || load_le<std::uint32_t>(p + 8) == 0)
        return false;
    seq = load_le<std::uint32_t>(p + 8);
    tail = load_le<std::uint32_t>(p + 12);
    erase_count = load_le<std::uint32_t>(p + 16);
    return true;
}

/// Whether the block at ring position `seq` carries that sequence in a valid header: a block whose
/// header is bad is skipped whole (counted by the mount), wherever it is read.
Expected<bool> FlashLog::is_member(std::uint32_t seq) noexcept {
    std::uint32_t s = 0, t = 0, count = 0;
    auto valid = read_block_header(phys_of(seq), s, t, count);
    if (!valid) return valid;
    return *valid && s == seq;
}

template <class Visit>
Expected<void> FlashLog::walk(std::uint32_t block_seq, std::uint32_t from_page, Walk& w, Visit&& visit) noexcept {
    const BlockGeometry& g = dev_.geometry();
    const std::uint32_t block = phys_of(block_seq);
    bool in_bad_run = false;
    for (std::uint32_t page = from_page; page < pages_per_block_;) {
        if (auto r = dev_.read(block, page * g.program_bytes, mem_.page, g.program_bytes); !r)
            return std::unexpected(r.error());
        if (page_erased()) {
            in_bad_run = false;
            ++page;
            continue;
        }
        if (page + 1 > w.end_page) w.end_page = page + 1;
        UnitHeader h;
        if (!h.decode(mem_.page, page, g.program_bytes, pages_per_block_)) {
            // A torn or rotten page: counted once per run, then each page is tried as a header,
            // since a unit programmed after a torn one starts on the page after its last bits.
            if (!in_bad_run) ++w.corrupt;
            in_bad_run = true;
            ++page;
            continue;
        }
        in_bad_run = false;
        // Nothing is ever programmed inside the span of a unit whose header is intact (the
        // append point is set past it), so the span is skipped even when its payload is bad.
        if (page + h.pages > w.end_page) w.end_page = page + h.pages;
        auto go_on = visit(h, page);
        if (!go_on) return std::unexpected(go_on.error());
        if (!*go_on) return {};
        page += h.pages;
    }
    return {};
}

/// Checks a unit's payload CRC, reading it page by page; copies the payload to copy_to if given.
Expected<bool> FlashLog::payload_ok(std::uint32_t block, std::uint32_t page, const UnitHeader& h,
                                    std::byte* copy_to) noexcept {
    const std::uint32_t pb = dev_.geometry().program_bytes;
    std::uint32_t crc = 0;
    std::uint32_t done = 0;
    std::uint32_t in_page = unit_header_bytes;
    for (std::uint32_t p = page; done < h.bytes; ++p, in_page = 0) {
        if (auto r = dev_.read(block, p * pb, mem_.page, pb); !r) return std::unexpected(r.error());
        const std::uint32_t take = h.bytes - done < pb - in_page ? h.bytes - done : pb - in_page;
        crc = crc32c(mem_.page + in_page, take, crc);
        if (copy_to) std::memcpy(copy_to + done, mem_.page + in_page, take);
        done += take;
    }
    return crc == h.payload_crc;
}

FlashStream* FlashLog::find(const FlashStreamKey& key) const noexcept {
    for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i)
        if (mem_.streams[i].used && mem_.streams[i].key == key) return &mem_.streams[i];
    return nullptr;
}

FlashStream* FlashLog::find_or_add(const FlashStreamKey& key) noexcept {
    if (FlashStream* s = find(key)) return s;
    for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i) {
        if (!mem_.streams[i].used) {
            mem_.streams[i] = FlashStream{};
            mem_.streams[i].key = key;
            mem_.streams[i].used = true;
            mem_.streams[i].cursor = {tail_seq_, 1};
            return &mem_.streams[i];
        }
    }
    return nullptr;
}

const FlashStream* FlashLog::stream(const FlashStreamKey& key) const noexcept { return find(key); }


// ---- writing ----------------------------------------------------------------------------------

namespace {
/// Whether a stream's acknowledged boundary goes into the ack unit being written: it is not on
/// the device yet, or its newest entry is in the block about to leave the ring.
bool names(const FlashStream& s, std::uint32_t leaving_seq) noexcept {
    return s.used && s.acked_end > 0 && (s.ack_dirty || (leaving_seq != 0 && s.mark_block == leaving_seq));
}
} // namespace

/// Programs a unit at the head's append point (the caller made sure it fits). An ack unit's
/// entries come from the stream table (those `names` picks, with ack_leaving_seq_).
Expected<void> FlashLog::program_unit(UnitHeader& h, const std::byte* payload, bool acks) noexcept {
    const BlockGeometry& g = dev_.geometry();
    const std::uint32_t pb = g.program_bytes;
    if (acks) {
        std::uint32_t n = 0;
        std::uint32_t crc = 0;
        for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i) {
            const FlashStream& s = mem_.streams[i];
            if (!names(s, ack_leaving_seq_)) continue;
            std::byte e[ack_entry_bytes];
            encode_ack_entry(s, e);
            crc = crc32c(e, sizeof e, crc);
            ++n;
        }
        h.count = static_cast<std::uint16_t>(n);
        h.bytes = n * ack_entry_bytes;
        h.payload_crc = crc;
    } else {
        h.payload_crc = crc32c(payload, h.bytes);
    }
    h.pages = pages_for(unit_header_bytes + h.bytes);
    const std::uint32_t start = head_page_;
    // Whatever happens below, nothing is ever programmed over this span again.
    head_page_ += h.pages;

    std::uint32_t fill = unit_header_bytes;
    std::uint32_t page = start;
    std::memset(mem_.page, static_cast<int>(g.erased_byte), pb);
    h.encode(mem_.page);
    auto put = [&](const std::byte* src, std::uint32_t n) noexcept -> Expected<void> {
        while (n > 0) {
            const std::uint32_t take = n < pb - fill ? n : pb - fill;
            std::memcpy(mem_.page + fill, src, take);
            fill += take;
            src += take;
            n -= take;
            if (fill == pb) {
                if (auto r = dev_.program(head_block_, page * pb, mem_.page, pb); !r) return r;
                stats_.bytes_programmed += pb;
                ++page;
                fill = 0;
                std::memset(mem_.page, static_cast<int>(g.erased_byte), pb);
            }
        }
        return {};
    };
    if (acks) {
        for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i) {
            const FlashStream& s = mem_.streams[i];
            if (!names(s, ack_leaving_seq_)) continue;
            std::byte e[ack_entry_bytes];
            encode_ack_entry(s, e);
            if (auto r = put(e, sizeof e); !r) return r;
        }
    } else if (auto r = put(payload, h.bytes); !r) {
        return r;
    }
    if (fill > 0) {
        if (auto r = dev_.program(head_block_, page * pb, mem_.page, pb); !r) return r;
        stats_.bytes_programmed += pb;
    }
    if (acks) {
        ++stats_.ack_units;
        for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i) {
            FlashStream& s = mem_.streams[i];
            if (!names(s, ack_leaving_seq_)) continue;
            s.ack_dirty = false;
            s.mark_block = head_seq_;
        }
    }
    return {};
}

void FlashLog::encode_ack_entry(const FlashStream& s, std::byte* e) noexcept {
    store_le<std::uint32_t>(e, s.key.source);
    store_le<std::uint32_t>(e + 4, s.key.id);
    e[8] = std::byte{static_cast<std::uint8_t>(s.key.type)};
    e[9] = e[10] = e[11] = std::byte{0};
    store_le<std::uint64_t>(e + 12, s.acked_end);
}

Expected<void> FlashLog::program_block_header(std::uint32_t block, std::uint32_t seq, std::uint32_t erase_count) noexcept {
    const BlockGeometry& g = dev_.geometry();
    std::byte* p = mem_.page;
    std::memset(p, static_cast<int>(g.erased_byte), g.program_bytes);
    store_le<std::uint32_t>(p, block_magic);
    p[4] = std::byte{version};
    p[5] = p[6] = p[7] = std::byte{0};
    store_le<std::uint32_t>(p + 8, seq);
    store_le<std::uint32_t>(p + 12, tail_seq_);
    store_le<std::uint32_t>(p + 16, erase_count);
    store_le<std::uint32_t>(p + 20, g.program_bytes);
    store_le<std::uint32_t>(p + 24, g.erase_bytes);
    store_le<std::uint32_t>(p + 28, crc32c(p, 28));
    if (auto r = dev_.program(block, 0, p, g.program_bytes); !r) return r;
    stats_.bytes_programmed += g.program_bytes;
    head_erase_count_ = erase_count;
    return {};
}

/// Starts the next block of the ring (one that is not live): erased, then given its header with
/// the erase count carried forward.
Expected<void> FlashLog::move_head() noexcept {
    const std::uint32_t block = (head_block_ + 1) % dev_.geometry().block_count;
    std::uint32_t seq = 0, tail = 0, count = 0;
    auto valid = read_block_header(block, seq, tail, count);
    if (!valid) return std::unexpected(valid.error());
    // A block without a readable header (never used, or its header was lost) is given its
    // predecessor's count: blocks are erased in ring order, so neighbours differ by one at most.
    const std::uint32_t erase_count = (*valid ? count : (head_erase_count_ > 0 ? head_erase_count_ - 1 : 0)) + 1;
    if (auto r = dev_.erase(block); !r) return r;
    ++stats_.erases;
    head_block_ = block;
    ++head_seq_;
    head_page_ = pages_per_block_; // a failed header program leaves the block unusable this mount
    if (auto r = program_block_header(block, head_seq_, erase_count); !r) return r;
    head_page_ = 1;
    bool dirty = false;
    for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i) dirty = dirty || names(mem_.streams[i], 0);
    if (dirty) {
        // Acknowledgements a full ring kept in RAM go first, before the block takes data.
        UnitHeader acks;
        acks.kind = kind_acks;
        acks.first = tail_seq_;
        if (auto r = program_unit(acks, nullptr, true); !r) return r;
    }
    return {};
}

/// Takes the oldest block out of the ring: refused (no_space) if it holds pending data;
/// otherwise its unsent units are dropped and counted, and an ack unit that names the ring's new
/// tail and every acknowledgement whose newest entry was in that block is made durable first.
Expected<void> FlashLog::reclaim_tail(bool& checkpointed) noexcept {
    checkpointed = false;
    const std::uint32_t leaving = tail_seq_;
    auto m = is_member(leaving);
    if (!m) return std::unexpected(m.error());
    const bool member = *m;
    bool pending = false;
    Walk w;
    auto scan = !member ? Expected<void>{} : walk(leaving, 1, w, [&](const UnitHeader& h, std::uint32_t) noexcept -> Expected<bool> {
        if (h.kind != kind_data) return true;
        const FlashStream* s = find(h.key());
        if (!s) return true;
        const std::uint64_t floor = max64(s->acked_end, s->dropped_end);
        if (h.end() > floor && h.first < s->sent_end) {
            pending = true;
            return false;
        }
        return true;
    });
    if (!scan) return std::unexpected(scan.error());
    if (pending) return std::unexpected(Errc::no_space);

    // A checkpoint names the new tail (so that a mount never brings the block back) and the
    // acknowledgements whose newest entry leaves with it; durable before anything is dropped.
    std::uint32_t named = 0;
    for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i) named += names(mem_.streams[i], leaving) ? 1u : 0u;
    const std::uint32_t room = head_page_ < pages_per_block_ ? pages_per_block_ - head_page_ : 0;
    checkpointed = pages_for(unit_header_bytes + named * ack_entry_bytes) <= room;
    if (checkpointed) {
        UnitHeader cp;
        cp.kind = kind_acks;
        cp.first = leaving + 1;
        ack_leaving_seq_ = leaving;
        auto written = program_unit(cp, nullptr, true);
        ack_leaving_seq_ = 0;
        if (!written) return written;
        if (auto r = dev_.sync(); !r) return r;
    } else {
        // No room: only after a cut tore the checkpoint the head kept room for. The caller erases
        // the block at once (its erase is what ends it then) and the entries are written first
        // thing in the next block; a second cut between that erase and them costs a re-send of
        // what they acknowledged (at-least-once), never data.
        for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i)
            if (names(mem_.streams[i], leaving)) mem_.streams[i].ack_dirty = true;
    }

    Walk w2;
    auto drop = !member ? Expected<void>{} : walk(leaving, 1, w2, [&](const UnitHeader& h, std::uint32_t) noexcept -> Expected<bool> {
        if (h.kind != kind_data) return true;
        FlashStream* s = find(h.key());
        const std::uint64_t floor = s ? max64(s->acked_end, s->dropped_end) : 0;
        if (h.end() <= floor) return true;
        const std::uint64_t lost = h.end() - max64(floor, h.first);
        ++stats_.dropped_units;
        stats_.dropped_records += lost;
        if (s) {
            ++s->dropped_units;
            s->dropped_records += lost;
            s->dropped_end = h.end();
        }
        return true;
    });
    tail_seq_ = leaving + 1;
    if (!drop) return std::unexpected(drop.error());
    return {};
}

Expected<FlashLocation> FlashLog::write_unit(UnitHeader& h, const std::byte* payload, bool acks) noexcept {
    const std::uint32_t n = dev_.geometry().block_count;
    const std::uint32_t pages = pages_for(unit_header_bytes + h.bytes);
    for (;;) {
        // While every block is live, the head keeps room for the checkpoint that frees the tail.
        const bool ring_full = head_seq_ - tail_seq_ + 1 >= n;
        const std::uint32_t need = pages + (ring_full ? checkpoint_pages_ : 0);
        const std::uint32_t room = head_page_ < pages_per_block_ ? pages_per_block_ - head_page_ : 0;
        if (room >= need) {
            const FlashLocation at{head_seq_, head_page_};
            if (auto r = program_unit(h, payload, acks); !r) return std::unexpected(r.error());
            return at;
        }
        if (ring_full) {
            bool checkpointed = false;
            if (auto r = reclaim_tail(checkpointed); !r) return std::unexpected(r.error());
            if (!checkpointed)
                if (auto r = move_head(); !r) return std::unexpected(r.error());
        } else if (auto r = move_head(); !r) {
            return std::unexpected(r.error());
        }
    }
}

Expected<void> FlashLog::flush_acks() noexcept {
    std::uint32_t dirty = 0;
    for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i) dirty += names(mem_.streams[i], 0) ? 1u : 0u;
    if (dirty == 0) return {};
    UnitHeader h;
    h.kind = kind_acks;
    h.first = tail_seq_;
    h.bytes = dirty * ack_entry_bytes;
    auto r = write_unit(h, nullptr, true);
    // No room until the uploader acknowledges what blocks the tail: the boundary stays in RAM
    // and the checkpoint that frees the tail carries it.
    if (!r && r.error() == Errc::no_space) return {};
    if (!r) return std::unexpected(r.error());
    return {};
}

Expected<FlashLocation> FlashLog::append(const FlashStreamKey& key, const std::byte* sector, std::uint32_t bytes) noexcept {
    if (!mounted_ || !sector || bytes < sector::header_v1_bytes) return std::unexpected(Errc::invalid_argument);
    const std::uint8_t v = sector::version(sector);
    if (static_cast<std::uint8_t>(sector[sector::offset::magic]) != sector::magic ||
        (v != sector::format_version && v != sector::format_v1) ||
        sector::type_code(sector) != static_cast<std::uint8_t>(key.type) || sector::count(sector) == 0 ||
        sector::header_bytes_of(v) + std::size_t{sector::count(sector)} * sector::record_bytes(key.type) > bytes ||
        pages_for(unit_header_bytes + bytes) > pages_per_block_ - 1 - checkpoint_pages_)
        return std::unexpected(Errc::invalid_argument);
    const std::uint64_t first = sector::first_seq(sector);
    const FlashStream* known = find(key);
    if (known && first < known->last_end) return std::unexpected(Errc::invalid_argument);
    FlashStream* s = find_or_add(key);
    if (!s) return std::unexpected(Errc::invalid_argument);

    UnitHeader h;
    h.kind = kind_data;
    h.type = static_cast<std::uint8_t>(key.type);
    h.count = sector::count(sector);
    h.source = key.source;
    h.id = key.id;
    h.bytes = bytes;
    h.first = first;
    auto at = write_unit(h, sector, false);
    if (!at) {
        if (at.error() == Errc::no_space) ++stats_.refused_appends;
        return at;
    }
    s->last_end = h.end();
    ++stats_.units_appended;
    stats_.payload_bytes += bytes;
    return at;
}

Expected<FlashUnitInfo> FlashLog::read_next(const FlashStreamKey& key, std::byte* out, std::uint32_t capacity) noexcept {
    FlashStream* s = find(key);
    if (!mounted_ || !s || !out) return std::unexpected(Errc::invalid_argument);
    const std::uint64_t floor = max64(max64(s->acked_end, s->sent_end), s->dropped_end);
    if (s->cursor.block_seq < tail_seq_) s->cursor = {tail_seq_, 1};
    FlashUnitInfo found{};
    bool have = false, too_small = false;
    FlashLocation next = s->cursor;
    for (std::uint32_t seq = s->cursor.block_seq; seq <= head_seq_ && !have && !too_small; ++seq) {
        auto m = is_member(seq);
        if (!m) return std::unexpected(m.error());
        if (!*m) continue;
        Walk w;
        const std::uint32_t from = seq == s->cursor.block_seq ? s->cursor.page : 1;
        auto r = walk(seq, from, w, [&](const UnitHeader& h, std::uint32_t page) noexcept -> Expected<bool> {
            if (h.kind != kind_data || !(h.key() == key) || h.end() <= floor) return true;
            if (h.bytes > capacity) {
                too_small = true;
                return false;
            }
            auto ok = payload_ok(phys_of(seq), page, h, out);
            if (!ok) return std::unexpected(ok.error());
            next = {seq, page + h.pages};
            if (!*ok) {
                ++stats_.corrupt_units; // rotted since the mount: skipped, the rest served
                return true;
            }
            found = {h.first, h.count, h.bytes, {seq, page}};
            have = true;
            return false;
        });
        if (!r) return std::unexpected(r.error());
    }
    if (too_small) return std::unexpected(Errc::invalid_argument);
    if (!have) {
        s->cursor = {head_seq_, head_page_ < pages_per_block_ ? head_page_ : pages_per_block_};
        return std::unexpected(Errc::try_again);
    }
    s->cursor = next;
    s->sent_end = found.first_seq + found.count;
    return found;
}

Expected<void> FlashLog::rewind(const FlashStreamKey& key) noexcept {
    FlashStream* s = find(key);
    if (!mounted_ || !s) return std::unexpected(Errc::invalid_argument);
    s->sent_end = s->acked_end;
    s->cursor = {tail_seq_, 1};
    return {};
}

Expected<void> FlashLog::acknowledge(const FlashStreamKey& key, std::uint64_t end_seq) noexcept {
    FlashStream* s = find(key);
    if (!mounted_ || !s || end_seq > s->sent_end) return std::unexpected(Errc::invalid_argument);
    if (end_seq <= s->acked_end) return {};
    // Written at the next sync, one ack unit for every stream acknowledged since: an uploader
    // acknowledges batch by batch, and a page per acknowledgement would double the writes.
    s->acked_end = end_seq;
    s->ack_dirty = true;
    return {};
}

Expected<void> FlashLog::sync() noexcept {
    if (!mounted_) return std::unexpected(Errc::invalid_argument);
    if (auto r = flush_acks(); !r) return r;
    return dev_.sync();
}

Expected<FlashWear> FlashLog::wear() noexcept {
    if (auto r = check_layout(); !r) return std::unexpected(r.error());
    FlashWear w{~std::uint32_t{0}, 0};
    for (std::uint32_t b = 0; b < dev_.geometry().block_count; ++b) {
        std::uint32_t seq = 0, tail = 0, count = 0;
        auto valid = read_block_header(b, seq, tail, count);
        if (!valid) return std::unexpected(valid.error());
        if (!*valid) count = 0;
        if (count < w.min) w.min = count;
        if (count > w.max) w.max = count;
    }
    return w;
}

// ---- format and mount -------------------------------------------------------------------------

Expected<void> FlashLog::start_empty(bool erase_all) noexcept {
    const BlockGeometry& g = dev_.geometry();
    for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i) mem_.streams[i] = FlashStream{};
    std::uint32_t first_count = 0;
    if (erase_all) {
        for (std::uint32_t b = 0; b < g.block_count; ++b) {
            std::uint32_t seq = 0, tail = 0, count = 0;
            auto valid = read_block_header(b, seq, tail, count);
            if (!valid) return std::unexpected(valid.error());
            if (b == 0) first_count = *valid ? count : 0;
            if (auto r = dev_.erase(b); !r) return r;
            ++stats_.erases;
        }
        ++first_count;
    }
    head_block_ = 0;
    head_seq_ = 1;
    tail_seq_ = 1;
    head_page_ = pages_per_block_;
    if (auto r = program_block_header(0, 1, first_count); !r) return r;
    head_page_ = 1;
    if (auto r = dev_.sync(); !r) return r;
    mounted_ = true;
    return {};
}

Expected<void> FlashLog::format() noexcept {
    if (auto r = check_layout(); !r) return r;
    mounted_ = false;
    stats_ = FlashLogStats{};
    head_erase_count_ = 0;
    pages_per_block_ = dev_.geometry().erase_bytes / dev_.geometry().program_bytes;
    checkpoint_pages_ = pages_for(unit_header_bytes + mem_.stream_capacity * ack_entry_bytes);
    return start_empty(true);
}

Expected<void> FlashLog::mount() noexcept {
    if (auto r = check_layout(); !r) return r;
    const BlockGeometry& g = dev_.geometry();
    const std::uint32_t n = g.block_count;
    mounted_ = false;
    stats_ = FlashLogStats{};
    head_erase_count_ = 0;
    pages_per_block_ = g.erase_bytes / g.program_bytes;
    checkpoint_pages_ = pages_for(unit_header_bytes + mem_.stream_capacity * ack_entry_bytes);
    for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i) mem_.streams[i] = FlashStream{};

    // Pass 0: the block headers give the head (the highest sequence) and a first tail.
    bool any = false, all_headers_erased = true;
    std::uint32_t tail = 0;
    for (std::uint32_t b = 0; b < n; ++b) {
        std::uint32_t seq = 0, t = 0, count = 0;
        auto valid = read_block_header(b, seq, t, count);
        if (!valid) return std::unexpected(valid.error());
        if (!*valid) {
            if (!page_erased()) {
                ++stats_.corrupt_blocks;
                all_headers_erased = false;
            }
            continue;
        }
        all_headers_erased = false;
        if (t > tail) tail = t;
        if (!any || seq > head_seq_) {
            head_seq_ = seq;
            head_block_ = b;
            head_erase_count_ = count;
        }
        any = true;
    }
    if (!any) {
        if (!all_headers_erased) return std::unexpected(Errc::io_error);
        // Only a device erased in every byte is taken for blank: anything else may be data.
        for (std::uint32_t b = 0; b < n; ++b)
            for (std::uint32_t p = 0; p < pages_per_block_; ++p) {
                if (auto r = dev_.read(b, p * g.program_bytes, mem_.page, g.program_bytes); !r) return r;
                if (!page_erased()) return std::unexpected(Errc::io_error);
            }
        if (auto r = start_empty(false); !r) return r;
        stats_.formatted = true;
        return {};
    }

    const std::uint32_t lowest = head_seq_ >= n ? head_seq_ - n + 1 : 1;
    auto member = [&](std::uint32_t seq) noexcept { return is_member(seq); };

    // Pass 1: every block that may still hold ack units (the dead ones too): the newest tail
    // and each stream's highest acknowledged boundary, and where its newest entry lies.
    for (std::uint32_t seq = lowest; seq <= head_seq_; ++seq) {
        auto m = member(seq);
        if (!m) return std::unexpected(m.error());
        if (!*m) continue;
        Walk w;
        auto r = walk(seq, 1, w, [&](const UnitHeader& h, std::uint32_t page) noexcept -> Expected<bool> {
            if (h.kind == kind_data) {
                if (FlashStream* s = find_or_add(h.key()); s && h.end() > s->last_end) s->last_end = h.end();
                return true;
            }
            auto ok = payload_ok(phys_of(seq), page, h, nullptr);
            if (!ok) return std::unexpected(ok.error());
            if (!*ok) return true;
            if (h.first > tail) tail = static_cast<std::uint32_t>(h.first);
            for (std::uint32_t i = 0; i < h.count; ++i) {
                std::byte e[ack_entry_bytes];
                if (auto rr = read_ack_entry(phys_of(seq), page, i, e); !rr) return std::unexpected(rr.error());
                const FlashStreamKey key{load_le<std::uint32_t>(e), load_le<std::uint32_t>(e + 4),
                                         static_cast<RecordType>(static_cast<std::uint8_t>(e[8]))};
                const std::uint64_t end = load_le<std::uint64_t>(e + 12);
                FlashStream* s = find_or_add(key);
                if (s && end >= s->acked_end) {
                    s->acked_end = end;
                    s->mark_block = seq;
                }
            }
            return true;
        });
        if (!r) return std::unexpected(r.error());
    }
    if (tail < lowest) tail = lowest;
    if (tail > head_seq_) tail = head_seq_;
    tail_seq_ = tail;

    // Pass 2: the live blocks' data units, checked whole; the head's append point lies past
    // everything programmed in it.
    for (std::uint32_t seq = tail_seq_; seq <= head_seq_; ++seq) {
        auto m = member(seq);
        if (!m) return std::unexpected(m.error());
        if (!*m) continue;
        Walk w;
        auto r = walk(seq, 1, w, [&](const UnitHeader& h, std::uint32_t page) noexcept -> Expected<bool> {
            if (h.kind != kind_data) return true;
            auto ok = payload_ok(phys_of(seq), page, h, nullptr);
            if (!ok) return std::unexpected(ok.error());
            if (*ok)
                ++stats_.live_units;
            else
                ++stats_.corrupt_units;
            return true;
        });
        if (!r) return std::unexpected(r.error());
        stats_.corrupt_units += w.corrupt;
        if (seq == head_seq_) head_page_ = w.end_page;
    }
    for (std::uint32_t i = 0; i < mem_.stream_capacity; ++i) {
        FlashStream& s = mem_.streams[i];
        if (!s.used) continue;
        s.sent_end = s.acked_end;
        s.cursor = {tail_seq_, 1};
        if (s.last_end < s.acked_end) s.last_end = s.acked_end;
        // Its newest entry is in a block that left the ring: written again at the next sync, so
        // that erasing that block cannot take the boundary with it.
        if (s.acked_end > 0 && s.mark_block < tail_seq_) s.ack_dirty = true;
    }
    mounted_ = true;
    return {};
}

/// Reads entry `index` of the ack unit at `page` (entries may straddle a page boundary).
Expected<void> FlashLog::read_ack_entry(std::uint32_t block, std::uint32_t page, std::uint32_t index, std::byte* e) noexcept {
    const std::uint32_t pb = dev_.geometry().program_bytes;
    std::uint32_t at = page * pb + unit_header_bytes + index * ack_entry_bytes;
    std::uint32_t done = 0;
    while (done < ack_entry_bytes) {
        const std::uint32_t page_start = at / pb * pb;
        if (auto r = dev_.read(block, page_start, mem_.page, pb); !r) return r;
        const std::uint32_t in_page = at - page_start;
        const std::uint32_t take = ack_entry_bytes - done < pb - in_page ? ack_entry_bytes - done : pb - in_page;
        std::memcpy(e + done, mem_.page + in_page, take);
        done += take;
        at += take;
    }
    return {};
}

} // namespace ss
