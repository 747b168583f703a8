// The hand-over between a source's capture side and its processing stage: a pool of fixed-size
// blocks, addressed by index, and two lock-free single-producer/single-consumer rings of those
// indices — `ready` (capture → processing: filled blocks) and `free` (processing → capture:
// blocks given back). Sample data never moves after capture writes it; only indices travel.
//
// The capture side runs on one thread at a time (a simulated device's thread, or the capture
// actor); so does the processing side (the processing actor, on whichever CAF worker runs it).
// When the ready ring goes from empty to non-empty the capture side wakes processing with one
// message; processing drains the ring until it is empty. A processing stage that dies leaves its
// blocks in the ring (or gives back the one it held, through its Lease), so a restarted stage
// finds everything there, and meanwhile capture keeps running and counts what it cannot place
// as overflows instead of blocking.
#pragma once

#include <boost/lockfree/spsc_queue.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace ss::actors {

/// Where a filled block sits and what it holds.
struct BlockRef {
    std::uint32_t index = 0;     ///< into the pool
    std::uint32_t count = 0;     ///< elements filled
    std::uint64_t first = 0;     ///< ADC: scan number of the first scan; readings: unused
    std::uint64_t time_us = 0;   ///< monotonic µs at which capture completed the block
};

template <class T>
class BlockLink {
public:
    /// `blocks` blocks of `length` elements each.
    BlockLink(std::uint32_t blocks, std::uint32_t length)
        : length_(length), blocks_(blocks), storage_(new T[std::size_t{blocks} * length]()), free_(blocks), ready_(blocks) {
        for (std::uint32_t i = 0; i < blocks; ++i) free_.push(i);
    }
    BlockLink(const BlockLink&) = delete;
    BlockLink& operator=(const BlockLink&) = delete;

    std::uint32_t block_length() const noexcept { return length_; }
    std::uint32_t block_count() const noexcept { return blocks_; }
    std::span<T> block(std::uint32_t index) noexcept { return {storage_.get() + std::size_t{index} * length_, length_}; }

    // ---- capture side -------------------------------------------------------------------------

    /// A free block's index, or false (every block is filled or being processed).
    bool acquire(std::uint32_t& index) noexcept { return free_.pop(index); }

    /// Queues a filled block. true if processing must be woken (the ring was idle).
    bool publish(const BlockRef& ref) noexcept {
        // Cannot fail: the ring holds every block and only acquired ones come here.
        ready_.push(ref);
        published_.fetch_add(1, std::memory_order_relaxed);
        return !wake_pending_.exchange(true, std::memory_order_acq_rel);
    }

    // ---- processing side ----------------------------------------------------------------------

    /// Called when woken (and by a newly started stage), before draining: wakes that come after
    /// this are for blocks the drain may not see.
    void begin_drain() noexcept { wake_pending_.store(false, std::memory_order_release); }
    bool next(BlockRef& ref) noexcept {
        if (!ready_.pop(ref)) return false;
        taken_.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    void release(std::uint32_t index) noexcept { free_.push(index); }

    /// Blocks queued and not yet taken; any thread (approximate while both sides run).
    std::uint64_t queued() const noexcept {
        const std::uint64_t taken = taken_.load(std::memory_order_relaxed);
        const std::uint64_t published = published_.load(std::memory_order_relaxed);
        return published > taken ? published - taken : 0;
    }

    /// Gives a block back when it goes out of scope: a stage that fails half-way through a block
    /// still returns it.
    class Lease {
    public:
        Lease(BlockLink& link, std::uint32_t index) noexcept : link_(&link), index_(index) {}
        ~Lease() { link_->release(index_); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

    private:
        BlockLink* link_;
        std::uint32_t index_;
    };

private:
    std::uint32_t length_;
    std::uint32_t blocks_;
    std::unique_ptr<T[]> storage_;
    boost::lockfree::spsc_queue<std::uint32_t> free_;
    boost::lockfree::spsc_queue<BlockRef> ready_;
    std::atomic<bool> wake_pending_{false};
    std::atomic<std::uint64_t> published_{0};
    std::atomic<std::uint64_t> taken_{0};
};

} // namespace ss::actors
