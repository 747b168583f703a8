#include "posix/disk/quota.hpp"

namespace ss::hal::tier {

bool Quota::try_claim() noexcept {
    std::lock_guard g(mutex_);
    if (used_ + 1 > in_force()) return false;
    ++used_;
    return true;
}

void Quota::add_in_use(std::uint64_t chunks) noexcept {
    std::lock_guard g(mutex_);
    used_ += chunks;
}

void Quota::release(std::uint64_t chunks) noexcept {
    std::lock_guard g(mutex_);
    used_ -= chunks < used_ ? chunks : used_;
}

void Quota::disk_full() noexcept {
    std::lock_guard g(mutex_);
    limit_ = policy::DiskFullQuota::lowered(used_);
    full_.lower();
}

bool Quota::restore_due(std::uint64_t now_ms) noexcept {
    std::lock_guard g(mutex_);
    if (!full_.restore_due(now_ms)) return false;
    limit_ = configured_;
    return true;
}

std::uint64_t Quota::used_chunks() const noexcept {
    std::lock_guard g(mutex_);
    return used_;
}

void Quota::set_space_limit(std::uint64_t bytes) noexcept {
    std::lock_guard g(mutex_);
    space_ = bytes == no_limit ? no_limit : bytes / chunk_bytes_;
}

std::uint64_t Quota::limit_bytes() const noexcept {
    std::lock_guard g(mutex_);
    return in_force() * chunk_bytes_;
}

std::uint64_t Quota::space_limit_bytes() const noexcept {
    std::lock_guard g(mutex_);
    return space_ == no_limit ? no_limit : space_ * chunk_bytes_;
}

} // namespace ss::hal::tier
