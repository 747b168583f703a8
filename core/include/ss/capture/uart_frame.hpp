// A small binary frame for sensor values over a serial line, its encoder, and a streaming decoder
// that takes bytes in any chunks (frames split across chunks and across a circular DMA buffer's
// wrap), finds frames again after garbage, and checks every frame's CRC so that a corrupted frame
// is counted, never delivered.
//
//   byte 0   0xA5           sync
//   byte 1   0x5A           sync
//   byte 2   channel        0 .. 255
//   byte 3-6 value          32-bit, little endian
//   byte 7-10 CRC32C        over bytes 2..6, little endian (the store's checksum, ss/crc32c.hpp:
//                           Castagnoli, reflected; check("123456789") = 0xE3069283)
//
// docs/capture-processing.md says why (two sync bytes; a 32-bit CRC because the 8- and 16-bit ones
// tried first let false frames through in the garbage tests; what the CRC catches).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/capture/captured_event.hpp"
#include "ss/capture/time_base.hpp"

namespace ss::capture {

/// Bytes in one frame.
inline constexpr std::size_t uart_frame_size = 11;
/// The two sync bytes that open a frame.
inline constexpr std::uint8_t uart_sync0 = 0xA5;
inline constexpr std::uint8_t uart_sync1 = 0x5A;


/// The frame carrying `value` for `channel`.
std::array<std::uint8_t, uart_frame_size> encode_uart_frame(std::uint8_t channel, std::uint32_t value) noexcept;

/// What the decoder has seen since construction or reset().
struct UartCounters {
    std::uint64_t bytes = 0;           ///< every byte fed
    std::uint64_t frames_good = 0;     ///< frames whose CRC matched (each delivered once)
    std::uint64_t frames_bad = 0;      ///< sync found but the CRC did not match
    std::uint64_t bytes_discarded = 0; ///< bytes that ended up in no good frame (garbage, resync)
};

/// How much of the input one decode() call used.
struct UartDecodeResult {
    std::size_t consumed = 0; ///< bytes taken (all of them unless `out` filled up)
    std::size_t produced = 0; ///< events written
};

/// Streaming decoder for one serial line. Keeps at most one partial frame between calls.
class UartFrameDecoder {
public:
    /// `byte_time_us`: time one byte takes on the line (10 bits / baud), used to stamp a frame
    /// with when its last byte arrived rather than when the chunk ended; 0 = chunk end for all.
    explicit constexpr UartFrameDecoder(std::uint32_t byte_time_us = 0) noexcept : byte_time_us_(byte_time_us) {}

    /// Feeds `bytes`, the last of which arrived at monotonic `end_us`; writes one event per good
    /// frame, stamped through `time`. Stops early only when `out` is full: feed the rest
    /// (bytes.subspan(consumed)) again with the same end_us.
    UartDecodeResult decode(std::span<const std::uint8_t> bytes, std::uint64_t end_us, TimeBase& time,
                            std::span<CapturedEvent> out) noexcept;

    /// The same for data that wraps around a circular buffer: `first` then `second`, the last
    /// byte of `second` (or of `first` if second is empty) arriving at `end_us`.
    UartDecodeResult decode(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
                            std::uint64_t end_us, TimeBase& time, std::span<CapturedEvent> out) noexcept;

    /// Drops a partial frame and clears the counters.
    void reset() noexcept;

    /// Counters. bytes == 11·frames_good + bytes_discarded + buffered() always holds.
    const UartCounters& counters() const noexcept { return counters_; }

    /// Bytes of a partial frame held for the next call.
    std::size_t buffered() const noexcept { return have_; }

private:
    bool push(std::uint8_t byte) noexcept; // true when a good frame is complete in frame_
    void resync_after_bad_frame() noexcept;

    std::uint32_t byte_time_us_;
    std::uint8_t frame_[uart_frame_size] = {};
    std::size_t have_ = 0;
    UartCounters counters_{};
};

} // namespace ss::capture
