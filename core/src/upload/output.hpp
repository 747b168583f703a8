// The byte sink every encoder writes through. It counts every byte it is given and stores only
// those that fit, so one code path gives both the encoded size (no buffer) and the encoding; the
// encoder then reports Errc::no_space instead of claiming a cut-off payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ss::upload::detail {

class Output {
public:
    /// Counts only: size() after encoding is the exact size needed.
    Output() noexcept = default;
    Output(std::byte* buf, std::size_t capacity) noexcept : buf_(buf), cap_(capacity) {}

    void byte(std::uint8_t b) noexcept {
        if (pos_ < cap_) buf_[pos_] = std::byte{b};
        ++pos_;
    }
    void chr(char c) noexcept { byte(static_cast<std::uint8_t>(c)); }
    void text(std::string_view s) noexcept {
        for (char c : s) chr(c);
    }
    /// v in decimal, no sign, no leading zeros.
    void decimal(std::uint64_t v) noexcept {
        char digits[20];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (n > 0) chr(digits[--n]);
    }
    /// v as a little-endian base-128 varint: 7 bits a byte, low groups first, the top bit set on
    /// every byte but the last.
    void varint(std::uint64_t v) noexcept {
        while (v >= 0x80) {
            byte(static_cast<std::uint8_t>(v | 0x80));
            v >>= 7;
        }
        byte(static_cast<std::uint8_t>(v));
    }

    /// Gives again the `len` bytes given from offset `from` on (from + len <= size()): a part
    /// every line of a batch repeats is written once, then copied.
    void repeat(std::size_t from, std::size_t len) noexcept {
        if (len == 0) return;
        if (pos_ + len <= cap_) {
            std::memcpy(buf_ + pos_, buf_ + from, len); // from + len <= pos_: no overlap
            pos_ += len;
        } else if (pos_ >= cap_) {
            pos_ += len; // counting, or past the end already: nothing more is stored
        } else {
            for (std::size_t i = 0; i < len; ++i) byte(static_cast<std::uint8_t>(buf_[from + i]));
        }
    }

    /// Bytes given so far (stored or not).
    std::size_t size() const noexcept { return pos_; }
    /// True if every byte given was stored.
    bool fits() const noexcept { return pos_ <= cap_; }

private:
    std::byte* buf_ = nullptr;
    std::size_t cap_ = 0;
    std::size_t pos_ = 0;
};

} // namespace ss::upload::detail
