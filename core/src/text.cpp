#include "ss/text.hpp"

namespace ss {

void Text::put(char c) noexcept {
    if (len_ + 1 < capacity) {
        buf_[len_++] = c;
        buf_[len_] = '\0';
    }
}

Text& Text::operator<<(const char* s) noexcept {
    if (s == nullptr) s = "(null)";
    while (*s != '\0') put(*s++);
    return *this;
}

Text& Text::operator<<(std::uint64_t v) noexcept {
    char digits[20];
    int n = 0;
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) put(digits[--n]);
    return *this;
}

Text& Text::operator<<(int v) noexcept {
    if (v < 0) {
        put('-');
        return *this << static_cast<std::uint64_t>(-static_cast<std::int64_t>(v));
    }
    return *this << static_cast<std::uint64_t>(v);
}

} // namespace ss
