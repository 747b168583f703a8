// What the bus sources (sim_uart, sim_spi, sim_can, socketcan) make of a spec, in one place for
// the capture stage and the config file's check (header-only, like sim_adc_config.hpp, so the
// config library needs no more of the runtime than its spec): the hal's limits, a sensor's CAN
// signal, and the inverse of the core's signal extraction, which the simulated CAN bus sends with.
#pragma once

#include <cstdint>

#include "ss/actors/pipeline_spec.hpp"
#include "ss/capture/can_signal.hpp"
#include "ss/hal/capture/sim_can.hpp"

namespace ss::actors::bus {

// The hal's limits (hal/posix/capture/sim_uart.cpp, sim_spi.cpp, sim_can.cpp).
inline constexpr std::uint32_t min_baud = 300, max_baud = 10'000'000;
inline constexpr std::uint32_t min_spi_clock_hz = 1'000, max_spi_clock_hz = 100'000'000;
inline constexpr std::uint32_t max_can_frame_rate = 100'000;
inline constexpr std::size_t max_sim_can_ids = capture::SimCanConfig::max_ids;
/// Bits one uart_frame takes on the line: 11 bytes of 10 bits (start, 8 data, stop).
inline constexpr std::uint32_t uart_frame_bits = 110;
/// A uart_frame's channel is one byte.
inline constexpr std::uint32_t max_uart_channel = 255;

// The simulated SPI converter: a transfer of spi_transfer_bytes; the master sends
// spi_read_command | channel in byte 0, the converter answers its status (the channel it
// converted) in byte 0 and the 24-bit result big endian in bytes 1..3, as AD7124/ADS124x-class
// converters do. Values above full scale read as full scale.
inline constexpr std::size_t spi_transfer_bytes = 4;
inline constexpr std::uint8_t spi_read_command = 0x80;
inline constexpr std::uint32_t max_spi_channel = 0x7F;
inline constexpr std::uint32_t spi_full_scale = 0xFF'FFFF;

/// The k-th sensor of `sensor`'s group as a CAN signal delivering to `channel`.
inline capture::CanSignal can_signal(const SensorSpec& sensor, std::uint32_t k, std::uint32_t channel) noexcept {
    capture::CanSignal s;
    s.id = sensor.can_id + k;
    s.extended = sensor.can_extended;
    s.start_bit = sensor.start_bit;
    s.length = sensor.length;
    s.order = sensor.big_endian ? capture::ByteOrder::big_endian : capture::ByteOrder::little_endian;
    s.is_signed = sensor.is_signed;
    s.channel = channel;
    return s;
}

/// The 8 payload bytes as one number, byte 0 lowest (Intel) or highest (Motorola), and the bit
/// in it where a signal's least significant bit sits: the same view capture::extract() takes.
inline unsigned can_lsb_position(const capture::CanSignal& s) noexcept {
    if (s.order == capture::ByteOrder::little_endian) return s.start_bit;
    // Motorola: start_bit is the MSB in DBC numbering; in the big-endian 64-bit view bit b of
    // byte n sits at 8·(7 - n) + b, and the signal runs `length` bits down from there.
    const unsigned msb = 8u * (7u - s.start_bit / 8u) + s.start_bit % 8u;
    return msb + 1u - s.length;
}

/// Writes the low `length` bits of `raw` where `s` sits in `data`, leaving other bits alone: the
/// inverse of capture::extract() for a valid signal.
inline void can_insert(const capture::CanSignal& s, std::uint32_t raw, std::uint8_t (&data)[8]) noexcept {
    const bool intel = s.order == capture::ByteOrder::little_endian;
    std::uint64_t payload = 0;
    for (int i = 0; i < 8; ++i) payload |= std::uint64_t{data[i]} << (intel ? 8 * i : 8 * (7 - i));
    const std::uint64_t mask = (s.length >= 64 ? ~0ull : (1ull << s.length) - 1) << can_lsb_position(s);
    payload = (payload & ~mask) | ((std::uint64_t{raw} << can_lsb_position(s)) & mask);
    for (int i = 0; i < 8; ++i) data[i] = static_cast<std::uint8_t>(payload >> (intel ? 8 * i : 8 * (7 - i)));
}

/// The payload bits `s` occupies, as bit (8·byte + bit) of the result: two signals of one frame
/// that share a bit would overwrite each other.
inline std::uint64_t can_bits(const capture::CanSignal& s) noexcept {
    std::uint8_t data[8] = {};
    can_insert(s, 0xFFFF'FFFFu, data);
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= std::uint64_t{data[i]} << (8 * i);
    return bits;
}

/// What the sender puts on the bus for `value`: its low `length` bits, read back as the decoder
/// reads them (sign-extended when signed). The simulated CAN bus's readings are these.
inline std::uint32_t can_sent_value(const capture::CanSignal& s, std::uint32_t value) noexcept {
    std::uint8_t data[8] = {};
    can_insert(s, value, data);
    return capture::extract(s, data);
}

} // namespace ss::actors::bus
