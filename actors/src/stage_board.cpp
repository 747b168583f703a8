#include "ss/actors/stage_board.hpp"

#include <algorithm>

namespace ss::actors {

namespace {
StageSnapshot& entry(absl::flat_hash_map<std::string, StageSnapshot>& stages, std::string_view stage) {
    auto [it, fresh] = stages.try_emplace(std::string(stage));
    if (fresh) it->second.name = std::string(stage);
    return it->second;
}
} // namespace

void StageBoard::set_mailbox(std::string_view stage, std::uint64_t messages) {
    std::lock_guard<std::mutex> lock(mutex_);
    entry(stages_, stage).mailbox = messages;
}

void StageBoard::count_restart(std::string_view stage) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++entry(stages_, stage).restarts;
}

std::uint64_t StageBoard::restarts(std::string_view stage) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = stages_.find(std::string(stage));
    return it == stages_.end() ? 0 : it->second.restarts;
}

void StageBoard::set_upload(const UploadStats& stats) {
    std::lock_guard<std::mutex> lock(mutex_);
    upload_ = stats;
}

void StageBoard::set_quarantine(const QuarantineSnapshot& q) {
    std::lock_guard lock(mutex_);
    quarantine_ = q;
}

QuarantineSnapshot StageBoard::quarantine() const {
    std::lock_guard lock(mutex_);
    return quarantine_;
}

void StageBoard::set_wire(const hal::WireCounts& w) {
    std::lock_guard g(mutex_);
    wire_ = w;
}

hal::WireCounts StageBoard::wire() const {
    std::lock_guard g(mutex_);
    return wire_;
}

void StageBoard::observe_upload_latency(double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < LatencyBuckets::count; ++i)
        if (seconds <= LatencyBuckets::bounds_s[i]) ++latency_.le[i];
    ++latency_.total;
    latency_.sum_s += seconds;
}

void StageBoard::set_flush(const FlushStats& stats) {
    std::lock_guard<std::mutex> lock(mutex_);
    flush_ = stats;
}

void StageBoard::set_integrity(const IntegrityStats& stats) {
    std::lock_guard<std::mutex> lock(mutex_);
    integrity_ = stats;
}

void StageBoard::set_quota(const QuotaStats& stats) {
    std::lock_guard<std::mutex> lock(mutex_);
    quota_ = stats;
}

std::vector<StageSnapshot> StageBoard::stages() const {
    std::vector<StageSnapshot> out;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        out.reserve(stages_.size());
        for (const auto& [name, s] : stages_) out.push_back(s);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

UploadStats StageBoard::upload() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return upload_;
}

LatencyBuckets StageBoard::upload_latency() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return latency_;
}

FlushStats StageBoard::flush() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return flush_;
}

IntegrityStats StageBoard::integrity() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return integrity_;
}

QuotaStats StageBoard::quota() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return quota_;
}

} // namespace ss::actors
