// Where the stages post what they have done, for readers on other threads (the daemon's status
// line, /health, /metrics): each stage writes its own entries as it works, a reader copies them
// out. One short lock, never held across work, so a slow reader never holds up a stage. The
// runtime's locks are std::mutex, not absl::Mutex: Debian's Abseil is not built for
// ThreadSanitizer, which would then not see them and report every guarded access.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <mutex>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ss/actors/messages.hpp"
#include "ss/actors/runtime_snapshot.hpp"

namespace ss::actors {

class StageBoard {
public:
    /// The stage's mailbox length now (the stage itself reads it: only it may).
    void set_mailbox(std::string_view stage, std::uint64_t messages);
    void count_restart(std::string_view stage);
    std::uint64_t restarts(std::string_view stage) const;

    void set_upload(const UploadStats& stats);
    void set_quarantine(const QuarantineSnapshot& q);
    void set_wire(const hal::WireCounts& w);
    /// One batch's time from consume to acknowledgement.
    void observe_upload_latency(double seconds);
    void set_flush(const FlushStats& stats);
    void set_integrity(const IntegrityStats& stats);
    void set_quota(const QuotaStats& stats);

    std::vector<StageSnapshot> stages() const;
    UploadStats upload() const;
    QuarantineSnapshot quarantine() const;
    hal::WireCounts wire() const;
    LatencyBuckets upload_latency() const;
    FlushStats flush() const;
    IntegrityStats integrity() const;
    QuotaStats quota() const;

private:
    mutable std::mutex mutex_;
    absl::flat_hash_map<std::string, StageSnapshot> stages_;
    UploadStats upload_;
    QuarantineSnapshot quarantine_;
    hal::WireCounts wire_;
    LatencyBuckets latency_;
    FlushStats flush_;
    IntegrityStats integrity_;
    QuotaStats quota_;
};

} // namespace ss::actors
