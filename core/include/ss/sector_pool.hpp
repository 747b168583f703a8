// A fixed pool of equal-sized sectors over caller-provided memory, handed out by index.
//
// One `next` link per sector serves both the pool's free list and the owners' chains (a sector
// is on exactly one of them), so a sector costs its bytes plus two. The pool lock guards the
// free list only; the links of a chained sector belong to the store that holds it and are
// guarded by that store's lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ss/port.hpp"

namespace ss {

using SectorIndex = std::uint16_t;
inline constexpr SectorIndex no_sector = 0xFFFF;
/// Most sectors one pool can hold (no_sector is reserved).
inline constexpr std::uint32_t max_pool_sectors = 0xFFFE;

class SectorPool {
public:
    SectorPool() = default;
    SectorPool(const SectorPool&) = delete;
    SectorPool& operator=(const SectorPool&) = delete;

    /// Takes `count` sectors of `sector_bytes` at `sectors` and `count` links at `links`.
    /// `reserved` sectors are kept back for acquire_reserved (one per sensor not yet registered).
    void init(std::byte* sectors, SectorIndex* links, std::uint32_t count, std::uint32_t sector_bytes,
              std::uint32_t reserved, const port::LockOps& lock_ops, void* lock) noexcept;

    /// A free sector beyond the reserve, or no_sector.
    SectorIndex acquire() noexcept;
    /// A free sector taken from the reserve (registration); no_sector if the reserve is empty.
    SectorIndex acquire_reserved() noexcept;
    void release(SectorIndex s) noexcept;
    /// Releases the chain first → … → last (linked through next()) under one lock.
    void release_chain(SectorIndex first, SectorIndex last, std::uint32_t count) noexcept;

    std::byte* data(SectorIndex s) const noexcept { return sectors_ + std::size_t{s} * sector_bytes_; }
    SectorIndex next(SectorIndex s) const noexcept { return links_[s]; }
    void set_next(SectorIndex s, SectorIndex n) noexcept { links_[s] = n; }

    std::uint32_t capacity() const noexcept { return count_; }
    std::uint32_t sector_bytes() const noexcept { return sector_bytes_; }
    std::uint32_t free_count() const noexcept { return free_.load(std::memory_order_relaxed); }
    /// Fewest sectors ever free since init: how close the pool came to exhaustion.
    std::uint32_t free_min() const noexcept { return free_min_.load(std::memory_order_relaxed); }
    std::uint32_t in_use() const noexcept { return count_ - free_count(); }
    /// Sectors still kept back for sensors not yet registered.
    std::uint32_t reserve() const noexcept { return reserved_.load(std::memory_order_relaxed); }
    /// What the registered sensors may hold: the pool less the reserve. The watermarks and the
    /// fill level are measured against this, since acquire() fails once it is used up.
    std::uint32_t usable() const noexcept { return count_ - reserve(); }

private:
    SectorIndex pop_locked() noexcept;

    std::byte* sectors_ = nullptr;
    SectorIndex* links_ = nullptr;
    std::uint32_t count_ = 0;
    std::uint32_t sector_bytes_ = 0;
    const port::LockOps* lock_ops_ = nullptr;
    void* lock_ = nullptr;
    SectorIndex free_head_ = no_sector;
    // Atomic so that stats and the manager read them without the pool lock.
    std::atomic<std::uint32_t> reserved_{0};
    std::atomic<std::uint32_t> free_{0};
    std::atomic<std::uint32_t> free_min_{0};
};

} // namespace ss
