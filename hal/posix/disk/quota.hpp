// The disk quota's accounting: allocation chunks in use over all sensors against the quota in
// force. The configured quota is lowered to the space in use while the file system is full
// (policy::DiskFullQuota decides for how long). Which chunk goes when the quota is reached is
// the policy's (ss/tier_policy.hpp); this only counts. Thread-safe: its own lock, taken after
// any cold lock and never held while taking another.
#pragma once

#include <cstdint>
#include <mutex>

#include "ss/tier_policy.hpp"

namespace ss::hal::tier {

class Quota {
public:
    Quota(std::uint64_t quota_bytes, std::uint32_t chunk_bytes) noexcept
        : chunk_bytes_(chunk_bytes), configured_(quota_bytes / chunk_bytes), limit_(configured_) {}

    /// Takes one chunk if the quota has room for it.
    bool try_claim() noexcept;
    /// Counts chunks found in use at recovery (they are there whatever the quota says).
    void add_in_use(std::uint64_t chunks) noexcept;
    void release(std::uint64_t chunks) noexcept;
    /// ENOSPC: the space in use stands in for the quota for a while.
    void disk_full() noexcept;
    /// At a tick: true when the configured quota has just returned.
    bool restore_due(std::uint64_t now_ms) noexcept;

    std::uint64_t used_chunks() const noexcept;
    std::uint64_t used_bytes() const noexcept { return used_chunks() * chunk_bytes_; }
    std::uint64_t limit_bytes() const noexcept;

private:
    mutable std::mutex mutex_;
    std::uint32_t chunk_bytes_;
    std::uint64_t configured_;
    std::uint64_t limit_;
    std::uint64_t used_ = 0;
    policy::DiskFullQuota full_{};
};

} // namespace ss::hal::tier
