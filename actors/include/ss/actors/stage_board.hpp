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

    // Each destination's uploader posts under its destination's name ("" where there is one);
    // upload(), quarantine() and wire() are the sums over destinations.
    void set_upload(std::string_view destination, const UploadStats& stats);
    void set_quarantine(std::string_view destination, const QuarantineSnapshot& q);
    void set_wire(std::string_view destination, const hal::WireCounts& w);
    void set_destination_drops(std::string_view destination, std::uint64_t dropped, std::uint64_t behind);
    void set_upload(const UploadStats& stats) { set_upload("", stats); }
    void set_quarantine(const QuarantineSnapshot& q) { set_quarantine("", q); }
    void set_wire(const hal::WireCounts& w) { set_wire("", w); }
    /// One batch's time from consume to acknowledgement.
    void observe_upload_latency(double seconds);
    void set_flush(const FlushStats& stats);
    void set_integrity(const IntegrityStats& stats);
    void set_quota(const QuotaStats& stats);
    void set_uplink(std::string_view name, const SerialUplinkStats& stats);

    std::vector<StageSnapshot> stages() const;
    UploadStats upload() const;
    QuarantineSnapshot quarantine() const;
    hal::WireCounts wire() const;
    /// The named destinations' figures, by name (none where there is one unnamed destination).
    std::vector<DestinationSnapshot> destinations() const;
    LatencyBuckets upload_latency() const;
    FlushStats flush() const;
    IntegrityStats integrity() const;
    QuotaStats quota() const;
    /// Each serial uplink's figures, by name, in name order.
    std::vector<std::pair<std::string, SerialUplinkStats>> uplinks() const;

private:
    mutable std::mutex mutex_;
    absl::flat_hash_map<std::string, StageSnapshot> stages_;
    absl::flat_hash_map<std::string, DestinationSnapshot> destinations_;
    LatencyBuckets latency_;
    FlushStats flush_;
    IntegrityStats integrity_;
    QuotaStats quota_;
    absl::flat_hash_map<std::string, SerialUplinkStats> uplinks_;
};

} // namespace ss::actors
