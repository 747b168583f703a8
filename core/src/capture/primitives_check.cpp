// Explicit instantiations of the capture primitives, so the freestanding builds (host and
// Cortex-M4) compile every member of the header-only templates and report their size.
#include "ss/capture/buffer_pool.hpp"
#include "ss/capture/double_buffer.hpp"
#include "ss/capture/spsc_ring.hpp"

#include <cstdint>

namespace ss::capture::detail {

/// An element with a user-provided destructor: the ring must construct and destroy it.
struct NonTrivialCheckItem {
    NonTrivialCheckItem() noexcept = default;
    NonTrivialCheckItem(const NonTrivialCheckItem& other) noexcept : value(other.value) {}
    NonTrivialCheckItem& operator=(const NonTrivialCheckItem& other) noexcept {
        value = other.value;
        return *this;
    }
    ~NonTrivialCheckItem() { value = 0; }
    std::uint32_t value = 0;
};

/// A 16-byte record, the size of a typical timestamped sample.
struct RecordCheckItem {
    std::uint64_t timestamp_us;
    std::uint32_t channel;
    float value;
};

} // namespace ss::capture::detail

// Power-of-two and other capacities, the smallest one, trivial and non-trivial elements.
template class ss::capture::SpscRing<std::uint32_t, 64>;
template class ss::capture::SpscRing<std::uint32_t, 5>;
template class ss::capture::SpscRing<std::uint8_t, 1>;
template class ss::capture::SpscRing<ss::capture::detail::RecordCheckItem, 16>;
template class ss::capture::SpscRing<ss::capture::detail::NonTrivialCheckItem, 8>;
template class ss::capture::SpscRing<ss::capture::detail::NonTrivialCheckItem, 6>;

template class ss::capture::BufferPool<std::uint16_t, 256, 8>;
template class ss::capture::BufferPool<std::uint8_t, 64, 5>;

template class ss::capture::DmaDoubleBuffer<std::uint16_t, 256>;
template class ss::capture::DmaDoubleBuffer<std::int32_t, 3>;
template class ss::capture::PooledDmaCapture<std::uint16_t, 256, 8>;
