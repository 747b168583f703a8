// The power-fail notice (issue 15): the programmable voltage detector (PVD) raises an interrupt
// when VDD falls below a threshold, through EXTI line 16 on its rising edge (RM0090 §5.4.3). A
// board sets the threshold above the brown-out reset level so that the capacitors' hold-up time
// between the two is spent making the store durable: the handler asks the store for its shutdown
// flush (ss_set_shutdown), and the manager task runs it until ss_shutdown_complete().
//
// One detector in the chip, so one monitor: free functions over static state, like the timers.
#pragma once

#include <cstdint>

namespace ss::stm32 {

/// PVD thresholds (PWR_CR.PLS): the nominal falling-edge levels of RM0090's PLS table.
enum class PvdLevel : std::uint8_t { v2_0 = 0, v2_1, v2_3, v2_5, v2_6, v2_7, v2_8, v2_9 };

/// Called in the PVD interrupt, once per notice: keep it short (set a flag, post an event).
using PowerFailHandler = void (*)(void* context) noexcept;

/// Powers the PWR block's clock, sets the threshold, turns the detector on, routes EXTI line 16
/// to the interrupt on its rising edge (VDD falling below the level) and enables the interrupt
/// at `priority` (0 = most urgent: a notice should pre-empt everything but faults).
void power_fail_start(PvdLevel level, PowerFailHandler handler, void* context, std::uint8_t priority) noexcept;
/// Turns the interrupt and the detector off; a pending notice is dropped.
void power_fail_stop() noexcept;
/// VDD is below the threshold now (PWR_CSR.PVDO): a notice raised at boot, before the monitor
/// started, shows here.
bool supply_below_threshold() noexcept;
/// Notices served since start.
std::uint32_t power_fail_notices() noexcept;

} // namespace ss::stm32
