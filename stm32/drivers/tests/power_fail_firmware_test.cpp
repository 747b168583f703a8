// The power-fail notice under QEMU (netduinoplus2): the monitor routes EXTI line 16 (rising edge,
// unmasked) to the PVD interrupt; a notice runs the handler once and clears the line; the
// handler's ss_set_shutdown makes the next manager tick seal every open sector, so that the store
// is checksummed and complete when the supply fails; after stop() nothing is served.
// QEMU leaves PWR unimplemented (the threshold and PVDO are not modelled), and its EXTI keeps a
// software-interrupt write without setting the pending bit or raising anything (seen: SWIER reads
// back, PR stays 0, for line 16 and line 0 alike). The test writes SWIER (on silicon that alone
// raises the notice) and raises the interrupt through the NVIC, which the detector does on silicon.
#include <cstdint>

#include "default_store.hpp"
#include "firmware_check.hpp"
#include "ss/sensor_storage.h"
#include "ss/stm32/interrupts.hpp"
#include "ss/stm32/mmio.hpp"
#include "ss/stm32/power_fail_monitor.hpp"
#include "ss/stm32/registers/exti.hpp"

namespace {

using namespace ss::stm32;
using ss::stm32::test::check;
using ss::stm32::test::expect_eq;

volatile std::uint32_t handler_calls = 0;

void on_power_fail(void* context) noexcept {
    ss_set_shutdown(true);
    auto* calls = static_cast<volatile std::uint32_t*>(context);
    *calls = *calls + 1;
}

void raise_notice() noexcept {
    mmio(exti::swier) = exti::line_pvd;
    irq_set_pending(Irq::pvd);
    asm volatile("dsb\n isb" ::: "memory"); // taken before the next check
}

std::uint64_t sealed_sectors() noexcept {
    SsScrubReport report{};
    ss_scrub(&report);
    return report.sectors_checked;
}

} // namespace

int main() {
    SensorStore* sensors[ss::stm32::test::default_sensors] = {};
    check(ss::stm32::test::start_default_store(sensors), "the default store");
    // Ten sensors with an open sector holding records, nothing sealed yet.
    for (std::uint32_t id = 0; id < 10; ++id)
        for (std::uint32_t k = 0; k < 3; ++k) {
            if (ss::stm32::test::default_sensor_type(id) == SENSOR_EVT) ss_evt_add(sensors[id], k, k);
            else ss_ts_add(sensors[id], k);
        }
    const std::uint64_t sealed_before = sealed_sectors();
    expect_eq("sealed sectors before the notice", 0, sealed_before);

    power_fail_start(PvdLevel::v2_9, on_power_fail, const_cast<std::uint32_t*>(&handler_calls), 0);
    check((mmio(exti::imr) & exti::line_pvd) != 0, "EXTI line 16 unmasked");
    check((mmio(exti::rtsr) & exti::line_pvd) != 0 && (mmio(exti::ftsr) & exti::line_pvd) == 0,
          "EXTI line 16 on the rising edge only (VDD falling below the level)");

    expect_eq("no notice before one is raised", 0, handler_calls);

    raise_notice();
    expect_eq("a notice runs the handler once", 1, handler_calls);
    expect_eq("notices counted", 1, power_fail_notices());
    check((mmio(exti::pr) & exti::line_pvd) == 0, "the handler cleared EXTI line 16");

    // The manager task's next tick: the shutdown seals every open sector.
    ss_manager_tick();
    check(ss_shutdown_complete(), "the shutdown flush completes in one tick (RAM only: nothing to write)");
    expect_eq("every open sector with records sealed (and checksummed)", 10, sealed_sectors());
    SensorStore* const s = sensors[0];
    SsSensorStats st{};
    ss_get_sensor_stats(s, &st);
    expect_eq("no record lost by the flush", 3, st.retained);

    power_fail_stop();
    check((mmio(exti::imr) & exti::line_pvd) == 0, "stop masks EXTI line 16");
    raise_notice();
    expect_eq("after stop no notice is served", 1, handler_calls);
    ss_set_shutdown(false);
    ss_deinit_system();
    host_write(ss::stm32::test::failures == 0 ? "power-fail firmware test: all checks passed\n"
                                              : "power-fail firmware test: FAILED\n");
    return ss::stm32::test::failures == 0 ? 0 : 1;
}
