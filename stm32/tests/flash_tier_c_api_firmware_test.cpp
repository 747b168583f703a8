// The port's flash tier through the C API (ports/arm-cm4/flash_tier.hpp), its edges: refused
// without a device, refused (and left untouched) on a device that is neither blank nor a flash
// log, formatted when blank, mounted again without formatting after ss_deinit_system, and driven
// by ss_manager_tick_at and the shutdown flush, over a block device in SRAM.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "firmware_check.hpp"
#include "flash_tier.hpp"
#include "ram_block_device.hpp"
#include "ss/sensor_storage.h"

namespace {

using ss::stm32::test::check;
using ss::stm32::test::expect_eq;

constexpr std::uint32_t sensors = 4;
constexpr std::uint32_t sector_bytes = 224;
constexpr ss::BlockGeometry geometry{1, 256, 4096, 8, 0xFF};

alignas(8) std::byte flash_memory[std::size_t{4096} * 8];
ss::stm32::test::RamBlockDevice device{flash_memory, geometry};
ss::stm32::FlashTierStorage<sensors, 256, sector_bytes> tier_memory;
alignas(8) std::byte arena[6 * 1024];

SsInitCfg config() noexcept {
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_STM32);
    cfg.max_sensors = sensors;
    cfg.ram_sector_bytes = sector_bytes;
    cfg.ram_pool_bytes = std::size_t{12} * sector_bytes;
    ss::stm32::configure_flash_tier(cfg);
    cfg.arena = arena;
    cfg.arena_bytes = sizeof arena;
    return cfg;
}

bool contains(const char* text, const char* part) noexcept { return std::strstr(text, part) != nullptr; }

} // namespace

int main() {
    SsInitCfg cfg = config();
    std::size_t need = 0;
    check(ss_arena_bytes(&cfg, &need) == 0 && need <= sizeof arena, "the arena holds the configuration");
    expect_eq("configure_flash_tier: a unit size init accepts (lcm of 4096 and 224)", 28672, cfg.disk_sector_bytes);

    // No device handed over: refused, with the reason.
    expect_eq("ss_init_system without a device: -EINVAL", static_cast<std::uint64_t>(-EINVAL),
              static_cast<std::uint64_t>(ss_init_system(&cfg)));
    check(contains(ss_last_error(), "use_flash_tier"), "ss_last_error says to call use_flash_tier");

    check(ss::stm32::use_flash_tier(device, ss::stm32::FlashTierMemory{}) == -EINVAL,
          "use_flash_tier refuses memory with null parts");

    // A device holding something that is not a flash log: refused and left as it was.
    std::memset(flash_memory, 0xFF, sizeof flash_memory);
    std::memset(flash_memory + 4096 + 100, 0x5A, 64);
    check(ss::stm32::use_flash_tier(device, tier_memory.memory()) == 0, "use_flash_tier takes a device");
    expect_eq("ss_init_system over a foreign device: -EIO", static_cast<std::uint64_t>(-EIO),
              static_cast<std::uint64_t>(ss_init_system(&cfg)));
    check(contains(ss_last_error(), "never formatted"), "ss_last_error says it is never formatted implicitly");
    bool untouched = flash_memory[4096 + 100] == std::byte{0x5A} && flash_memory[0] == std::byte{0xFF};
    check(untouched, "the foreign device is left as it was");

    // Too few sensor slots for max_sensors: refused.
    SsInitCfg wide = cfg;
    wide.max_sensors = sensors + 1;
    expect_eq("ss_init_system with more sensors than the tier's memory: -EINVAL",
              static_cast<std::uint64_t>(-EINVAL), static_cast<std::uint64_t>(ss_init_system(&wide)));

    // A blank device: formatted, records spill and survive ss_deinit_system / ss_init_system.
    std::memset(flash_memory, 0xFF, sizeof flash_memory);
    check(ss_init_system(&cfg) == 0, "ss_init_system over a blank device");
    check(ss::stm32::flash_log() != nullptr && ss::stm32::flash_log()->stats().formatted, "the blank device was formatted");
    check(ss::stm32::use_flash_tier(device, tier_memory.memory()) == -EINVAL,
          "use_flash_tier refuses while the tier runs");
    SensorStore* s = nullptr;
    check(ss_sensor_init(7, SENSOR_TS, &s) == 0, "ss_sensor_init");
    // 300 records: 6 full sectors and part of a 7th, within the RAM the pool leaves this sensor
    // (the other three slots keep a sector each), so that nothing is recycled before the tick.
    constexpr std::uint32_t records = 300;
    for (std::uint32_t v = 0; v < records; ++v) ss_ts_add(s, v * 3 + 1);
    std::uint64_t now = 0;
    ss_manager_tick_at(now += 100);
    std::uint64_t durable = 0;
    ss_get_durable_end(s, &durable);
    check(durable > 0 && durable < records, "a tick spills and syncs the full sectors: durable, the open one not");
    ss_set_shutdown(true);
    for (int t = 0; t < 10 && !ss_shutdown_complete(); ++t) ss_manager_tick_at(now += 100);
    check(ss_shutdown_complete(), "the shutdown flush completes");
    ss_get_durable_end(s, &durable);
    expect_eq("after the flush every record is durable", records, durable);
    SsSensorStats before;
    ss_get_sensor_stats(s, &before);
    expect_eq("records dropped in RAM", 0, before.dropped_recycled + before.dropped_new);
    check(before.disk_records == records, "every record is in the flash tier");
    check(ss_deinit_system() == 0 && ss::stm32::flash_tier() == nullptr, "ss_deinit_system ends the tier");

    check(ss::stm32::use_flash_tier(device, tier_memory.memory()) == 0, "use_flash_tier again after deinit");
    check(ss_init_system(&cfg) == 0, "ss_init_system over the same device");
    check(!ss::stm32::flash_log()->stats().formatted, "it mounted without formatting");
    check(ss_sensor_init(7, SENSOR_TS, &s) == 0, "the sensor registers again");
    SsSensorStats st;
    ss_get_sensor_stats(s, &st);
    expect_eq("numbering resumes after the last record", records, st.next_seq);
    std::uint32_t out[64];
    std::uint64_t expect = 0;
    bool values = true;
    for (;;) {
        std::uint32_t n = 0;
        std::uint64_t first = 0;
        if (ss_consume_batch_ex(s, out, 64, &n, &first) != 0) break;
        values = values && first == expect;
        for (std::uint32_t k = 0; k < n; ++k) values = values && out[k] == (first + k) * 3 + 1;
        expect = first + n;
        ss_erase_pending_until(s, expect);
    }
    check(values, "every record comes back in order with its value");
    expect_eq("records read back", records, expect);
    expect_eq("programs onto bytes not erased", 0, device.violations());
    ss::stm32::test::figure("the tier's static memory for 4 sensors, B", decltype(tier_memory)::bytes());
    ss::stm32::test::figure("the same for 100 sensors, B", ss::stm32::FlashTierStorage<100, 256, 224>::bytes());
    check(ss_deinit_system() == 0, "ss_deinit_system");
    return ss::stm32::test::finish("flash tier C API firmware test");
}
