// CAN signals: where a value sits in a frame's payload (DBC conventions), and a decoder that turns
// every received frame into one event per signal it carries, stamped with the frame's reception
// time through the time base. Frames that carry no configured signal are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/capture/can_frame.hpp"
#include "ss/capture/captured_event.hpp"
#include "ss/capture/time_base.hpp"
#include "ss/expected.hpp"

namespace ss {
class Text;
}

namespace ss::capture {

/// Byte order of a signal (DBC: 1 = Intel, 0 = Motorola).
enum class ByteOrder : std::uint8_t {
    little_endian = 0, ///< Intel: start_bit is the least significant bit; bits go up
    big_endian = 1,    ///< Motorola: start_bit is the most significant bit; bits go down within a
                       ///< byte, then on to bit 7 of the next byte
};

/// One signal. Bit numbering as in DBC files: bit b is bit (b % 8) of data byte (b / 8), bit 0
/// the least significant.
struct CanSignal {
    std::uint32_t id = 0;        ///< CAN identifier
    bool extended = false;       ///< 29-bit identifier
    std::uint8_t start_bit = 0;  ///< 0 .. 63, meaning per byte order
    std::uint8_t length = 0;     ///< bits, 1 .. 32
    ByteOrder order = ByteOrder::little_endian;
    bool is_signed = false;      ///< two's complement: sign-extended to 32 bits
    std::uint32_t channel = 0;   ///< passed through to the event (the sensor it is stored as)
};

/// Checks one signal (id in range for its format, length 1..32, bits inside 8 bytes).
Expected<void> validate(const CanSignal& signal, Text& why) noexcept;

/// Payload bytes a frame must carry for `signal` to be read (1 .. 8).
std::uint8_t bytes_needed(const CanSignal& signal) noexcept;

/// Reads `signal` from 8 payload bytes (no checks; the result is the 32-bit raw value).
std::uint32_t extract(const CanSignal& signal, const std::uint8_t (&data)[8]) noexcept;

/// What the decoder has seen.
struct CanCounters {
    std::uint64_t frames = 0;           ///< every frame fed
    std::uint64_t frames_matched = 0;   ///< frames carrying at least one signal
    std::uint64_t frames_unmatched = 0; ///< frames whose id has no signal
    std::uint64_t frames_remote = 0;    ///< remote frames (no data; never decoded)
    std::uint64_t signals_decoded = 0;  ///< events produced
    std::uint64_t signals_short = 0;    ///< signals skipped because the frame's dlc was too short
    std::uint64_t events_dropped = 0;   ///< signals decoded but not written: `out` was full
};

/// Decodes frames against a signal table the caller owns.
class CanDecoder {
public:
    CanDecoder() noexcept = default;

    /// Validates every signal (why names the first bad one by index) and sorts the table in
    /// place by (extended, id), keeping the table's order among signals of one frame. The table
    /// must outlive the decoder's use. Nothing changes on error.
    Expected<void> configure(std::span<CanSignal> signals, Text& why) noexcept;

    /// One event per signal `frame` carries, written to `out`; returns how many. Signals that
    /// do not fit `out` are counted as dropped.
    std::size_t decode(const CanFrame& frame, TimeBase& time, std::span<CapturedEvent> out) noexcept;

    /// Counters since configure().
    const CanCounters& counters() const noexcept { return counters_; }

private:
    std::span<const CanSignal> signals_{};
    CanCounters counters_{};
};

} // namespace ss::capture
