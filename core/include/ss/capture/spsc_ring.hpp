// A single-producer single-consumer lock-free ring with compile-time capacity: the hand-over
// between an interrupt (or capture thread) and its consumer. Model: rigtorp/SPSCQueue, plus
// all N slots usable, bulk operations and a freestanding build (no heap, no exceptions needed).
//
// Which side may call what:
//   producer (one ISR or one thread at a time): try_push, try_emplace, push_n
//   consumer (one ISR or one thread at a time): try_pop, front, pop, pop_n
//   anyone:                                     size_approx, empty, full, capacity
// Producer operations are wait-free (a bounded number of steps, no retry loop, no read-modify-
// write instruction: plain 32-bit loads and stores), so they may run in an ISR that preempts the
// consumer at any instruction. Consumer operations are wait-free too. Two producers (e.g. two ISRs
// of different priority) or two consumers are not supported: give each its own ring.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace ss::capture {

/// Alignment that keeps the producer's and the consumer's hot fields apart.
///
/// False sharing is a cache-coherence effect between cores: 64 bytes covers x86-64 and the
/// common ARMv8 hosts. A single-core microcontroller has no other core to bounce a line to (and a
/// Cortex-M4 has no data cache at all), so padding there only wastes RAM: on M-profile targets the
/// fields are merely kept word-aligned (4 bytes). Override with -DSS_CAPTURE_CACHE_LINE=<bytes>
/// (a power of two), e.g. 32 to keep DMA buffers line-aligned for cache maintenance on a Cortex-M7.
#if defined(SS_CAPTURE_CACHE_LINE)
inline constexpr std::size_t cache_line_size = SS_CAPTURE_CACHE_LINE;
#elif defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
inline constexpr std::size_t cache_line_size = 4;
#else
inline constexpr std::size_t cache_line_size = 64;
#endif
static_assert(cache_line_size >= alignof(std::uint32_t) && (cache_line_size & (cache_line_size - 1)) == 0,
              "SS_CAPTURE_CACHE_LINE must be a power of two of at least 4");

namespace detail {

/// Ring position arithmetic for capacity N without a wasted slot.
///
/// Positions are free-running counters; full is "tail - head == N", empty is "tail == head".
/// When N is a power of two the positions use the whole 32-bit range and wrap naturally. For any
/// other N they wrap at 2N (so the distance stays unambiguous) and a slot is position or
/// position - N: no division either way, which matters on a core without a fast divider.
template <std::size_t N>
struct RingIndex {
    static_assert(N >= 1, "a ring needs at least one slot");
    using type = std::uint32_t;
    static constexpr bool power_of_two = (N & (N - 1)) == 0;
    // Positions below 2N plus a step of at most N must stay below 2^32.
    static_assert(N <= (std::size_t{1} << (power_of_two ? 31 : 30)), "ring positions are 32-bit");
    static constexpr type n = static_cast<type>(N);

    /// Position `from` moved forward by `k` (k <= N).
    static constexpr type advance(type from, type k) noexcept {
        if constexpr (power_of_two) {
            return static_cast<type>(from + k);
        } else {
            const type to = from + k; // from < 2N and k <= N, so to < 3N < 2^32
            return to >= 2 * n ? to - 2 * n : to;
        }
    }

    /// Items between positions `from` and `to` (to is at or after from).
    static constexpr type distance(type from, type to) noexcept {
        if constexpr (power_of_two) return static_cast<type>(to - from);
        else return to >= from ? to - from : to + 2 * n - from;
    }

    /// The slot a position refers to.
    static constexpr type slot(type position) noexcept {
        if constexpr (power_of_two) return position & (n - 1);
        else return position >= n ? position - n : position;
    }

    /// A valid position congruent to `p` (tests start near the 32-bit wrap with it).
    static constexpr type normalize(type p) noexcept {
        if constexpr (power_of_two) return p;
        else return p % (2 * n);
    }
};

/// Starting position for a ring: lets tests put both indices just before the 32-bit wrap.
struct RingStart {
    std::uint32_t position = 0;
};

} // namespace detail

/// Lock-free single-producer single-consumer FIFO of up to `N` items of `T`; no heap.
///
/// Items live in raw aligned storage: constructed on push, destroyed on pop; the destructor
/// destroys whatever is still queued. Neither copyable nor movable (the other side holds a
/// reference). Not an interface for more than one producer or more than one consumer.
template <class T, std::size_t N>
class SpscRing {
    using Index = detail::RingIndex<N>;
    using position_type = typename Index::type;

public:
    using value_type = T;

    /// An empty ring.
    SpscRing() noexcept : SpscRing(detail::RingStart{}) {}

