// The one place that names the error type of the C++ API (design.md §2: std::expected has the
// shape the design card asked for with tl-expected).
#pragma once

#include <cerrno>
#include <expected>

namespace ss {

/// Error kinds of the C++ API. Each maps onto the negative errno value the C API returns.
enum class Errc : int {
    invalid_argument = EINVAL, ///< bad input; nothing changed
    no_space = ENOSPC,         ///< no room; the record was dropped and counted
    try_again = EAGAIN,        ///< nothing to do now
    io_error = EIO,            ///< a sector failed its CRC check (dropped and counted)
    busy = EBUSY,              ///< the disk root is in use by another process (its lock is held)
};

template <class T>
using Expected = std::expected<T, Errc>;

/// The C API's return code for an error: a negative errno value.
constexpr int to_rc(Errc e) noexcept { return -static_cast<int>(e); }

/// The C API's return code for any Expected: 0 on success.
template <class T>
constexpr int to_rc(const Expected<T>& r) noexcept {
    return r ? 0 : to_rc(r.error());
}

} // namespace ss
