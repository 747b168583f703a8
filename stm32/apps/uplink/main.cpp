// The uplink image: the STM32 default store (in the 32 KiB `.store` region) holding
// records_per_sensor records of each of `sensors` sensors, sent to a gateway over USART2 by the
// uplink task and erased as the gateway acknowledges them. A firmware test with a host peer
// (uplink_peer.py, which plays the gateway and injects faults on the line): the run ends when
// every record is acknowledged and erased, and the image checks that in the store and exits 0,
// or non-zero with the failing checks on the console.
#include <cstddef>

#include "boot_session.hpp"
#include "firmware_check.hpp"
#include "record_signal.hpp"
#include "semihosting.hpp"
#include "ss_stm32_port.h"
#include "systick.hpp"
#include "uplink_app.hpp"

namespace ss::stm32::uplink_app {

ss::stm32::Scheduler scheduler;
SensorStore* sensor_store[sensors] = {};

} // namespace ss::stm32::uplink_app

namespace {

namespace app = ss::stm32::uplink_app;
using ss::stm32::host_write;
using ss::stm32::test::expect_eq;
using ss::stm32::test::expect_true;
using ss::stm32::test::figure;

// The STM32 default pool (102 sectors of 256 B) for only the sensors this image sends: with the
// default 100 sensors one sector each is kept back and the 4 096 records would not fit unsent.
alignas(8) __attribute__((section(".store"))) std::byte store_arena[SS_STM32_ARENA_BYTES(app::sensors, 102 * 256, 256)];

// Times on the boot's monotonic clock, 1 ms apart: the batches carry a time base the peer checks.
constexpr std::uint64_t first_time_us = 1'000'000;
constexpr std::uint32_t period_us = 1000;

bool init_store(std::uint32_t boot) {
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_STM32);
    cfg.max_sensors = app::sensors;
    cfg.arena = store_arena;
    cfg.arena_bytes = sizeof store_arena;
    cfg.boot_id = boot;
    if (ss_init_system(&cfg) != 0) {
        host_write("ss_init_system: ");
        host_write(ss_last_error());
        host_write("\n");
        return false;
    }
    static std::uint32_t values[app::records_per_sensor]; // 4 KiB: more than the stack can spare
    for (std::uint32_t sensor = 0; sensor < app::sensors; ++sensor) {
        SensorStore* store = nullptr;
        if (ss_sensor_init(sensor, SENSOR_TS, &store) != 0 || ss_sensor_set_sample_period(store, period_us) != 0)
            return false;
        app::sensor_store[sensor] = store;
        for (std::uint32_t seq = 0; seq < app::records_per_sensor; ++seq) values[seq] = app::record_value(sensor, seq);
        std::uint32_t stored = 0;
        ss_ts_add_many_at(store, values, app::records_per_sensor, first_time_us, &stored);
        expect_eq("records stored before the run", app::records_per_sensor, stored);
    }
    return true;
}

void check_store() {
    for (std::uint32_t sensor = 0; sensor < app::sensors; ++sensor) {
        SsSensorStats s{};
        expect_eq("ss_get_sensor_stats", 0, static_cast<std::uint32_t>(-ss_get_sensor_stats(app::sensor_store[sensor], &s)));
        expect_eq("  erased = stored (every record acknowledged)", app::records_per_sensor, s.erased);
        expect_eq("  erased by the uplink task's acknowledgements", app::records_per_sensor,
                  app::uplink_figures().records_erased[sensor]);
        expect_eq("  retained at the end", 0, s.retained);
        expect_eq("  dropped (new, recycled, corrupt)", 0, s.dropped_new + s.dropped_recycled + s.dropped_corrupt);
    }
}

void report_link() {
    const app::UplinkFigures& u = app::uplink_figures();
    const ss::uplink::SenderCounters& c = app::sender_counters();
    expect_true("the run ended with everything erased, not by giving up", !u.gave_up);
    expect_eq("consume, encode, submit or erase refused", 0, u.api_errors);
    expect_eq("(tick, sensor) pairs where the store's PENDING records were not exactly the window's", 0, u.pending_mismatches);
    expect_eq("bytes the USART ring did not take", 0, u.tx_dropped);
    expect_eq("bytes the USART lost on receive", 0, app::usart_losses());
    expect_eq("batches erased = batches submitted", u.batches_submitted, u.batches_erased);
    figure("batches submitted", u.batches_submitted);
    figure("DATA frames sent first time", c.frames_sent);
    figure("DATA frames retransmitted", c.frames_retransmitted);
    figure("timeouts", c.timeouts);
    figure("NAKs acted on", c.naks);
    figure("ACKs received", c.acks_received);
    figure("stale ACKs or NAKs", c.stale_acks);
    figure("gateway restarts seen", c.peer_restarts);
    figure("CRC failures", c.crc_failures);
    figure("malformed frames", c.malformed);
    const std::uint32_t records = app::sensors * app::records_per_sensor;
    figure("compact payload bytes", u.payload_bytes);
    figure("compact payload bytes per record x1000", u.payload_bytes * 1000 / records);
    figure("bytes on the wire (retransmissions included)", u.wire_bytes);
    figure("bytes on the wire per record x1000", u.wire_bytes * 1000 / records);
    figure("uplink ticks (1 ms)", u.ticks);
    // Under -icount shift=2 an instruction takes 4 ns, so SysTick's 168 MHz cycles are
    // instructions x 168/250.
    figure("instructions per batch submitted (tick work / batches)",
           u.batches_submitted == 0 ? 0 : u.step_cycles * 250 / 168 / u.batches_submitted);
    figure("longest tick, instructions", u.max_step_cycles * 250ull / 168);
}

} // namespace

int main() {
    const std::uint32_t session = app::next_boot_session();
    host_write("uplink firmware: store -> compact batches -> LinkSender over USART2 -> erase on ACK\n");
    figure("session (boot counter in .noinit)", session);
    if (!init_store(session)) return ss::stm32::test::finish("uplink firmware");
    expect_true("LinkSender made with the static window", app::start_uplink(session));
    expect_true("add: uplink at priority 1", app::scheduler.add(app::uplink_task, 1));
    ss::stm32::set_systick_hook(app::on_tick);
    ss::stm32::start_systick(app::cpu_hz);
    app::scheduler.run();
    ss::stm32::set_systick_hook(nullptr);
    report_link();
    check_store();
    ss_deinit_system();
    return ss::stm32::test::finish("uplink firmware");
}
