// The disk quota's accounting: allocation chunks in use over all sensors against the quota in
// force: the least of the configured quota, the space in use while the file system is full
// (policy::DiskFullQuota decides for how long), and the space limit a runtime sets from the
// file system's free space (the quota stage). Which chunk goes when the quota is reached is
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
    /// Caps the quota at `bytes` (whole chunks, rounded down); no_limit lifts the cap. A cap
    /// below the space in use makes the next claims drop chunks until it fits.
    void set_space_limit(std::uint64_t bytes) noexcept;
    static constexpr std::uint64_t no_limit = ~std::uint64_t{0};

    std::uint64_t used_chunks() const noexcept;
    std::uint64_t used_bytes() const noexcept { return used_chunks() * chunk_bytes_; }
    /// The quota in force.
    std::uint64_t limit_bytes() const noexcept;
    std::uint64_t configured_bytes() const noexcept { return configured_ * chunk_bytes_; }
    /// The space limit set, or no_limit.
    std::uint64_t space_limit_bytes() const noexcept;

private:
    std::uint64_t in_force() const noexcept { return limit_ < space_ ? limit_ : space_; }

    mutable std::mutex mutex_;
    std::uint32_t chunk_bytes_;
    std::uint64_t configured_;
    std::uint64_t limit_; // configured_, or lowered while the disk is full
    std::uint64_t space_ = no_limit; // chunks
    std::uint64_t used_ = 0;
    policy::DiskFullQuota full_{};
};

} // namespace ss::hal::tier
