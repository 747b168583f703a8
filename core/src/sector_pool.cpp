#include "ss/sector_pool.hpp"

namespace ss {

void SectorPool::init(std::byte* sectors, SectorIndex* links, std::uint32_t count, std::uint32_t sector_bytes,
                      std::uint32_t reserved, const port::LockOps& lock_ops, void* lock) noexcept {
    sectors_ = sectors;
    links_ = links;
    count_ = count;
    sector_bytes_ = sector_bytes;
    lock_ops_ = &lock_ops;
    lock_ = lock;
    reserved_.store(reserved, std::memory_order_relaxed);
    // Low indices first, so a fresh pool hands out sectors in address order.
    for (std::uint32_t i = 0; i < count; ++i)
        links_[i] = i + 1 < count ? static_cast<SectorIndex>(i + 1) : no_sector;
    free_head_ = count > 0 ? 0 : no_sector;
    free_.store(count, std::memory_order_relaxed);
    free_min_.store(count, std::memory_order_relaxed);
}

SectorIndex SectorPool::pop_locked() noexcept {
    const SectorIndex s = free_head_;
    free_head_ = links_[s];
    links_[s] = no_sector;
    const std::uint32_t now = free_.load(std::memory_order_relaxed) - 1;
    free_.store(now, std::memory_order_relaxed);
    if (now < free_min_.load(std::memory_order_relaxed)) free_min_.store(now, std::memory_order_relaxed);
    return s;
}

SectorIndex SectorPool::acquire() noexcept {
    port::LockGuard g(*lock_ops_, lock_);
    if (free_.load(std::memory_order_relaxed) <= reserved_.load(std::memory_order_relaxed)) return no_sector;
    return pop_locked();
}

SectorIndex SectorPool::acquire_reserved() noexcept {
    port::LockGuard g(*lock_ops_, lock_);
    const std::uint32_t reserved = reserved_.load(std::memory_order_relaxed);
    if (reserved == 0 || free_head_ == no_sector) return no_sector;
    reserved_.store(reserved - 1, std::memory_order_relaxed);
    return pop_locked();
}

void SectorPool::release(SectorIndex s) noexcept { release_chain(s, s, 1); }

void SectorPool::release_chain(SectorIndex first, SectorIndex last, std::uint32_t count) noexcept {
    port::LockGuard g(*lock_ops_, lock_);
    links_[last] = free_head_;
    free_head_ = first;
    free_.store(free_.load(std::memory_order_relaxed) + count, std::memory_order_relaxed);
}

} // namespace ss
