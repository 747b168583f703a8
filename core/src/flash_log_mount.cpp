// The flash log's format and mount (docs/flash-format.md, "Mount"): the state found from the
// device alone; a blank device formatted, nothing else ever.
#include "flash_log_internal.hpp"

namespace ss {

using namespace flash_format;
using flash_detail::load_le;
using flash_detail::max64;
using flash_detail::store_le;

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
