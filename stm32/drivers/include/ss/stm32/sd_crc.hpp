// The two checksums of the SD protocol (SD Physical Layer Simplified Specification §4.5): CRC7
// (x^7 + x^3 + 1) over a command's first five bytes, CRC16-CCITT (x^16 + x^12 + x^5 + 1, zero
// start) over a data block. Bitwise: a command is 5 bytes and a block read or write already
// moves 512 bytes over the wire, so a table would buy little for its 512 bytes of flash.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ss::stm32 {

/// CRC7 of `bytes`, in the low 7 bits.
constexpr std::uint8_t sd_crc7(const std::uint8_t* data, std::size_t bytes) noexcept {
    std::uint8_t crc = 0;
    for (std::size_t i = 0; i < bytes; ++i)
        for (int bit = 7; bit >= 0; --bit) {
            const bool top = ((crc >> 6) & 1u) != ((data[i] >> bit) & 1u);
            crc = static_cast<std::uint8_t>((crc << 1) & 0x7Fu);
            if (top) crc ^= 0x09;
        }
    return crc;
}

/// CRC16-CCITT of `bytes`, as the card sends it after a data block (high byte first).
constexpr std::uint16_t sd_crc16(const std::uint8_t* data, std::size_t bytes) noexcept {
    std::uint16_t crc = 0;
    for (std::size_t i = 0; i < bytes; ++i) {
        crc = static_cast<std::uint16_t>(crc ^ (std::uint16_t{data[i]} << 8));
        for (int bit = 0; bit < 8; ++bit)
            crc = static_cast<std::uint16_t>((crc & 0x8000u) != 0 ? (crc << 1) ^ 0x1021u : crc << 1);
    }
    return crc;
}

} // namespace ss::stm32
