// The Linux runtime as a library: a gateway application hands its CAF actor system and a
// PipelineSpec (usually read from the actor config file) to Pipeline::start, and gets the whole
// pipeline running in that system — the storage (engine, disk tier), per source a capture and a
// processing stage, the storage-flush stage with the manager tick, the uploader and the supervisor
// that restarts failed stages. The application may write its own sensors through sink(), read
// snapshot() for status, and must call shutdown() (or let the destructor do it) to flush.
#pragma once

#include <caf/actor_system.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ss/actors/bindings.hpp"
#include "ss/actors/capture.hpp"
#include "ss/actors/event_hub.hpp"
#include "ss/actors/messages.hpp"
#include "ss/actors/pipeline_spec.hpp"
#include "ss/actors/runtime_snapshot.hpp"
#include "ss/actors/stage_board.hpp"
#include "ss/actors/storage_host.hpp"
#include "ss/actors/supervisor.hpp"
#include "ss/actors/user_processor.hpp"
#include "ss/expected.hpp"
#include "posix/upload/destination_cursor_file.hpp"
#include "posix/upload/quarantine.hpp"
#include "ss/destination_fanout.hpp"
#include "ss/hal/payload_encoder.hpp"
#include "ss/hal/upload_transport.hpp"
#include "ss/record_sink.hpp"

namespace ss::actors {

struct PipelineOptions {
    /// Used instead of the transport the spec names (tests, a gateway's own); must outlive the pipeline.
    hal::UploadTransport* transport = nullptr;
    /// The user processors chains may name; must outlive the pipeline.
    const ProcessorRegistry* processors = nullptr;
    /// Log lines of the runtime (restarts, failures); stderr when empty.
    std::function<void(int level, const std::string& line)> log;
};

class Pipeline {
public:
    /// Checks the spec against what the runtime can run (chains against their sources' rates,
    /// user processors registered), opens the storage (recovering what is on disk), registers
    /// every sensor and spawns the stages. `why` says what failed.
    static std::unique_ptr<Pipeline> start(caf::actor_system& system, PipelineSpec spec, std::string& why,
                                           PipelineOptions options = {});
    /// Shuts down first if that has not been done.
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    /// Stops capture, processes what was captured, stops the uploader and runs the shutdown flush
    /// (within the storage's budget). Blocks; call it from outside the actor system's workers.
    /// Idempotent: later calls return the first report.
    FlushReport shutdown();

    /// A consistent picture for status lines and metrics; any thread.
    RuntimeSnapshot snapshot();
    /// Where a network destination's refused batches are kept; null without one (or RAM only
    /// without a quarantine_dir). With several destinations, the first one's (see
    /// quarantine(name)). For the operator's commands; safe from any thread.
    hal::Quarantine* quarantine() noexcept {
        return quarantine_ != nullptr ? quarantine_.get() : fanned_.empty() ? nullptr : fanned_.front().quarantine.get();
    }
    /// The quarantine of the destination of that name (with several); null if there is none.
    hal::Quarantine* quarantine(std::string_view destination) noexcept;

    /// The sink of a configured sensor (by its expanded name), for an application that feeds
    /// data itself; nullptr if there is none.
    RecordSink* sink(std::string_view sensor) noexcept;
    Engine& engine() noexcept { return host_->engine(); }
    const PipelineSpec& spec() const noexcept { return spec_; }
    /// The supervisor (for an application that monitors or links to the runtime).
    caf::actor supervisor() const noexcept { return supervisor_; }
    /// The current handle of a stage ("storage-flush", "uploader", "events", "integrity",
    /// "quota", "capture:<source>", "processing:<source>"), or an invalid handle.
    caf::actor stage(const std::string& name) const { return directory_.get(name); }
    StageBoard& board() noexcept { return board_; }
    /// The event hub: actors subscribe to storage events here (ss/actors/event_hub.hpp).
    event_hub_actor events() const { return caf::actor_cast<event_hub_actor>(directory_.get("events")); }

private:
    explicit Pipeline(caf::actor_system& system) : system_(system) {}
    bool open(std::string& why);
    void spawn_stages();
    void log(int level, const std::string& line) const;
    std::uint64_t now_ms() const;
    struct SeqMark {
        std::uint64_t next_seq;
        std::uint64_t at_ms;
    };
    static std::uint64_t oldest_unsent_age(std::deque<SeqMark>& marks, const SsSensorStats& s, std::uint64_t now);

    caf::actor_system& system_;
    PipelineSpec spec_;
    PipelineOptions options_;
    std::unique_ptr<StorageHost> host_;
    std::unique_ptr<hal::PayloadEncoder> own_encoder_; ///< a destination's codec, used by own_transport_
    std::unique_ptr<hal::UploadTransport> own_transport_;
    std::unique_ptr<hal::Quarantine> quarantine_; ///< a destination's refused batches
    hal::UploadTransport* transport_ = nullptr;
    // Several [destinations]: one uploader each, reading through the fanout with its own
    // cursor (ss/destination_fanout.hpp), its own quarantine and its persisted cursor file.
    struct FannedDestination {
        std::string name;
        std::unique_ptr<hal::PayloadEncoder> encoder;
        std::unique_ptr<hal::UploadTransport> transport;
        std::unique_ptr<hal::Quarantine> quarantine;
        std::unique_ptr<hal::DestinationCursorFile> cursors; ///< null without a data directory
    };
    bool open_destinations(std::string& why);
    void save_destination_cursors();
    std::vector<FannedDestination> fanned_;
    std::unique_ptr<DestinationFanout> fanout_;
    std::vector<DestinationCursor> fanout_cursors_;
    std::vector<std::byte> fanout_scratch_;
    std::unique_ptr<std::mutex[]> fanout_locks_;
    SensorBindings sensors_;
    std::vector<std::unique_ptr<SourceBinding>> sources_;
    StageBoard board_;
    // Subscriptions outlive a restarted event hub (ss/actors/event_hub.hpp).
    std::unique_ptr<EventHubMemory> hub_memory_ = std::make_unique<EventHubMemory>();
    StageDirectory directory_;
    caf::actor supervisor_;
    std::uint64_t started_ms_ = 0;
    bool stopped_ = false;
    FlushReport report_{};
    /// When each sensor's numbering had reached a point: the oldest unsent record (its number is
    /// the first unsent) existed at the first mark past it, so its age is at least that mark's.
    std::mutex snapshot_mutex_;
    std::vector<std::deque<SeqMark>> marks_;
};

} // namespace ss::actors
