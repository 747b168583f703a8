// The uplink image: the STM32 default store (in the 32 KiB `.store` region) holding
// records_per_sensor records of each of `sensors` sensors, sent to a gateway over USART2 by the
// uplink task and erased as the gateway acknowledges them. A firmware test with a host peer
// (uplink_peer.py, which plays the gateway and injects faults on the line): the run ends when
// every record is acknowledged and erased, and the image checks that in the store and exits 0,
// or non-zero with the failing checks on the console.
//
// The flash variant (SS_UPLINK_FLASH, target uplink_flash_firmware_test) keeps the store on a
// NOR chip in a host file (semihosting, named on the command line: arg=<name>,arg=<file>) through
// the port's flash tier, so that an MCU reset (QEMU killed and started again on the same file)
// finds every unacknowledged record still there: the first boot on a blank chip adds the records
// and makes them durable before sending any, a later boot adds nothing and sends what the tier
// recovered. The boot counter (the link's session) lives in a SettingsStore on the same chip,
// since QEMU's RAM (.noinit) does not survive a restart of QEMU.
#include <cstddef>

#include "boot_session.hpp"
#include "firmware_check.hpp"
#include "record_signal.hpp"
#include "semihosting.hpp"
#include "ss_stm32_port.h"
#include "systick.hpp"
#include "uplink_app.hpp"
#if SS_UPLINK_FLASH
#include "flash_tier.hpp"
#include "semihosting_block_device.hpp"
#include "ss/block_region.hpp"
#include "ss/settings_store.hpp"
#endif

namespace ss::stm32::uplink_app {

ss::stm32::Scheduler scheduler;
SensorStore* sensor_store[sensors] = {};

#if SS_UPLINK_FLASH
namespace {
std::uint64_t manager_ms = 0; // the manager's clock: 10 ms a tick, never going back
} // namespace

void manager_tick() noexcept { ss_manager_tick_at(manager_ms += 10); }
#endif

} // namespace ss::stm32::uplink_app

