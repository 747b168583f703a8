#include "ss/tier_policy.hpp"

#include <algorithm>

namespace ss::policy {

std::uint64_t spill_target(std::uint64_t pool_capacity, std::uint64_t pool_in_use, std::uint32_t sensors,
                           std::uint32_t high_pct, std::uint32_t low_pct) noexcept {
    const std::uint64_t room_for_all = pool_capacity > sensors ? pool_capacity - sensors : 0;
    const std::uint64_t high = std::min<std::uint64_t>(std::uint64_t{high_pct} * pool_capacity / 100, room_for_all);
    const std::uint64_t low = std::min<std::uint64_t>(std::uint64_t{low_pct} * pool_capacity / 100, room_for_all);
    if (pool_in_use < high || pool_in_use <= low) return 0;
    return pool_in_use - low;
}

void order_spill(SpillCandidate* candidates, std::uint32_t n) noexcept {
    std::sort(candidates, candidates + n, [](const SpillCandidate& a, const SpillCandidate& b) {
        return a.held != b.held ? a.held > b.held : a.slot > b.slot;
    });
}

bool ForceSealTimer::due(std::uint64_t now_ms) noexcept {
    if (interval_ms_ == 0) return false;
    if (!started_) {
        started_ = true;
        last_ms_ = now_ms;
        return false;
    }
    // A clock that went back restarts the interval instead of wrapping into "long overdue".
    if (now_ms < last_ms_) last_ms_ = now_ms;
    if (now_ms - last_ms_ < interval_ms_) return false;
    last_ms_ = now_ms;
    return true;
}

ShutdownBudget::Verdict ShutdownBudget::at(std::uint64_t now_ms, bool shutdown) noexcept {
    if (!shutdown) {
        started_ = false;
        spent_ = false;
        return Verdict::run;
    }
    if (!started_) {
        started_ = true;
        since_ms_ = now_ms;
        return Verdict::run;
    }
    if (spent_) return Verdict::spent;
    if (now_ms > since_ms_ && now_ms - since_ms_ > budget_ms_) {
        spent_ = true;
        return Verdict::just_spent;
    }
    return Verdict::run;
}

void order_quota_victims(ChunkHolder* holders, std::uint32_t n) noexcept {
    std::sort(holders, holders + n, [](const ChunkHolder& a, const ChunkHolder& b) {
        return a.chunks != b.chunks ? a.chunks > b.chunks : a.slot > b.slot;
    });
}

bool DiskFullQuota::restore_due(std::uint64_t now_ms) noexcept {
    if (!lowered_) return false;
    if (!stamped_) {
        stamped_ = true;
        since_ms_ = now_ms;
        return false;
    }
    if (now_ms < since_ms_ || now_ms - since_ms_ <= hold_ms) return false;
    lowered_ = false;
    stamped_ = false;
    return true;
}

} // namespace ss::policy
