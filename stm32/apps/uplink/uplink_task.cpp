// The uplink task (docs/uplink-protocol.md, "The MCU's side"). At every 1 ms tick it
//   1. feeds what USART2 received (ACKs, NAKs) into the LinkSender;
//   2. erases, for each batch the sender reports acknowledged, exactly that batch's records
//      (ss_erase_pending_until its end): the only place records are erased;
//   3. while the window has a free slot, consumes the next batch round-robin over the sensors,
//      encodes it in the compact codec and submits it under an id naming sensor and end;
//   4. pulls the bytes the sender has to send (first sends, retransmissions after a timeout, a
//      NAK or a gateway restart) into USART2's transmit ring, never more than it has room for.
// Records consumed but not acknowledged stay PENDING in the store and their batch stays in the
// sender's window, so a lost frame, ACK or gateway costs a retransmission, not data.
// The flash variant (SS_UPLINK_FLASH) also runs the manager every 10 ms, so that the tier makes
// the erasures durable, and stops when no sensor retains anything: the records one boot erases
// are only what earlier boots left, not the whole run.
#include <atomic>
#include <cerrno>
#include <optional>
#include <span>
#include <string_view>

#include "record_signal.hpp"
#include "ss/stm32/buffered_usart.hpp"
#include "ss/stm32/forever.hpp"
#include "ss/upload/batch.hpp"
#include "ss/upload/compact_codec.hpp"
#include "systick.hpp"
#include "uplink_app.hpp"
#if SS_UPLINK_FLASH
#include "semihosting.hpp"
#endif

