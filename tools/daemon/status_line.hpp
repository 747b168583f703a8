// The daemon's status line: one line a second with what an operator watches — records in,
// stored, uploaded and dropped, RAM and disk use, the age of the oldest unsent record, capture
// overflows and stage restarts.
#pragma once

#include <cstdint>
#include <string>

#include "ss/actors/runtime_snapshot.hpp"

namespace ss::daemon {

/// Totals over every sensor and source of a snapshot.
struct Totals {
    std::uint64_t records_in = 0;  ///< offered to the stores: written + refused
    std::uint64_t stored = 0;      ///< retained now (RAM and disk)
    std::uint64_t uploaded = 0;    ///< acknowledged and erased
    std::uint64_t dropped = 0;     ///< by any cause: refused, recycled, corrupt, quota, lost on disk
    std::uint64_t unsent = 0;
    std::uint64_t pending = 0;
    std::uint64_t oldest_unsent_age_ms = 0;
    std::uint64_t overflows = 0;   ///< capture blocks that found no buffer
    std::uint64_t samples_lost = 0;
    std::uint64_t restarts = 0;
};

Totals totals_of(const actors::RuntimeSnapshot& snap);

/// e.g. "t=12s in=1234567 (+98765/s) stored=4321 uploaded=1230000 dropped=0 ram=41% disk=3.2MiB
/// unsent=4321 oldest=0.4s overflows=0 restarts=0". `previous_in` and `seconds` give the rate.
std::string status_line(const actors::RuntimeSnapshot& snap, const Totals& totals, std::uint64_t previous_in,
                        double seconds);

/// Bytes for people: "812B", "3.2KiB", "41.0MiB", "2.3GiB".
std::string human_bytes(std::uint64_t bytes);

} // namespace ss::daemon
