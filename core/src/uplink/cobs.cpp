#include "ss/uplink/cobs.hpp"

namespace ss::uplink::cobs {

bool Encoder::put(std::byte b) noexcept {
    if (failed_) return false;
    if (b == delimiter) {
        out_[code_at_] = std::byte{code_};
        code_at_ = next_;
        code_ = 1;
    } else {
        if (next_ >= out_.size()) return !(failed_ = true);
        out_[next_] = b;
        ++code_;
        if (code_ == 0xFF) {
            out_[code_at_] = std::byte{code_};
            code_at_ = next_ + 1;
            code_ = 1;
            ++next_;
        }
    }
    ++next_;
    // The next run's code byte must fit too: checked here so that finish() cannot fail alone.
    if (code_at_ >= out_.size()) return !(failed_ = true);
    return true;
}

bool Encoder::put(std::span<const std::byte> bytes) noexcept {
    for (const std::byte b : bytes)
        if (!put(b)) return false;
    return true;
}

std::size_t Encoder::finish() noexcept {
    if (failed_ || out_.empty()) return 0;
    out_[code_at_] = std::byte{code_};
    return next_;
}

Expected<std::size_t> decode_in_place(std::span<std::byte> buf) noexcept {
    if (buf.empty()) return std::unexpected(Errc::invalid_argument);
    std::size_t read = 0;
    std::size_t write = 0;
    while (read < buf.size()) {
        const auto code = static_cast<std::uint8_t>(buf[read]);
        if (code == 0) return std::unexpected(Errc::invalid_argument);
        const std::size_t run = code - 1u;
        if (run > buf.size() - read - 1) return std::unexpected(Errc::invalid_argument);
        ++read;
        for (std::size_t i = 0; i < run; ++i, ++read, ++write) {
            if (buf[read] == delimiter) return std::unexpected(Errc::invalid_argument);
            buf[write] = buf[read];
        }
        // A run shorter than 254 stood for data followed by a zero, except the frame's last run.
        if (code != 0xFF && read < buf.size()) buf[write++] = std::byte{0};
    }
    return write;
}

} // namespace ss::uplink::cobs
