// The uplink image's shared objects: a store of `sensors` time-series sensors filled with
// record_signal.hpp's records, and the uplink task that sends them as compact-codec batches
// through a LinkSender over USART2 and erases each batch only when the gateway acknowledged it
// (docs/uplink-protocol.md, "The MCU's side"). Every object is static.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ss/sensor_storage.h"
#include "ss/stm32/scheduler.hpp"
#include "ss/uplink/link_sender.hpp"

namespace ss::stm32::uplink_app {

inline constexpr std::uint32_t cpu_hz = 168'000'000;
inline constexpr std::uint32_t usart2_clock_hz = 42'000'000; // APB1 with the 168 MHz set-up
inline constexpr std::uint32_t baud = 921'600;
inline constexpr std::uint32_t sensors = 4;
inline constexpr std::uint32_t records_per_sensor = 1024;
inline constexpr std::uint32_t batch_records = 64;
inline constexpr std::uint32_t window = 8;
// A 64-record batch of 12-bit deltas is about 170 bytes in the compact codec; the rest is room
// for the names and varints of the header.
inline constexpr std::size_t max_payload = 320;
/// Gives up after this much SysTick time without finishing: the run is stuck.
inline constexpr std::uint32_t give_up_ms = 15'000;

extern ss::stm32::Scheduler scheduler;
extern ss::stm32::Task<4> uplink_task;
extern SensorStore* sensor_store[sensors];

#if SS_UPLINK_FLASH
/// The flash variant: one ss_manager_tick_at, 10 ms of the manager's clock after the last, so
/// that the tier seals, spills and syncs (erasures become durable only at a tick's sync).
void manager_tick() noexcept;
/// Every 10th uplink tick (10 ms) runs the manager.
inline constexpr std::uint32_t manager_every_ticks = 10;
#endif

/// Starts USART2 and the sender of this boot's session; false if the sender refused its memory.
bool start_uplink(std::uint32_t session) noexcept;

/// The 1 kHz SysTick hook: posts the uplink task's tick.
void on_tick() noexcept;

struct UplinkFigures {
    std::uint32_t batches_submitted = 0;
    std::uint32_t batches_erased = 0;
    std::uint32_t records_erased[sensors] = {};
    std::uint64_t payload_bytes = 0;   ///< compact-codec bytes submitted (first sends)
    std::uint64_t wire_bytes = 0;      ///< bytes handed to the USART, retransmissions included
    std::uint32_t api_errors = 0;      ///< consume, encode, submit or erase refused
    std::uint32_t pending_mismatches = 0; ///< (tick, sensor) pairs where the store's PENDING != the window's records
    std::uint32_t tx_dropped = 0;      ///< pulled bytes the USART ring did not take (never expected)
    std::uint32_t ticks = 0;
    std::uint32_t max_step_cycles = 0; ///< the longest tick's work
    std::uint64_t step_cycles = 0;     ///< all ticks' work
    bool gave_up = false;
};
const UplinkFigures& uplink_figures() noexcept;
const ss::uplink::SenderCounters& sender_counters() noexcept;
/// What the USART lost (overruns, a full ring).
std::uint32_t usart_losses() noexcept;

} // namespace ss::stm32::uplink_app
