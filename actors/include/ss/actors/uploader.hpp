// The uploader stage: drains the engine's stores with the consume/erase contract. Each period
// it takes the next sensors (round robin) with unsent records, consumes a batch of each (the
// records turn pending) — up to batches_per_send of them, one per sensor — hands the group to
// the transport (send_many: a transport may make the whole group durable in one step), and
// erases exactly the records the receiver acknowledged (by sequence number, so a batch split in
// parts frees each part as it is acknowledged). A batch that failed, and those after it the
// transport did not attempt, are kept — the same records, the same sequence numbers — and sent
// again after a full-jitter exponential backoff (or the receiver's Retry-After, if longer);
// nothing else goes out meanwhile, so each sensor's batches reach the receiver in order. A
// batch the receiver finds too large (HTTP 413) is sent again in halves, down to one record; one
// it refuses for good (another 4xx) goes to the quarantine, durably, before its records are
// erased, so the records behind it flow on; without a quarantine it is kept and retried.
// Transports may block: the runtime spawns this stage detached (tests run it under the test
// coordinator).
//
// With several destinations (ss/destination_fanout.hpp) there is one uploader per destination,
// each on its own thread: it reads through the fanout with its own cursor instead of consuming,
// acknowledges through it instead of erasing (the store erases what every destination
// acknowledged), and now and then writes its cursors to its cursor file, so a restart goes on
// from where this destination stood.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "ss/actors/messages.hpp"
#include "ss/actors/stage_board.hpp"
#include "ss/engine.hpp"
#include "ss/hal/upload_transport.hpp"
#include "ss/retry_backoff.hpp"

namespace ss {
class DestinationFanout;
}

namespace ss::hal {
class Quarantine;
class DestinationCursorFile;
}

namespace ss::actors {

using uploader_actor =
    caf::typed_actor<caf::reacts_to<caf::tick_atom>, caf::replies_to<caf::get_atom>::with<UploadStats>>;

struct UploaderSettings {
    caf::timespan period{};          ///< how often it looks for unsent records
    std::uint32_t batch_records = 256; ///< most records per batch
    std::uint32_t batches_per_tick = 64; ///< most batches sent per period
    std::uint32_t batches_per_send = 16; ///< most batches (of different sensors) per transport call
    std::uint32_t backoff_base_ms = 1'000;
    std::uint32_t backoff_cap_ms = 300'000;
    std::uint64_t seed = 1;          ///< of the backoff's jitter
    StageBoard* board = nullptr;     ///< where stats and latencies are posted; may be null
    hal::Quarantine* quarantine = nullptr; ///< where refused batches go; null = kept and retried
    /// With several destinations: the fanout it reads through, and its destination's number
    /// there; null = consume and erase the stores directly (the one destination).
    DestinationFanout* fanout = nullptr;
    std::uint32_t destination = 0;
    std::string destination_name; ///< the board's key for its figures ("" = the only one)
    /// Where its cursors persist (with a fanout); written at most once per cursor_save_period
    /// when something was acknowledged (the runtime writes it once more after stopping the
    /// stage). May be null.
    hal::DestinationCursorFile* cursor_file = nullptr;
    caf::timespan cursor_save_period = std::chrono::seconds(1);
};

/// Batches the receiver refused for good, as the uploader handled them.
struct QuarantineCounts {
    std::uint64_t batches = 0;       ///< put in the quarantine
    std::uint64_t records = 0;
    std::uint64_t unkept = 0;        ///< refused, but the quarantine could not keep them: retried
    std::uint64_t splits = 0;        ///< batches halved after a 413
    std::uint64_t released = 0;      ///< released by an operator, sent again and acknowledged
    std::uint64_t refused_again = 0; ///< released, sent again and refused again
};

struct UploaderState {
    static inline const char* name = "uploader";
    Engine* engine = nullptr;
    hal::UploadTransport* transport = nullptr;
    UploaderSettings settings{};
    caf::actor_clock::time_point next{};
    /// Room for batches_per_send batches of the widest records.
    std::vector<std::byte> buffer;
    /// The group in flight, in the order it goes out; empty = none. Its records sit in buffer.
    /// A consumed batch not yet wholly acknowledged: `batch` is what is still pending of it,
    /// `send_count` how many of its first records the next attempt sends (less than all of
    /// it once a receiver found it too large).
    struct InFlight {
        SensorStore* store = nullptr;
        hal::UploadBatch batch{};
        std::uint64_t consumed_at_ms = 0;
        std::uint32_t send_count = 0;
    };
    std::vector<InFlight> in_flight;
    std::vector<hal::UploadBatch> batches;   ///< scratch for send_many
    std::vector<hal::UploadResult> results;  ///< scratch for send_many
    std::uint32_t failures = 0;
    std::uint64_t retry_at_ms = 0;
    std::uint32_t cursor = 0;      ///< the next slot the round robin looks at
    RetryBackoff backoff{1'000, 300'000, 1};
    UploadStats stats{};
    QuarantineCounts quarantined{};
    std::vector<std::byte> released_records; ///< a released batch's records, read back to send
    bool cursors_moved = false;      ///< acknowledged since the cursor file was last written
    std::uint64_t cursors_saved_ms = 0;
    std::uint64_t totals_at_ms = 0;  ///< when this destination's totals were last posted
};

/// Spawn with sys.spawn(uploader, &engine, &transport, settings); both must outlive it.
uploader_actor::behavior_type uploader(uploader_actor::stateful_pointer<UploaderState> self, Engine* engine,
                                       hal::UploadTransport* transport, UploaderSettings settings);

} // namespace ss::actors
