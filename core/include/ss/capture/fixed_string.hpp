// A string with its storage inside (no heap), for names and units kept in channel metadata.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ss/expected.hpp"

namespace ss::capture {

/// Up to Capacity bytes of text plus a terminating NUL, stored in place.
template <std::size_t Capacity>
class FixedString {
    static_assert(Capacity > 0 && Capacity < 256, "the length is kept in one byte");

public:
    /// Most bytes it holds.
    static constexpr std::size_t capacity = Capacity;

    constexpr FixedString() noexcept = default;

    /// Replaces the text; invalid_argument (text unchanged) if it is longer than Capacity or
    /// holds a NUL. Never truncates: a cut-off name would silently name another channel.
    constexpr Expected<void> assign(std::string_view text) noexcept {
        if (text.size() > Capacity) return std::unexpected(Errc::invalid_argument);
        for (char c : text) {
            if (c == '\0') return std::unexpected(Errc::invalid_argument);
        }
        for (std::size_t i = 0; i < text.size(); ++i) bytes_[i] = text[i];
        bytes_[text.size()] = '\0';
        length_ = static_cast<std::uint8_t>(text.size());
        return {};
    }

    /// The text (without the NUL).
    constexpr std::string_view view() const noexcept { return {bytes_, length_}; }
    /// NUL-terminated text.
    constexpr const char* c_str() const noexcept { return bytes_; }
    /// Bytes held.
    constexpr std::size_t size() const noexcept { return length_; }
    /// True if it holds no text.
    constexpr bool empty() const noexcept { return length_ == 0; }

    friend constexpr bool operator==(const FixedString& a, const FixedString& b) noexcept {
        return a.view() == b.view();
    }

private:
    char bytes_[Capacity + 1] = {};
    std::uint8_t length_ = 0;
};

} // namespace ss::capture
