// The flash log's writing (docs/flash-format.md): units and block headers programmed at the head,
// the head moved into the next block, the tail reclaimed (checkpoint, drops, refusal), sync.
#include "flash_log_internal.hpp"

namespace ss {

using namespace flash_format;
using flash_detail::load_le;
using flash_detail::max64;
using flash_detail::store_le;

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
        // Acknowledgements may end inside a unit: it holds pending records only if some of
        // those above the floor were handed out.
        if (h.end() > floor && max64(h.first, floor) < s->sent_end) {
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

Expected<void> FlashLog::sync() noexcept {
    if (!mounted_) return std::unexpected(Errc::invalid_argument);
    if (auto r = flush_acks(); !r) return r;
    return dev_.sync();
}

} // namespace ss
