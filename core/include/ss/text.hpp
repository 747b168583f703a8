// A bounded message builder for error and diagnostic text. The core has no printf (it would
// cost an MCU image ~20 KB of flash for a few messages), so it appends pieces into a fixed
// buffer and truncates rather than overflow.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ss {

class Text {
public:
    static constexpr std::size_t capacity = 192;

    // constexpr: a Text at namespace scope is built by the compiler, not by a static
    // constructor (a firmware may call into the core before its constructors run).
    constexpr Text() noexcept = default;

    void clear() noexcept {
        len_ = 0;
        buf_[0] = '\0';
    }
    Text& operator<<(const char* s) noexcept;
    Text& operator<<(std::uint64_t v) noexcept;
    Text& operator<<(std::uint32_t v) noexcept { return *this << static_cast<std::uint64_t>(v); }
    Text& operator<<(int v) noexcept;
    Text& operator<<(char c) noexcept {
        put(c);
        return *this;
    }

    const char* c_str() const noexcept { return buf_; }
    std::size_t size() const noexcept { return len_; }

private:
    void put(char c) noexcept;

    char buf_[capacity] = {};
    std::size_t len_ = 0;
};

} // namespace ss
