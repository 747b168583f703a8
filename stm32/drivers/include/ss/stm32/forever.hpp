// A static object that is never destroyed. Firmware never exits, so a destructor of a static
// driver object would never run; but a static with a non-trivial destructor (every SPSC ring
// has one) still makes the compiler register it with __cxa_atexit, which pulls in atexit
// tables and needs __dso_handle, neither of which the port provides. Wrapping the object in
// Forever<T> keeps it static-initialised and registers nothing.
#pragma once

#include <cstddef>
#include <new>
#include <utility>

namespace ss::stm32 {

/// Holds a T constructed in place from the constructor's arguments; never destroys it.
template <class T>
class Forever {
public:
    template <class... Args>
    explicit Forever(Args&&... args) noexcept {
        ::new (static_cast<void*>(storage_)) T(std::forward<Args>(args)...);
    }
    Forever(const Forever&) = delete;
    Forever& operator=(const Forever&) = delete;

    T& operator*() noexcept { return *std::launder(reinterpret_cast<T*>(storage_)); }
    T* operator->() noexcept { return std::launder(reinterpret_cast<T*>(storage_)); }

private:
    alignas(T) std::byte storage_[sizeof(T)];
};

} // namespace ss::stm32