    /// An empty ring whose indices start at `start.position` (for tests of the index wrap).
    explicit SpscRing(detail::RingStart start) noexcept {
        const position_type p = Index::normalize(start.position);
        producer_.tail.store(p, std::memory_order_relaxed);
        producer_.cached_head = p;
        consumer_.head.store(p, std::memory_order_relaxed);
        consumer_.cached_tail = p;
        check_layout();
    }

    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    /// Destroys the items still queued. Neither side may be running.
    ~SpscRing() {
        if constexpr (!std::is_trivially_destructible_v<T>) {
            position_type head = consumer_.head.load(std::memory_order_relaxed);
            const position_type tail = producer_.tail.load(std::memory_order_relaxed);
            while (head != tail) {
                slot_at(head)->~T();
                head = Index::advance(head, 1);
            }
        }
    }

    /// Number of items the ring holds when full.
    static constexpr std::size_t capacity() noexcept { return N; }

    // ---- producer side -------------------------------------------------------------------------

    /// Producer: constructs an item in place from `args`. False (nothing constructed) if full.
    template <class... Args>
    [[nodiscard]] bool try_emplace(Args&&... args) noexcept {
        // The core has no exceptions (design.md §2): an item that could throw half-way through a
        // push or a pop has no place in a ring an interrupt writes.
        static_assert(std::is_nothrow_constructible_v<T, Args&&...>, "T must be nothrow-constructible from these arguments");
        const position_type tail = producer_.tail.load(std::memory_order_relaxed);
        if (free_for_producer(tail, 1) == 0) return false;
        ::new (slot_raw(Index::slot(tail))) T(std::forward<Args>(args)...);
        // Release: the consumer's acquire load of tail sees the constructed item.
        producer_.tail.store(Index::advance(tail, 1), std::memory_order_release);
        return true;
    }

    /// Producer: copies `item` in. False if full.
    [[nodiscard]] bool try_push(const T& item) noexcept {
        return try_emplace(item);
    }

    /// Producer: moves `item` in. False if full (then `item` is left untouched).
    [[nodiscard]] bool try_push(T&& item) noexcept {
        return try_emplace(std::move(item));
    }

    /// Producer: copies the first of `items[0..count)` that fit, in order, and publishes them at
    /// once. Returns how many were copied (0 when full). Wait-free: at most `count` copies.
    std::size_t push_n(const T* items, std::size_t count) noexcept {
        static_assert(std::is_nothrow_copy_constructible_v<T>, "T must be nothrow-copy-constructible");
        const position_type tail = producer_.tail.load(std::memory_order_relaxed);
        const std::size_t room = free_for_producer(tail, count);
        const std::size_t k = count < room ? count : room;
        if (k == 0) return 0;
        // At most two contiguous runs: up to the end of the storage, then from its start.
        const std::size_t first = Index::slot(tail);
        const std::size_t run = k < N - first ? k : N - first;
        if constexpr (std::is_trivially_copyable_v<T>) {
            std::memcpy(slot_raw(first), items, run * sizeof(T));
            std::memcpy(slot_raw(0), items + run, (k - run) * sizeof(T));
        } else {
            for (std::size_t i = 0; i < run; ++i) ::new (slot_raw(first + i)) T(items[i]);
            for (std::size_t i = run; i < k; ++i) ::new (slot_raw(i - run)) T(items[i]);
        }
        producer_.tail.store(Index::advance(tail, static_cast<position_type>(k)), std::memory_order_release);
        return k;
    }

    // ---- consumer side -------------------------------------------------------------------------

    /// Consumer: the oldest item, or nullptr if empty. Stays valid until pop()/try_pop()/pop_n().
    [[nodiscard]] T* front() noexcept {
        const position_type head = consumer_.head.load(std::memory_order_relaxed);
        if (available_for_consumer(head, 1) == 0) return nullptr;
        return slot_at(head);
    }

    /// Consumer: destroys the oldest item. False (nothing done) if the ring is empty.
    bool pop() noexcept {
        const position_type head = consumer_.head.load(std::memory_order_relaxed);
        if (available_for_consumer(head, 1) == 0) return false;
        slot_at(head)->~T();
        // Release: the producer reuses the slot only after seeing this, so after the destruction.
        consumer_.head.store(Index::advance(head, 1), std::memory_order_release);
        return true;
    }

    /// Consumer: moves the oldest item into `out` and removes it. False (out untouched) if empty.
    [[nodiscard]] bool try_pop(T& out) noexcept {
        static_assert(std::is_nothrow_move_assignable_v<T>, "T must be nothrow-move-assignable");
        const position_type head = consumer_.head.load(std::memory_order_relaxed);
        if (available_for_consumer(head, 1) == 0) return false;
        T* item = slot_at(head);
        out = std::move(*item);
        item->~T();
        consumer_.head.store(Index::advance(head, 1), std::memory_order_release);
        return true;
    }

