// A static pool of fixed-size buffers handed out by index: capture code fills a buffer and posts
// its index through a ring, the consumer processes it and gives it back. No heap; the buffers are
// a member, so a static pool lands in .bss (or a DMA-capable section the caller places it in).
//
// The one rule (it is what makes both sides wait-free):
//   acquire side (one ISR or one thread at a time): try_acquire_index, try_acquire
//   release side (one ISR or one thread at a time): release_index, adopt, and destroying or
//                                                   reset()ting a Handle that owns a buffer
//   anyone:                                         data, free_approx, low_watermark, stats
// The same thread may be both sides. The free list is an SPSC ring of free indices: the acquire
// side is its consumer, the release side its producer. An ISR that acquires must hand the index
// on (Handle::release() or the index API) rather than let a Handle die there, because a
// destroyed Handle is a release.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "ss/capture/spsc_ring.hpp"
#include "ss/expected.hpp"

namespace ss::capture {

/// A snapshot of a pool's counters. Counts are 32-bit and wrap after 2^32 events.
struct BufferPoolStats {
    std::uint32_t acquired = 0;        ///< successful acquires
    std::uint32_t released = 0;        ///< successful releases
    std::uint32_t failed_acquires = 0; ///< acquires that found no free buffer
    std::uint32_t bad_releases = 0;    ///< releases/adopts refused: index out of range or not acquired
    std::uint32_t free_now = 0;        ///< free buffers when the snapshot was taken (approximate)
    std::uint32_t low_watermark = 0;   ///< fewest free buffers ever seen (QP-style sizing figure)
};

/// `Count` buffers of `Length` elements of `T`, handed out by index (0..Count-1).
///
/// Misuse is caught, not trusted: releasing an index that is out of range or not acquired
/// (a double release) returns Errc::invalid_argument and counts a bad release; the free list is
/// left as it was. (An index acquired by someone else cannot be told from a legitimate one:
/// releasing it is a bug this pool does not detect.)
template <class T, std::size_t Length, std::size_t Count>
class BufferPool {
public:
    using element_type = T;
    using index_type = std::uint32_t;