namespace {

namespace app = ss::stm32::uplink_app;
using ss::stm32::host_write;
using ss::stm32::test::expect_eq;
using ss::stm32::test::expect_true;
using ss::stm32::test::figure;

#if !SS_UPLINK_FLASH
// The STM32 default pool (102 sectors of 256 B) for only the sensors this image sends: with the
// default 100 sensors one sector each is kept back and the 4 096 records would not fit unsent.
alignas(8) __attribute__((section(".store"))) std::byte store_arena[SS_STM32_ARENA_BYTES(app::sensors, 102 * 256, 256)];
#else
// Units of one 256-byte NOR page with the unit header, as the power-cut test has them.
constexpr std::uint32_t sector_bytes = 224;
// Every record of the first boot fits the RAM pool unsent, so that the adds never recycle a
// sector before the flush hands all of them to the tier.
constexpr std::uint32_t pool_sectors = 100;
// 36 blocks of 4 KiB: 32 for the flash log, the last 4 for the boot counter's two slots.
constexpr std::uint32_t log_blocks = 32;
constexpr std::uint32_t settings_blocks = 4;
constexpr ss::BlockGeometry geometry{1, 256, 4096, log_blocks + settings_blocks, 0xFF};
constexpr std::uint8_t boot_counter_kind = 0x55; // 'U': the uplink image's boot counter

ss::stm32::test::SemihostingBlockDevice device{geometry};
ss::BlockRegion log_region{device, 0, log_blocks};
ss::BlockRegion settings_region{device, log_blocks, settings_blocks};
ss::stm32::FlashTierStorage<app::sensors, 256, sector_bytes> tier_memory;
alignas(8) __attribute__((section(".store"))) std::byte store_arena[23 * 1024]; // ss_arena_bytes: 22 856 B
alignas(4) std::byte settings_page[256];

// What this boot found and did, for the report and the end checks.
std::uint64_t found_head[app::sensors] = {};
std::uint64_t found_retained[app::sensors] = {};
std::uint32_t records_added = 0;

/// Opens the chip and advances the boot counter kept on it: load, +1, save (synced and read
/// back). 0 if the chip or the counter cannot be used: the run cannot tell its boots apart.
std::uint32_t open_flash_and_count_boot() {
    static char cmdline[256];
    const char* path = ss::stm32::host_command_line(cmdline, sizeof cmdline) ? ss::stm32::host_command_word(cmdline, 1) : nullptr;
    if (path == nullptr) {
        host_write("no flash file on the semihosting command line (arg=<name>,arg=<file>)\n");
        return 0;
    }
    if (!device.open(path)) {
        host_write("the flash file cannot be opened or has the wrong length\n");
        return 0;
    }
    ss::SettingsStore settings{settings_region, boot_counter_kind, settings_page};
    std::uint32_t count = 0;
    const auto loaded = settings.load(&count, sizeof count);
    if (!loaded) return 0;
    if (!loaded->found) count = 0; // a blank chip: the first boot
    ++count;
    if (!settings.save(&count, sizeof count)) return 0;
    return count;
}
#endif

// Times on the boot's monotonic clock, 1 ms apart: the batches carry a time base the peer checks.
constexpr std::uint64_t first_time_us = 1'000'000;
constexpr std::uint32_t period_us = 1000;

bool init_store(std::uint32_t boot) {
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_STM32);
    cfg.max_sensors = app::sensors;
#if SS_UPLINK_FLASH
    if (ss::stm32::use_flash_tier(log_region, tier_memory.memory()) != 0) {
        host_write("use_flash_tier refused\n");
        return false;
    }
    cfg.ram_sector_bytes = sector_bytes;
    cfg.ram_pool_bytes = std::size_t{pool_sectors} * sector_bytes;
    ss::stm32::configure_flash_tier(cfg);
    std::size_t need = 0;
    if (ss_arena_bytes(&cfg, &need) != 0 || need > sizeof store_arena) {
        host_write("the arena is too small for the pool or the configuration is refused\n");
        figure("arena bytes needed", need);
        return false;
    }
    figure("arena bytes needed", need);
#endif
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
#if SS_UPLINK_FLASH
    // A blank chip (nothing retained, nothing ever numbered) gets the run's records; any later
    // boot adds nothing: the tier recovered what was not acknowledged, and adding again would
    // send records the receiver already has under new numbers.
    bool blank = true;
    for (std::uint32_t sensor = 0; sensor < app::sensors; ++sensor) {
        SensorStore* store = nullptr;
        if (ss_sensor_init(sensor, SENSOR_TS, &store) != 0 || ss_sensor_set_sample_period(store, period_us) != 0)
            return false;
        app::sensor_store[sensor] = store;
        SsSensorStats s{};
        ss_get_sensor_stats(store, &s);
        found_head[sensor] = s.head_seq;
        found_retained[sensor] = s.retained;
        // The tier serves again from the acknowledged boundary: nothing is pending at mount, so
        // the window (empty at boot) and the store agree from the first tick.
        expect_eq("records pending at boot", 0, s.pending);
        if (s.retained != 0 || s.next_seq != 0) blank = false;
    }
    for (std::uint32_t sensor = 0; blank && sensor < app::sensors; ++sensor) {
        SensorStore* store = app::sensor_store[sensor];
#else
    for (std::uint32_t sensor = 0; sensor < app::sensors; ++sensor) {
        SensorStore* store = nullptr;
        if (ss_sensor_init(sensor, SENSOR_TS, &store) != 0 || ss_sensor_set_sample_period(store, period_us) != 0)
            return false;
        app::sensor_store[sensor] = store;
#endif
        for (std::uint32_t seq = 0; seq < app::records_per_sensor; ++seq) values[seq] = app::record_value(sensor, seq);
        std::uint32_t stored = 0;
        ss_ts_add_many_at(store, values, app::records_per_sensor, first_time_us, &stored);
        expect_eq("records stored before the run", app::records_per_sensor, stored);
#if SS_UPLINK_FLASH
        records_added += stored;
        ss_sensor_flush(store); // sealed and handed to the tier at the next tick
#endif
    }
#if SS_UPLINK_FLASH
    // Durable before any is sent: the tier hands out only synced records, and a reset from here
    // on finds every record on the chip.
    bool durable = false;
    for (std::uint32_t t = 0; t < 1000 && !durable; ++t) {
        app::manager_tick();
        durable = true;
        for (std::uint32_t sensor = 0; sensor < app::sensors; ++sensor) {
            std::uint64_t end = 0;
            ss_get_durable_end(app::sensor_store[sensor], &end);
            durable = durable && end >= app::records_per_sensor;
        }
    }
    expect_true("every record durable before the uplink starts", durable);
    figure("boot: records added", records_added);
    for (std::uint32_t sensor = 0; sensor < app::sensors; ++sensor) {
        std::uint64_t end = 0;
        ss_get_durable_end(app::sensor_store[sensor], &end);
        // One line per sensor, "boot sensor K: found=R head=H durable_end=D" (R records retained
        // at mount from seq H, before any add), for the harness.
        char line[96];
        char* p = line;
        auto put = [&p](const char* t) { while (*t != '\0') *p++ = *t++; };
        auto num = [&p](std::uint64_t v) {
            char d[21];
            int n = 0;
            do d[n++] = static_cast<char>('0' + v % 10); while ((v /= 10) != 0);
            while (n > 0) *p++ = d[--n];
        };
        put("boot sensor ");
        num(sensor);
        put(": found=");
        num(found_retained[sensor]);
        put(" head=");
        num(found_head[sensor]);
        put(" durable_end=");
        num(end);
        put("\n");
        *p = '\0';
        host_write(line);
    }
#endif
    return true;
}

void check_store() {
    for (std::uint32_t sensor = 0; sensor < app::sensors; ++sensor) {
        SsSensorStats s{};
        expect_eq("ss_get_sensor_stats", 0, static_cast<std::uint32_t>(-ss_get_sensor_stats(app::sensor_store[sensor], &s)));
#if SS_UPLINK_FLASH
        // A later boot erases only what an earlier one left: from where this boot found the
        // head to the end, and nothing was numbered past the first boot's records.
        expect_eq("  erased this boot = what the boot found", app::records_per_sensor - found_head[sensor], s.erased);
        expect_eq("  erased by the uplink task's acknowledgements", app::records_per_sensor - found_head[sensor],
                  app::uplink_figures().records_erased[sensor]);
        // Found at mount plus added at this boot: every record from the head to the end.
        expect_eq("  found + added at boot = from the head to the end", app::records_per_sensor - found_head[sensor],
                  found_retained[sensor] + (records_added == 0 ? 0 : app::records_per_sensor));
        expect_eq("  numbered (nothing added after the first boot)", app::records_per_sensor, s.next_seq);
        std::uint64_t end = 0;
        ss_get_durable_end(app::sensor_store[sensor], &end);
        expect_eq("  durable end after the shutdown flush (every erasure on the chip)", app::records_per_sensor, end);
#else
        expect_eq("  erased = stored (every record acknowledged)", app::records_per_sensor, s.erased);
        expect_eq("  erased by the uplink task's acknowledgements", app::records_per_sensor,
                  app::uplink_figures().records_erased[sensor]);
#endif
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
#if SS_UPLINK_FLASH
    host_write("uplink firmware (flash): store on a NOR file -> compact batches -> LinkSender -> erase on ACK\n");
    const std::uint32_t session = open_flash_and_count_boot();
    figure("session (boot counter in the chip's settings)", session);
    expect_true("the chip opened and the boot counter saved", session != 0);
    if (session == 0) return ss::stm32::test::finish("uplink firmware");
#else
    const std::uint32_t session = app::next_boot_session();
    host_write("uplink firmware: store -> compact batches -> LinkSender over USART2 -> erase on ACK\n");
    figure("session (boot counter in .noinit)", session);
#endif
    if (!init_store(session)) return ss::stm32::test::finish("uplink firmware");
    expect_true("LinkSender made with the static window", app::start_uplink(session));
    expect_true("add: uplink at priority 1", app::scheduler.add(app::uplink_task, 1));
    ss::stm32::set_systick_hook(app::on_tick);
    ss::stm32::start_systick(app::cpu_hz);
    app::scheduler.run();
    ss::stm32::set_systick_hook(nullptr);
#if SS_UPLINK_FLASH
    // The power-fail notice's flush: every erasure on the chip, so that a boot after this one
    // finds nothing to send.
    ss_set_shutdown(true);
    bool flushed = false;
    for (int t = 0; t < 100 && !flushed; ++t) {
        app::manager_tick();
        flushed = ss_shutdown_complete();
    }
    expect_true("the shutdown flush completes", flushed);
    expect_eq("programs that would set a bit (NOR rule)", 0, device.violations());
    figure("device programs", device.programs());
    figure("device erases", device.erases());
#endif
    report_link();
    check_store();
    ss_deinit_system();
    return ss::stm32::test::finish("uplink firmware");
}
