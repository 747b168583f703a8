// The flash log (ss/flash_log.hpp; docs/flash-format.md): the ring's geometry, block headers,
// stream slots, and the uploader's side (serve, rewind, acknowledge) and wear.
#include "flash_log_internal.hpp"

namespace ss {

using namespace flash_format;
using flash_detail::load_le;
using flash_detail::max64;
using flash_detail::store_le;

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

Expected<void> FlashLog::mark_sent(const FlashStreamKey& key, std::uint64_t end_seq) noexcept {
    if (!mounted_) return std::unexpected(Errc::invalid_argument);
    FlashStream* s = find_or_add(key);
    if (!s) return std::unexpected(Errc::invalid_argument);
    s->sent_end = max64(end_seq, s->acked_end);
    return {};
}

Expected<FlashUnitInfo> FlashLog::find_unit(const FlashStreamKey& key, std::uint64_t from_seq, FlashLocation hint,
                                            std::byte* out, std::uint32_t capacity) noexcept {
    const FlashStream* s = find(key);
    if (!mounted_ || !s) return std::unexpected(Errc::invalid_argument);
    const std::uint64_t floor = max64(max64(s->acked_end, s->dropped_end), from_seq);
    if (hint.block_seq < tail_seq_ || hint.page == 0) hint = {tail_seq_, 1};
    FlashUnitInfo found{};
    bool have = false, too_small = false;
    for (std::uint32_t seq = hint.block_seq; seq <= head_seq_ && !have && !too_small; ++seq) {
        auto m = is_member(seq);
        if (!m) return std::unexpected(m.error());
        if (!*m) continue;
        Walk w;
        auto r = walk(seq, seq == hint.block_seq ? hint.page : 1, w,
                      [&](const UnitHeader& h, std::uint32_t page) noexcept -> Expected<bool> {
            if (h.kind != kind_data || !(h.key() == key) || h.end() <= floor) return true;
            if (out && h.bytes > capacity) {
                too_small = true;
                return false;
            }
            auto ok = payload_ok(phys_of(seq), page, h, out);
            if (!ok) return std::unexpected(ok.error());
            if (!*ok) {
                ++found.corrupt_skipped;
                found.corrupt_records += h.count;
                return true;
            }
            found.first_seq = h.first;
            found.count = h.count;
            found.bytes = h.bytes;
            found.at = {seq, page};
            have = true;
            return false;
        });
        if (!r) return std::unexpected(r.error());
    }
    if (too_small) return std::unexpected(Errc::invalid_argument);
    return found;
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
} // namespace ss
