// What the flash log's source files share (core/src/flash_log*.cpp; docs/flash-format.md): the
// unit header's encoding and the walk over one block's units.
#pragma once

#include <cstring>

#include "ss/crc32c.hpp"
#include "ss/flash_log.hpp"

namespace ss {

namespace flash_detail {

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

} // namespace flash_detail

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
        p[0] = std::byte{flash_format::unit_magic};
        p[1] = std::byte{static_cast<std::uint8_t>(kind << 4 | type)};
        flash_detail::store_le<std::uint16_t>(p + 2, count);
        flash_detail::store_le<std::uint32_t>(p + 4, source);
        flash_detail::store_le<std::uint32_t>(p + 8, id);
        flash_detail::store_le<std::uint32_t>(p + 12, bytes);
        flash_detail::store_le<std::uint64_t>(p + 16, first);
        flash_detail::store_le<std::uint32_t>(p + 24, payload_crc);
        flash_detail::store_le<std::uint32_t>(p + 28, crc32c(p, 28));
    }
    /// False unless the header is intact and describes a unit that fits in the block from `page`.
    bool decode(const std::byte* p, std::uint32_t page, std::uint32_t program_bytes, std::uint32_t pages_per_block) noexcept {
        if (static_cast<std::uint8_t>(p[0]) != flash_format::unit_magic ||
            flash_detail::load_le<std::uint32_t>(p + 28) != crc32c(p, 28))
            return false;
        const auto kt = static_cast<std::uint8_t>(p[1]);
        kind = static_cast<std::uint8_t>(kt >> 4);
        type = static_cast<std::uint8_t>(kt & 0x0F);
        count = flash_detail::load_le<std::uint16_t>(p + 2);
        source = flash_detail::load_le<std::uint32_t>(p + 4);
        id = flash_detail::load_le<std::uint32_t>(p + 8);
        bytes = flash_detail::load_le<std::uint32_t>(p + 12);
        first = flash_detail::load_le<std::uint64_t>(p + 16);
        payload_crc = flash_detail::load_le<std::uint32_t>(p + 24);
        if (kind == flash_format::kind_data) {
            if ((type != 1 && type != 2) || count == 0) return false;
        } else if (kind == flash_format::kind_acks) {
            if (bytes != std::uint32_t{count} * flash_format::ack_entry_bytes) return false;
        } else {
            return false;
        }
        const std::uint64_t span = (std::uint64_t{flash_format::unit_header_bytes} + bytes + program_bytes - 1) / program_bytes;
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


} // namespace ss