    /// Consumer: moves up to `max` of the oldest items into `out[0..)`, in order, and frees their
    /// slots at once. Returns how many were moved (0 when empty).
    std::size_t pop_n(T* out, std::size_t max) noexcept {
        static_assert(std::is_nothrow_move_assignable_v<T>, "T must be nothrow-move-assignable");
        const position_type head = consumer_.head.load(std::memory_order_relaxed);
        const std::size_t available = available_for_consumer(head, max);
        const std::size_t k = max < available ? max : available;
        if (k == 0) return 0;
        const std::size_t first = Index::slot(head);
        const std::size_t run = k < N - first ? k : N - first;
        if constexpr (std::is_trivially_copyable_v<T>) {
            std::memcpy(out, slot_raw(first), run * sizeof(T));
            std::memcpy(out + run, slot_raw(0), (k - run) * sizeof(T));
        } else {
            for (std::size_t i = 0; i < k; ++i) {
                T* item = i < run ? slot_ptr(first + i) : slot_ptr(i - run);
                out[i] = std::move(*item);
                item->~T();
            }
        }
        consumer_.head.store(Index::advance(head, static_cast<position_type>(k)), std::memory_order_release);
        return k;
    }

    // ---- either side ---------------------------------------------------------------------------

    /// Items queued. Exact when the other side is idle; from the producer it may overstate (the
    /// consumer may have popped since), from the consumer it may understate (the producer may have
    /// pushed since). Never more than N.
    [[nodiscard]] std::size_t size_approx() const noexcept {
        // Head first: it only moves towards tail, so a tail read after it cannot be behind it.
        const position_type head = consumer_.head.load(std::memory_order_acquire);
        const position_type tail = producer_.tail.load(std::memory_order_acquire);
        const std::size_t d = Index::distance(head, tail);
        return d < N ? d : N;
    }

    /// True if nothing is queued (see size_approx for who may trust it how far).
    [[nodiscard]] bool empty() const noexcept { return size_approx() == 0; }

    /// True if N items are queued (see size_approx).
    [[nodiscard]] bool full() const noexcept { return size_approx() == N; }

private:
    // Each side's own index and its cached copy of the other's share one line; the two sides
    // never share one. The cache turns the common case (room / items known to be there) into a
    // read of a line this side already owns.
    struct alignas(cache_line_size) ProducerSide {
        std::atomic<position_type> tail{0}; ///< next position to write; written by the producer only
        position_type cached_head = 0;      ///< producer's last view of head (producer-private)
    };
    struct alignas(cache_line_size) ConsumerSide {
        std::atomic<position_type> head{0}; ///< next position to read; written by the consumer only
        position_type cached_tail = 0;      ///< consumer's last view of tail (consumer-private)
    };

    static constexpr std::size_t storage_alignment = alignof(T) > cache_line_size ? alignof(T) : cache_line_size;

    static constexpr void check_layout() noexcept {
        static_assert(std::atomic<position_type>::is_always_lock_free,
                      "the ring's indices must be lock-free atomics (32-bit on Cortex-M)");
        static_assert(sizeof(ProducerSide) % cache_line_size == 0 && sizeof(ConsumerSide) % cache_line_size == 0,
                      "each side's fields fill whole cache lines, so the two never share one");
        static_assert(alignof(SpscRing) >= cache_line_size, "the ring starts on a cache line");
        static_assert(sizeof(SpscRing) % cache_line_size == 0,
                      "the last slot does not share a line with whatever follows the ring");
    }

    /// Producer: free slots, refreshing the cached head only when the cache shows fewer than
    /// `wanted` (so a single push reads the consumer's line only when the ring looked full).
    std::size_t free_for_producer(position_type tail, std::size_t wanted) noexcept {
        std::size_t used = Index::distance(producer_.cached_head, tail);
        if (N - used < wanted) {
            // Acquire: pairs with the consumer's release of head, so the slot's old item has been
            // moved out and destroyed before the producer constructs over it.
            producer_.cached_head = consumer_.head.load(std::memory_order_acquire);
            used = Index::distance(producer_.cached_head, tail);
        }
        return N - used;
    }

    /// Consumer: items ready, refreshing the cached tail only when the cache shows fewer than
    /// `wanted` (so a single pop reads the producer's line only when the ring looked empty).
    std::size_t available_for_consumer(position_type head, std::size_t wanted) noexcept {
        std::size_t ready = Index::distance(head, consumer_.cached_tail);
        if (ready < wanted) {
            // Acquire: pairs with the producer's release of tail, so the items are constructed.
            consumer_.cached_tail = producer_.tail.load(std::memory_order_acquire);
            ready = Index::distance(head, consumer_.cached_tail);
        }
        return ready;
    }

    /// Storage of `slot`, to construct an item in (or memcpy a trivially copyable one into).
    void* slot_raw(std::size_t slot) noexcept { return storage_ + slot * sizeof(T); }

    /// The item living in `slot`.
    T* slot_ptr(std::size_t slot) noexcept { return std::launder(reinterpret_cast<T*>(slot_raw(slot))); }

    T* slot_at(position_type position) noexcept { return slot_ptr(Index::slot(position)); }


    ProducerSide producer_;
    ConsumerSide consumer_;
    alignas(storage_alignment) std::byte storage_[sizeof(T) * N];
};

} // namespace ss::capture