namespace ss::stm32::uplink_app {

namespace {

constexpr std::size_t rx_ring_bytes = 256; // a few ACKs: more than the sender can have unread
constexpr std::size_t tx_ring_bytes = 512; // more than one frame, so a tick sends a frame whole
using Usart = BufferedUsart<rx_ring_bytes, tx_ring_bytes>;

Forever<Usart> usart2_object{UsartPort::usart2};
Usart& usart2 = *usart2_object;

ss::uplink::SenderSlot slots[window];
alignas(4) std::byte payload_storage[window * max_payload];
alignas(4) std::byte sender_tx[ss::uplink::LinkSender::tx_buffer_bytes(max_payload)];
// Made at start, once the boot's session is known; trivially destructible, so no atexit entry.
std::optional<ss::uplink::LinkSender> sender_object;

alignas(4) std::uint32_t batch_values[batch_records];
alignas(4) std::byte encoded[max_payload];

constexpr std::string_view device_name = "mcu-01"; // the codec's gateway field: who sent the batch
constexpr std::string_view channel_names[sensors] = {"ch0", "ch1", "ch2", "ch3"};

UplinkFigures figures;
std::atomic<std::uint32_t> now_ms{0};
std::uint32_t next_sensor = 0;
std::uint64_t records_in_window[sensors] = {}; // submitted, not yet reported acknowledged

// An id carries the sensor in its top byte and the batch's end (first_seq + count) below, which
// is what ss_erase_pending_until takes: sequence numbers stay below 2^56 (sector::max_seq).
constexpr std::uint64_t batch_id(std::uint32_t sensor, std::uint64_t end_seq) noexcept {
    return (std::uint64_t{sensor} << 56) | end_seq;
}
constexpr std::uint32_t id_sensor(std::uint64_t id) noexcept { return static_cast<std::uint32_t>(id >> 56); }
constexpr std::uint64_t id_end(std::uint64_t id) noexcept { return id & ((std::uint64_t{1} << 56) - 1); }

ss::uplink::LinkSender& sender() noexcept { return *sender_object; }

void erase_acknowledged() noexcept {
    while (const auto id = sender().take_acked()) {
        const std::uint32_t sensor = id_sensor(*id);
        SsSensorStats before{};
        if (sensor >= sensors || ss_get_sensor_stats(sensor_store[sensor], &before) != 0 ||
            ss_erase_pending_until(sensor_store[sensor], id_end(*id)) != 0) {
            ++figures.api_errors;
            continue;
        }
        ++figures.batches_erased;
        const std::uint64_t erased = id_end(*id) - before.head_seq;
        figures.records_erased[sensor] += static_cast<std::uint32_t>(erased);
        records_in_window[sensor] -= erased;
    }
}

/// Consumes and submits one batch of the next sensor with unsent records; false when none has.
bool submit_next_batch() noexcept {
    for (std::uint32_t tried = 0; tried < sensors; ++tried) {
        const std::uint32_t sensor = next_sensor;
        next_sensor = (next_sensor + 1) % sensors;
        std::uint32_t n = 0;
        SsBatchInfo info{};
        const int rc = ss_consume_batch_info(sensor_store[sensor], batch_values, batch_records, &n, &info);
        if (rc == -EAGAIN) continue;
        if (rc != 0) {
            ++figures.api_errors;
            return false;
        }
        ss::upload::Batch batch;
        batch.gateway = device_name;
        batch.boot = info.boot;
        batch.source = SS_SOURCE_HOST;
        batch.sensor_id = sensor;
        batch.type = ss::RecordType::ts;
        batch.first_seq = info.first_seq;
        batch.count = n;
        batch.channel = channel_names[sensor];
        batch.first_time_us = info.first_time_us;
        batch.period_us = info.period_us;
        batch.records = reinterpret_cast<const std::byte*>(batch_values);
        const auto size = ss::upload::compact_encode(batch, encoded);
        // A refusal here leaves the batch PENDING and never acknowledged: the run cannot finish
        // and the count says why.
        if (!size || !sender().submit(batch_id(sensor, info.first_seq + n), std::span(encoded, *size))) {
            ++figures.api_errors;
            return false;
        }
        ++figures.batches_submitted;
        figures.payload_bytes += *size;
        records_in_window[sensor] += n;
        return true;
    }
    return false;
}

void receive(std::uint32_t now) noexcept {
    std::uint8_t bytes[64];
    while (const std::size_t n = usart2.read(bytes, sizeof bytes))
        sender().push(std::as_bytes(std::span(bytes, n)), now);
}

void transmit(std::uint32_t now) noexcept {
    std::byte bytes[64];
    for (;;) {
        // The ISR only empties the ring, so this room is never more than there is.
        const std::size_t room = tx_ring_bytes - usart2.tx_pending();
        if (room == 0) return;
        const std::size_t n = sender().pull(std::span(bytes, room < sizeof bytes ? room : sizeof bytes), now);
        if (n == 0) return;
        const std::size_t queued = usart2.write(reinterpret_cast<const std::uint8_t*>(bytes), n);
        figures.tx_dropped += static_cast<std::uint32_t>(n - queued);
        figures.wire_bytes += n;
    }
}

// The store's PENDING records must be exactly those of the batches in the sender's window: fewer
// would mean records were erased before their acknowledgement (an MCU reset would lose them).
void check_pending_matches_window() noexcept {
    for (std::uint32_t sensor = 0; sensor < sensors; ++sensor) {
        std::uint64_t pending = 0;
        if (ss_get_pending_count(sensor_store[sensor], &pending) != 0 || pending != records_in_window[sensor])
            ++figures.pending_mismatches;
    }
}

bool everything_erased() noexcept {
#if SS_UPLINK_FLASH
    for (std::uint32_t sensor = 0; sensor < sensors; ++sensor) {
        std::uint64_t retained = 0;
        if (ss_get_total_records(sensor_store[sensor], &retained) != 0 || retained != 0) return false;
    }
    return true;
#else
    for (std::uint32_t sensor = 0; sensor < sensors; ++sensor)
        if (figures.records_erased[sensor] < records_per_sensor) return false;
    return true;
#endif
}

#if SS_UPLINK_FLASH
// A gateway restart told as it is seen: a boot killed later never prints its end figures, and
// the harness needs to know which boot saw the restarted gateway.
void report_peer_restarts() noexcept {
    static std::uint64_t reported = 0;
    const std::uint64_t seen = sender().counters().peer_restarts;
    if (seen != reported) {
        reported = seen;
        host_write("uplink: gateway restart seen\n");
    }
}
#endif

void on_event(void*, ss::stm32::Event) {
    const std::uint32_t started = systick_cycles();
    const std::uint32_t now = now_ms.load(std::memory_order_relaxed);
    ++figures.ticks;
    receive(now);
    erase_acknowledged();
    while (sender().can_submit() && submit_next_batch()) {
    }
    transmit(now);
#if SS_UPLINK_FLASH
    if (figures.ticks % manager_every_ticks == 0) manager_tick();
#endif
    const std::uint32_t spent = systick_cycles() - started;
    figures.step_cycles += spent;
    if (spent > figures.max_step_cycles) figures.max_step_cycles = spent;
    // The test's own check, outside the measured work.
    check_pending_matches_window();
#if SS_UPLINK_FLASH
    report_peer_restarts();
#endif
    if (everything_erased()) {
        scheduler.stop();
    } else if (now >= give_up_ms) {
        figures.gave_up = true;
        scheduler.stop();
    }
}

} // namespace

ss::stm32::Task<4> uplink_task{on_event, nullptr};

bool start_uplink(std::uint32_t session) noexcept {
    auto made = ss::uplink::LinkSender::make(slots, payload_storage, sender_tx, session);
    if (!made) return false;
    sender_object.emplace(std::move(*made));
    usart2.start(usart2_clock_hz, baud, 6);
    return true;
}

void on_tick() noexcept {
    now_ms.store(now_ms.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    // A tick the queue cannot take is no loss: the task's next step does the same work.
    static_cast<void>(uplink_task.post(0));
}

const UplinkFigures& uplink_figures() noexcept { return figures; }
const ss::uplink::SenderCounters& sender_counters() noexcept { return sender().counters(); }
std::uint32_t usart_losses() noexcept {
    const UsartStats s = usart2.stats();
    return s.rx_overruns + s.rx_ring_full;
}

} // namespace ss::stm32::uplink_app
