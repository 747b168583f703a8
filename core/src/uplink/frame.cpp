#include "ss/uplink/frame.hpp"

#include "ss/crc32c.hpp"

namespace ss::uplink {
namespace {

void store_le(std::byte* p, std::uint32_t v, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) p[i] = std::byte(v >> (8 * i));
}

std::uint32_t load_le(const std::byte* p, std::size_t n) noexcept {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint32_t{std::to_integer<std::uint8_t>(p[i])} << (8 * i);
    return v;
}

bool known(FrameType t) noexcept { return t == FrameType::data || t == FrameType::ack || t == FrameType::nak; }

} // namespace

Expected<std::size_t> encode_frame(const Frame& f, std::span<std::byte> out) noexcept {
    if (!known(f.type) || f.payload.size() > frame::max_payload ||
        (f.type != FrameType::data && !f.payload.empty()))
        return std::unexpected(Errc::invalid_argument);
    std::byte header[frame::header_bytes];
    header[0] = std::byte{frame::version};
    header[1] = std::byte{static_cast<std::uint8_t>(f.type)};
    store_le(header + 2, f.session, 4);
    store_le(header + 6, f.seq, 4);
    store_le(header + 10, f.aux, 4);
    store_le(header + 14, static_cast<std::uint32_t>(f.payload.size()), 2);
    std::byte crc[frame::crc_bytes];
    store_le(crc, crc32c(f.payload.data(), f.payload.size(), crc32c(header, sizeof header)), 4);

    if (out.empty()) return std::unexpected(Errc::no_space);
    cobs::Encoder enc(out.first(out.size() - 1));
    if (!enc.put(header) || !enc.put(f.payload) || !enc.put(crc)) return std::unexpected(Errc::no_space);
    const std::size_t n = enc.finish();
    if (n == 0) return std::unexpected(Errc::no_space);
    out[n] = cobs::delimiter;
    return n + 1;
}

Expected<Frame> decode_frame(std::span<std::byte> stuffed) noexcept {
    const auto n = cobs::decode_in_place(stuffed);
    if (!n) return std::unexpected(n.error());
    const std::byte* raw = stuffed.data();
    if (*n < frame::raw_bytes(0) || raw[0] != std::byte{frame::version}) return std::unexpected(Errc::invalid_argument);
    Frame f;
    f.type = static_cast<FrameType>(raw[1]);
    const std::size_t length = load_le(raw + 14, 2);
    if (!known(f.type) || *n != frame::raw_bytes(length) || (f.type != FrameType::data && length != 0))
        return std::unexpected(Errc::invalid_argument);
    const std::size_t covered = frame::header_bytes + length;
    if (crc32c(raw, covered) != load_le(raw + covered, 4)) return std::unexpected(Errc::io_error);
    f.session = load_le(raw + 2, 4);
    f.seq = load_le(raw + 6, 4);
    f.aux = load_le(raw + 10, 4);
    f.payload = std::span<const std::byte>(raw + frame::header_bytes, length);
    return f;
}

} // namespace ss::uplink
