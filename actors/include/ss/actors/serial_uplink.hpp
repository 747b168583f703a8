// The gateway's serial uplink source (docs/uplink-protocol.md, "The gateway daemon's serial
// source"): reads an MCU's link on a tty, stores each batch the MCU sends under the MCU's own
// sequence numbers in a relayed store per MCU sensor, and acknowledges a batch to the MCU only
// once its records are durable here, because the MCU erases what is acknowledged.
//
// Exactly once across resets and restarts comes from the numbering, not from state of its own:
// MCU sensor k's record n is gateway sensor (bus, id_base + k)'s record n, so
//  - a batch the MCU sends again (its ACK was lost, the MCU reset) holds numbers the store has:
//    they are skipped;
//  - after a gateway crash the store resumes numbering past what it may have handed out, and
//    the records it lost from RAM (never acknowledged to the MCU, so sent again) are stored
//    again under the same numbers (Engine::seek below the reservation), so a record uploaded
//    before the crash and again after it has one identity and the receiver keeps it once.
// A batch that cannot be stored (a payload the compact decoder refuses, an MCU sensor outside
// the configured ids, a record type the store does not hold) is written to a quarantine file,
// synced, and then acknowledged: kept for an operator, never lost and never a stuck link.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ss/actors/messages.hpp"
#include "ss/actors/pipeline_spec.hpp"
#include "ss/actors/stage_board.hpp"
#include "ss/actors/stage_log.hpp"
#include "ss/engine.hpp"
#include "ss/uplink/link_receiver.hpp"

namespace ss::hal {
class SerialPort;
}

namespace ss::actors {

struct SerialUplinkSettings {
    UplinkSpec spec;
    /// Where quarantined batches go (created when the first one comes); "" = <data_dir>/uplink-
    /// quarantine, and with neither the batch is kept unacknowledged (the MCU keeps it).
    std::string quarantine_dir;
    std::uint32_t max_payload = 4096;  ///< longest DATA payload taken; longer frames are dropped
    /// How often stores holding unacknowledged records are asked to flush to the cold tier: each
    /// flush seals a partly filled sector, so not after every batch.
    std::chrono::milliseconds flush_period{50};
    std::chrono::milliseconds reopen_period{1000}; ///< retry of a port that failed
    std::uint32_t boot = 0;            ///< this gateway run's receiver boot (0: from the clock)
    StageLog log;
};

/// One uplink's work, without the actor: step() waits up to `wait` for bytes and handles
/// everything due. Single-threaded.
class SerialUplink {
public:
    SerialUplink(Engine& engine, SerialUplinkSettings settings);
    ~SerialUplink();
    SerialUplink(const SerialUplink&) = delete;
    SerialUplink& operator=(const SerialUplink&) = delete;

    void step(std::chrono::milliseconds wait);
    const SerialUplinkStats& stats() const noexcept { return stats_; }
    const std::string& name() const noexcept { return settings_.spec.name; }
    const uplink::ReceiverCounters& link() const noexcept { return receiver_.counters(); }

private:
    struct Unacked {
        std::uint32_t session;
        std::uint32_t seq;
        SensorStore* store;       ///< nullptr: nothing to wait for (quarantined, or all skipped)
        std::uint64_t end;        ///< durable once the store's durable end reaches it
    };
    struct Relay {
        bool sought = false;                 ///< numbering set from the MCU's once this run
        std::uint64_t next_time = 0;         ///< where the next batch's time continues the sector's
        std::uint32_t period_us = 0;
        bool dirty = false;                  ///< records not yet asked to flush
    };

    bool ensure_port(std::uint64_t now_ms);
    void drop_port(const std::string& why);
    void receive(std::uint64_t now_ms);
    void on_batch(std::uint32_t session, std::uint32_t seq, std::span<const std::byte> payload);
    /// Stores the batch; nullopt when it must be quarantined (the reason in `why`).
    std::optional<Unacked> store_batch(std::uint32_t session, std::uint32_t seq, std::span<const std::byte> payload,
                                       std::string& why);
    bool quarantine(std::uint32_t session, std::uint32_t seq, std::span<const std::byte> payload, const std::string& why);
    std::uint64_t map_time(std::uint32_t mcu_boot, std::uint64_t first_time, std::uint64_t last_time);
    void flush_due(std::uint64_t now_ms);
    void acknowledge_durable();
    void transmit();
    void log(int level, const std::string& line) const;

    Engine& engine_;
    SerialUplinkSettings settings_;
    std::unique_ptr<hal::SerialPort> port_;
    std::uint64_t retry_at_ms_ = 0;
    bool port_failed_logged_ = false;
    std::vector<std::byte> frame_buffer_;
    uplink::LinkReceiver receiver_;
    std::vector<std::byte> records_;
    std::deque<Unacked> unacked_;
    std::unordered_map<SensorStore*, Relay> relays_;
    /// Per MCU boot: gateway time minus MCU time, learnt from that boot's first batch this run.
    std::unordered_map<std::uint32_t, std::int64_t> time_offsets_;
    std::uint64_t flushed_ms_ = 0;
    std::vector<std::byte> tx_;
    std::size_t tx_at_ = 0;
    SerialUplinkStats stats_{};
};

/// Ticks itself: each tick is one step() of up to a few milliseconds' wait, then the figures go
/// to the board (StageBoard::set_uplink under the uplink's name).
using serial_uplink_actor = caf::typed_actor<caf::reacts_to<caf::tick_atom>>;

struct SerialUplinkState {
    static inline const char* name = "uplink";
    std::unique_ptr<SerialUplink> uplink;
    StageBoard* board = nullptr;
    std::string uplink_name;
    std::string stage_name;
};

/// Spawn detached (it waits on the tty): sys.spawn<caf::detached>(serial_uplink, &engine,
/// settings, &board). The engine and the board (may be null) must outlive the actor.
serial_uplink_actor::behavior_type serial_uplink(serial_uplink_actor::stateful_pointer<SerialUplinkState> self,
                                                 Engine* engine, SerialUplinkSettings settings, StageBoard* board);

} // namespace ss::actors
