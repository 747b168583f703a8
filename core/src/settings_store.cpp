#include "ss/settings_store.hpp"

#include <cstring>

#include "ss/crc32c.hpp"
#include "ss/sector_format.hpp"

namespace ss {

namespace {

constexpr std::uint32_t settings_magic = 0x54455353; // "SSET" in little-endian bytes
constexpr std::uint8_t settings_version = 1;

namespace field {
constexpr std::size_t magic = 0;
constexpr std::size_t version = 4;
constexpr std::size_t kind = 5;
constexpr std::size_t generation = 8;
constexpr std::size_t bytes = 12;
constexpr std::size_t crc = 20;
} // namespace field

/// The CRC32C over the header's first 20 bytes, then the data.
constexpr std::size_t crc_covered_header = field::crc;

/// a is newer than b, in serial-number arithmetic (a generation may wrap).
bool newer(std::uint32_t a, std::uint32_t b) noexcept { return static_cast<std::int32_t>(a - b) > 0; }

} // namespace

std::uint32_t SettingsStore::slot_blocks() const noexcept { return dev_.geometry().block_count / 2; }

std::uint32_t SettingsStore::capacity() const noexcept {
    const BlockGeometry& g = dev_.geometry();
    const std::uint64_t slot_bytes = std::uint64_t{slot_blocks()} * g.erase_bytes;
    if (slot_blocks() == 0 || g.program_bytes == 0 || slot_bytes <= header_bytes) return 0;
    const std::uint64_t room = slot_bytes - header_bytes;
    return room > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(room);
}

// Reads [offset, offset + bytes) of a slot page by page through page_, handing each piece to
// `use`. Pages never cross an erase block (program_bytes divides erase_bytes).
template <class Use>
static Expected<void> for_each_piece(BlockDevice& dev, std::byte* page, std::uint32_t first_block, std::uint32_t offset,
                                     std::uint32_t bytes, Use&& use) noexcept {
    const BlockGeometry& g = dev.geometry();
    const std::uint32_t page_bytes = g.program_bytes;
    std::uint32_t at = offset - offset % page_bytes;
    while (bytes != 0) {
        if (auto r = dev.read(first_block + at / g.erase_bytes, at % g.erase_bytes, page, page_bytes); !r) return r;
        const std::uint32_t skip = offset > at ? offset - at : 0;
        const std::uint32_t take = page_bytes - skip < bytes ? page_bytes - skip : bytes;
        use(page + skip, take);
        offset += take;
        bytes -= take;
        at += page_bytes;
    }
    return {};
}

Expected<std::uint32_t> SettingsStore::read_data(std::uint32_t slot, std::uint32_t bytes, std::uint32_t crc, void* out) noexcept {
    auto* dst = static_cast<std::byte*>(out);
    const auto r = for_each_piece(dev_, page_, slot * slot_blocks(), header_bytes, bytes,
                                  [&](const std::byte* piece, std::uint32_t n) {
                                      crc = crc32c(piece, n, crc);
                                      if (dst != nullptr) {
                                          std::memcpy(dst, piece, n);
                                          dst += n;
                                      }
                                  });
    if (!r) return std::unexpected(r.error());
    return crc;
}

Expected<void> SettingsStore::read_header(std::uint32_t slot, std::byte* header) noexcept {
    return for_each_piece(dev_, page_, slot * slot_blocks(), 0, header_bytes, [&](const std::byte* piece, std::uint32_t n) {
        std::memcpy(header, piece, n);
        header += n;
    });
}

Expected<SettingsStore::Slot> SettingsStore::inspect(std::uint32_t slot) noexcept {
    std::byte header[header_bytes];
    if (auto r = read_header(slot, header); !r) return std::unexpected(r.error());
    Slot s;
    s.erased = true;
    for (std::byte b : header) s.erased = s.erased && std::to_integer<std::uint8_t>(b) == dev_.geometry().erased_byte;
    if (s.erased) return s;
    s.generation = sector::load<std::uint32_t>(header + field::generation);
    s.bytes = sector::load<std::uint32_t>(header + field::bytes);
    if (sector::load<std::uint32_t>(header + field::magic) != settings_magic ||
        std::to_integer<std::uint8_t>(header[field::version]) != settings_version ||
        std::to_integer<std::uint8_t>(header[field::kind]) != kind_ || s.bytes > capacity())
        return s;
    const std::uint32_t stored_crc = sector::load<std::uint32_t>(header + field::crc);
    const auto crc = read_data(slot, s.bytes, crc32c(header, crc_covered_header), nullptr);
    if (!crc) return std::unexpected(crc.error());
    s.valid = *crc == stored_crc;
    return s;
}

Expected<SettingsLoad> SettingsStore::load(void* out, std::uint32_t out_capacity) noexcept {
    if (capacity() == 0 || page_ == nullptr || (out == nullptr && out_capacity != 0))
        return std::unexpected(Errc::invalid_argument);
    SettingsLoad result;
    Slot slots[2];
    for (std::uint32_t i = 0; i < 2; ++i) {
        auto s = inspect(i);
        if (!s) return std::unexpected(s.error());
        slots[i] = *s;
        if (!s->valid && !s->erased) ++result.invalid_slots;
    }
    const bool pick_1 = slots[1].valid && (!slots[0].valid || newer(slots[1].generation, slots[0].generation));
    const std::uint32_t pick = pick_1 ? 1 : 0;
    if (!slots[pick].valid) return result;
    if (slots[pick].bytes > out_capacity) return std::unexpected(Errc::no_space);
    // Read again into the caller's buffer, checked again: what the caller gets is what the CRC
    // covered, even if the first read and this one saw different bytes.
    std::byte header[header_bytes];
    if (auto r = read_header(pick, header); !r) return std::unexpected(r.error());
    const auto crc = read_data(pick, slots[pick].bytes, crc32c(header, crc_covered_header), out);
    if (!crc) return std::unexpected(crc.error());
    if (*crc != sector::load<std::uint32_t>(header + field::crc)) return std::unexpected(Errc::io_error);
    result.found = true;
    result.bytes = slots[pick].bytes;
    result.generation = slots[pick].generation;
    result.slot = pick;
    return result;
}

Expected<std::uint32_t> SettingsStore::save(const void* data, std::uint32_t bytes) noexcept {
    if (page_ == nullptr || (data == nullptr && bytes != 0) || bytes > capacity() || capacity() == 0)
        return std::unexpected(Errc::invalid_argument);
    const BlockGeometry& g = dev_.geometry();
    Slot slots[2];
    for (std::uint32_t i = 0; i < 2; ++i) {
        auto s = inspect(i);
        if (!s) return std::unexpected(s.error());
        slots[i] = *s;
    }
    // The target is the slot without the newest valid copy, which stays untouched.
    std::uint32_t newest = 2;
    if (slots[0].valid) newest = 0;
    if (slots[1].valid && (newest == 2 || newer(slots[1].generation, slots[0].generation))) newest = 1;
    const std::uint32_t target = newest == 0 ? 1 : 0;
    const std::uint32_t generation = newest == 2 ? 1 : slots[newest].generation + 1;

    std::byte header[header_bytes] = {};
    sector::store<std::uint32_t>(header + field::magic, settings_magic);
    header[field::version] = std::byte{settings_version};
    header[field::kind] = std::byte{kind_};
    sector::store<std::uint32_t>(header + field::generation, generation);
    sector::store<std::uint32_t>(header + field::bytes, bytes);
    sector::store<std::uint32_t>(header + field::crc, crc32c(data, bytes, crc32c(header, crc_covered_header)));

    const std::uint32_t first_block = target * slot_blocks();
    for (std::uint32_t b = 0; b < slot_blocks(); ++b)
        if (!dev_.erase(first_block + b)) return std::unexpected(Errc::io_error);

    // The record is header || data, programmed a page at a time; the rest of the last page is
    // left erased.
    const auto* src = static_cast<const std::byte*>(data);
    const std::uint32_t total = header_bytes + bytes;
    // Copies record bytes [at, at + n) into dst.
    auto record_bytes = [&](std::uint32_t at, std::byte* dst, std::uint32_t n) {
        for (std::uint32_t i = 0; i < n; ++i) {
            const std::uint32_t k = at + i;
            dst[i] = k < header_bytes ? header[k] : src[k - header_bytes];
        }
    };
    for (std::uint32_t at = 0; at < total; at += g.program_bytes) {
        const std::uint32_t n = total - at < g.program_bytes ? total - at : g.program_bytes;
        std::memset(page_, g.erased_byte, g.program_bytes);
        record_bytes(at, page_, n);
        if (!dev_.program(first_block + at / g.erase_bytes, at % g.erase_bytes, page_, g.program_bytes))
            return std::unexpected(Errc::io_error);
    }
    if (!dev_.sync()) return std::unexpected(Errc::io_error);

    // Read back: every byte as written (a stuck bit, a write the device acknowledged and dropped).
    bool same = true;
    std::uint32_t at = 0;
    const auto r = for_each_piece(dev_, page_, first_block, 0, total, [&](const std::byte* piece, std::uint32_t n) {
        for (std::uint32_t i = 0; i < n && same; ++i) {
            std::byte expected;
            record_bytes(at + i, &expected, 1);
            same = piece[i] == expected;
        }
        at += n;
    });
    if (!r || !same) return std::unexpected(Errc::io_error);
    return generation;
}

} // namespace ss
