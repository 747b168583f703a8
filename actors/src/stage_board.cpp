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

void StageBoard::set_upload(std::string_view destination, const UploadStats& stats) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& d = destinations_[std::string(destination)];
    d.name = destination;
    d.upload = stats;
}

void StageBoard::set_quarantine(std::string_view destination, const QuarantineSnapshot& q) {
    std::lock_guard lock(mutex_);
    auto& d = destinations_[std::string(destination)];
    d.name = destination;
    d.quarantine = q;
}

void StageBoard::set_wire(std::string_view destination, const hal::WireCounts& w) {
    std::lock_guard g(mutex_);
    auto& d = destinations_[std::string(destination)];
    d.name = destination;
    d.wire = w;
}

void StageBoard::set_destination_drops(std::string_view destination, std::uint64_t dropped, std::uint64_t behind) {
    std::lock_guard g(mutex_);
    auto& d = destinations_[std::string(destination)];
    d.name = destination;
    d.dropped_records = dropped;
    d.behind_records = behind;
}

QuarantineSnapshot StageBoard::quarantine() const {
    std::lock_guard lock(mutex_);
    QuarantineSnapshot t;
    for (const auto& [name, d] : destinations_) {
        const QuarantineSnapshot& q = d.quarantine;
        t.held_batches += q.held_batches;
        t.held_records += q.held_records;
        t.quarantined_batches += q.quarantined_batches;
        t.quarantined_records += q.quarantined_records;
        t.released += q.released;
        t.refused_again += q.refused_again;
        t.dropped_batches += q.dropped_batches;
        t.dropped_records += q.dropped_records;
        t.unkept += q.unkept;
        t.splits += q.splits;
        t.unreadable_files += q.unreadable_files;
    }
    return t;
}

hal::WireCounts StageBoard::wire() const {
    std::lock_guard g(mutex_);
    hal::WireCounts t;
    for (const auto& [name, d] : destinations_) {
        t.bytes_sent += d.wire.bytes_sent;
        t.bytes_encoded += d.wire.bytes_encoded;
        t.tls_errors += d.wire.tls_errors;
        t.compression_errors += d.wire.compression_errors;
    }
    return t;
}

std::vector<DestinationSnapshot> StageBoard::destinations() const {
    std::lock_guard g(mutex_);
    std::vector<DestinationSnapshot> out;
    for (const auto& [name, d] : destinations_)
        if (!name.empty()) out.push_back(d);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
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
    UploadStats t;
    for (const auto& [name, d] : destinations_) {
        t.batches_sent += d.upload.batches_sent;
        t.batches_acked += d.upload.batches_acked;
        t.records_acked += d.upload.records_acked;
        t.retries += d.upload.retries;
    }
    return t;
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

void StageBoard::set_uplink(std::string_view name, const SerialUplinkStats& stats) {
    std::lock_guard lock(mutex_);
    uplinks_[std::string(name)] = stats;
}

std::vector<std::pair<std::string, SerialUplinkStats>> StageBoard::uplinks() const {
    std::vector<std::pair<std::string, SerialUplinkStats>> out;
    {
        std::lock_guard lock(mutex_);
        out.assign(uplinks_.begin(), uplinks_.end());
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
}

} // namespace ss::actors