    static_assert(Length >= 1 && Count >= 1, "a pool needs at least one buffer of at least one element");
    static_assert(Count < 0xFFFF'FFFFu, "buffer indices are 32-bit");
    static_assert(std::is_default_constructible_v<T>, "buffers are value-initialised arrays of T");

    /// Owns one acquired buffer and returns it to the pool when destroyed (a release: destroy
    /// it on the release side). Movable, not copyable. An empty handle owns nothing.
    class Handle {
    public:
        /// An empty handle.
        Handle() noexcept = default;

        Handle(const Handle&) = delete;
        Handle& operator=(const Handle&) = delete;

        /// Takes over `other`'s buffer; `other` becomes empty.
        Handle(Handle&& other) noexcept : pool_(other.pool_), index_(other.index_) { other.pool_ = nullptr; }

        /// Returns the buffer held so far (if any), then takes over `other`'s.
        Handle& operator=(Handle&& other) noexcept {
            if (this != &other) {
                reset();
                pool_ = other.pool_;
                index_ = other.index_;
                other.pool_ = nullptr;
            }
            return *this;
        }

        /// Returns the buffer to the pool (release side).
        ~Handle() { reset(); }

        /// True if the handle owns a buffer.
        explicit operator bool() const noexcept { return pool_ != nullptr; }

        /// The owned buffer's index. Meaningless for an empty handle.
        [[nodiscard]] index_type index() const noexcept { return index_; }

        /// The owned buffer (Length elements), or an empty span for an empty handle.
        [[nodiscard]] std::span<T> data() const noexcept {
            return pool_ != nullptr ? pool_->data(index_) : std::span<T>{};
        }

        /// Gives up ownership without returning the buffer, e.g. to post the index in a message;
        /// the receiver re-adopts it with BufferPool::adopt or releases it with release_index.
        /// Returns the index, or BufferPool::no_index if the handle was empty.
        [[nodiscard]] index_type release() noexcept {
            if (pool_ == nullptr) return no_index;
            pool_ = nullptr;
            return index_;
        }

        /// Returns the buffer to the pool now (release side); the handle becomes empty.
        void reset() noexcept {
            if (pool_ == nullptr) return;
            BufferPool* pool = pool_;
            pool_ = nullptr;
            // Cannot fail for a handle obtained from the pool unless the index was also released
            // through the index API; that is counted as a bad release.
            (void)pool->release_index(index_);
        }

    private:
        friend class BufferPool;
        Handle(BufferPool* pool, index_type index) noexcept : pool_(pool), index_(index) {}

        BufferPool* pool_ = nullptr;
        index_type index_ = 0;
    };

    /// The index a Handle::release() of an empty handle returns; never a valid index.
    static constexpr index_type no_index = 0xFFFF'FFFFu;

    /// A pool with every buffer free and the buffers value-initialised.
    BufferPool() noexcept {
        for (index_type i = 0; i < Count; ++i) {
            in_use_[i].store(0, std::memory_order_relaxed);
            (void)free_.try_push(i); // the ring holds exactly Count: cannot fail
        }
    }

    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    /// Elements per buffer.
    static constexpr std::size_t buffer_length() noexcept { return Length; }

    /// Buffers in the pool.
    static constexpr std::size_t buffer_count() noexcept { return Count; }

    // ---- acquire side --------------------------------------------------------------------------

    /// Acquire side, wait-free: takes a free buffer and returns its index, or Errc::no_space
    /// (counted as a failed acquire) when all are in use. The buffer keeps its old contents.
    [[nodiscard]] Expected<index_type> try_acquire_index() noexcept {
        index_type index = 0;
        if (!free_.try_pop(index)) {
            bump(acquire_side_.failed_acquires);
            acquire_side_.low_watermark.store(0, std::memory_order_relaxed);
            return std::unexpected(Errc::no_space);
        }
        // Relaxed is enough: whoever releases this index learnt it through a message that
        // happens after this store (or is this very thread).
        in_use_[index].store(1, std::memory_order_relaxed);
        bump(acquire_side_.acquired);
        // The free count only falls here, so checking after each acquire sees every minimum
        // (a release racing in between can only hide a minimum that lasted no time at all).
        const auto free_now = static_cast<std::uint32_t>(free_.size_approx());
        if (free_now < acquire_side_.low_watermark.load(std::memory_order_relaxed))
            acquire_side_.low_watermark.store(free_now, std::memory_order_relaxed);
        return index;
    }

    /// Acquire side, wait-free: a Handle owning a free buffer, or Errc::no_space.
    [[nodiscard]] Expected<Handle> try_acquire() noexcept {
        const Expected<index_type> index = try_acquire_index();
        if (!index) return std::unexpected(index.error());
        return Handle(this, *index);
    }

    // ---- release side --------------------------------------------------------------------------

    /// Release side, wait-free: returns buffer `index` to the pool. Errc::invalid_argument (and a
    /// counted bad release, nothing else changed) if the index is out of range or not acquired.
    Expected<void> release_index(index_type index) noexcept {
        if (!is_acquired(index)) {
            bump(release_side_.bad_releases);
            return std::unexpected(Errc::invalid_argument);
        }
        in_use_[index].store(0, std::memory_order_relaxed);
        // Release store inside try_push: the acquire side sees in_use_ cleared before it can pop
        // the index again. Cannot fail: only acquired indices are pushed and the ring holds Count.
        if (!free_.try_push(index)) {
            in_use_[index].store(1, std::memory_order_relaxed);
            bump(release_side_.bad_releases);
            return std::unexpected(Errc::invalid_argument);
        }
        bump(release_side_.released);
        return {};
    }

    /// Release side: a Handle owning the acquired buffer `index` (posted with Handle::release()
    /// or try_acquire_index). Errc::invalid_argument (counted as a bad release) if the index is
    /// out of range or not acquired. Adopting the same index twice is not detected.
    [[nodiscard]] Expected<Handle> adopt(index_type index) noexcept {
        if (!is_acquired(index)) {
            bump(release_side_.bad_releases);
            return std::unexpected(Errc::invalid_argument);
        }
        return Handle(this, index);
    }

    // ---- anyone --------------------------------------------------------------------------------

    /// Buffer `index` (Length elements); an empty span if the index is out of range. The caller
    /// must own the buffer (acquired it or received its index) to touch the contents.
    [[nodiscard]] std::span<T> data(index_type index) noexcept {
        if (index >= Count) return {};
        return std::span<T>(buffers_[index], Length);
    }

    /// Free buffers (exact when neither side is running).
    [[nodiscard]] std::size_t free_approx() const noexcept { return free_.size_approx(); }

    /// Fewest free buffers ever (Count until the first acquire, 0 once an acquire failed).
    [[nodiscard]] std::uint32_t low_watermark() const noexcept {
        return acquire_side_.low_watermark.load(std::memory_order_relaxed);
    }

    /// A snapshot of the counters (each read individually; they may be mutually a little stale).
    [[nodiscard]] BufferPoolStats stats() const noexcept {
        BufferPoolStats s;
        s.acquired = acquire_side_.acquired.load(std::memory_order_relaxed);
        s.released = release_side_.released.load(std::memory_order_relaxed);
        s.failed_acquires = acquire_side_.failed_acquires.load(std::memory_order_relaxed);
        s.bad_releases = release_side_.bad_releases.load(std::memory_order_relaxed);
        s.free_now = static_cast<std::uint32_t>(free_.size_approx());
        s.low_watermark = acquire_side_.low_watermark.load(std::memory_order_relaxed);
        return s;
    }

private:
    using Counter = std::atomic<std::uint32_t>;

    /// Each counter has one writer (its side), so a load and a store replace a read-modify-write
    /// instruction an ISR on a Cortex-M0 would not have, and a reader never sees a torn value.
    static void bump(Counter& c) noexcept {
        c.store(c.load(std::memory_order_relaxed) + 1u, std::memory_order_relaxed);
    }

    bool is_acquired(index_type index) const noexcept {
        return index < Count && in_use_[index].load(std::memory_order_relaxed) != 0;
    }

    static constexpr std::size_t buffer_alignment = alignof(T) > cache_line_size ? alignof(T) : cache_line_size;

    // Counters grouped by writer, so the two sides do not write to one cache line.
    struct alignas(cache_line_size) AcquireCounters {
        Counter acquired{0};
        Counter failed_acquires{0};
        Counter low_watermark{static_cast<std::uint32_t>(Count)};
    };
    struct alignas(cache_line_size) ReleaseCounters {
        Counter released{0};
        Counter bad_releases{0};
    };

    SpscRing<index_type, Count> free_;        ///< free indices: the acquire side pops, the release side pushes
    std::atomic<std::uint8_t> in_use_[Count]; ///< 1 while acquired; set by the acquire side, cleared by the release side
    AcquireCounters acquire_side_;
    ReleaseCounters release_side_;
    alignas(buffer_alignment) T buffers_[Count][Length]{};
};

} // namespace ss::capture
