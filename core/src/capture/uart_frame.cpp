#include "ss/capture/uart_frame.hpp"

#include "ss/crc32c.hpp"

namespace ss::capture {

namespace {

constexpr std::size_t payload_offset = 2;
constexpr std::size_t payload_size = 5; // channel + value
constexpr std::size_t crc_offset = payload_offset + payload_size;

std::uint32_t payload_crc(const std::uint8_t* frame) noexcept { return crc32c(frame + payload_offset, payload_size); }

bool crc_matches(const std::uint8_t* frame) noexcept {
    const std::uint32_t crc = payload_crc(frame);
    for (std::size_t i = 0; i < 4; ++i) {
        if (frame[crc_offset + i] != static_cast<std::uint8_t>(crc >> (8 * i))) return false;
    }
    return true;
}

} // namespace

std::array<std::uint8_t, uart_frame_size> encode_uart_frame(std::uint8_t channel, std::uint32_t value) noexcept {
    std::array<std::uint8_t, uart_frame_size> f{};
    f[0] = uart_sync0;
    f[1] = uart_sync1;
    f[2] = channel;
    for (int i = 0; i < 4; ++i) f[3 + i] = static_cast<std::uint8_t>(value >> (8 * i));
    const std::uint32_t crc = payload_crc(f.data());
    for (std::size_t i = 0; i < 4; ++i) f[crc_offset + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    return f;
}

void UartFrameDecoder::reset() noexcept {
    have_ = 0;
    counters_ = UartCounters{};
}

void UartFrameDecoder::resync_after_bad_frame() noexcept {
    // The sync was false or the frame corrupt: a real frame may start inside the rejected bytes,
    // so look for the next sync there instead of skipping all of them.
    for (std::size_t p = 1; p < uart_frame_size; ++p) {
        if (frame_[p] == uart_sync0 && (p + 1 == uart_frame_size || frame_[p + 1] == uart_sync1)) {
            counters_.bytes_discarded += p;
            for (std::size_t i = p; i < uart_frame_size; ++i) frame_[i - p] = frame_[i];
            have_ = uart_frame_size - p;
            return;
        }
    }
    counters_.bytes_discarded += uart_frame_size;
    have_ = 0;
}

bool UartFrameDecoder::push(std::uint8_t byte) noexcept {
    if (have_ == 1) {
        if (byte == uart_sync1) {
            frame_[have_++] = byte;
            return false;
        }
        ++counters_.bytes_discarded; // the lone first sync byte; `byte` may open a frame itself
        have_ = 0;
    }
    if (have_ == 0) {
        if (byte == uart_sync0) {
            frame_[have_++] = byte;
        } else {
            ++counters_.bytes_discarded;
        }
        return false;
    }
    frame_[have_++] = byte;
    if (have_ < uart_frame_size) return false;
    if (crc_matches(frame_)) {
        have_ = 0;
        ++counters_.frames_good;
        return true;
    }
    ++counters_.frames_bad;
    resync_after_bad_frame();
    return false;
}

UartDecodeResult UartFrameDecoder::decode(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
                                          std::uint64_t end_us, TimeBase& time,
                                          std::span<CapturedEvent> out) noexcept {
    const std::size_t total = first.size() + second.size();
    UartDecodeResult r{};
    for (std::size_t i = 0; i < total; ++i) {
        // Stop before the byte that could complete a frame with nowhere to put it; it stays unread.
        if (have_ == uart_frame_size - 1 && r.produced == out.size()) break;
        const std::uint8_t byte = i < first.size() ? first[i] : second[i - first.size()];
        ++counters_.bytes;
        r.consumed = i + 1;
        if (!push(byte)) continue;
        // The frame's last byte arrived (total − 1 − i) byte times before the chunk's end.
        const std::uint64_t before = static_cast<std::uint64_t>(total - 1 - i) * byte_time_us_;
        const std::uint64_t at_us = before > end_us ? 0 : end_us - before;
        std::uint32_t value = 0;
        for (int b = 0; b < 4; ++b) value |= std::uint32_t{frame_[3 + b]} << (8 * b);
        out[r.produced++] = CapturedEvent{frame_[2], value, time.stamp(at_us)};
    }
    return r;
}

UartDecodeResult UartFrameDecoder::decode(std::span<const std::uint8_t> bytes, std::uint64_t end_us, TimeBase& time,
                                          std::span<CapturedEvent> out) noexcept {
    return decode(bytes, std::span<const std::uint8_t>{}, end_us, time, out);
}

} // namespace ss::capture
