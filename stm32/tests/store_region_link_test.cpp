// Both sides of the STORE region's limit (stm32f405.ld: 32 KiB). Built with SS_TEST_SECTORS, the
// pool's sectors of 256 B for 100 sensors and the port's shared interrupt-mask lock: with the
// largest count that fits, the image links and the store works in it (a firmware test); with one
// more, the link must fail with "region `STORE' overflowed" (a ctest that builds that image and
// expects the message). So the 32 KiB budget is enforced by the toolchain, not by hope.
#include <cstddef>
#include <cstdint>

#include "semihosting.hpp"
#include "ss/sensor_storage.h"
#include "ss_stm32_port.h"

namespace {

constexpr std::uint32_t sensors = 100;
constexpr std::uint32_t sector_bytes = 256;
constexpr std::size_t pool_bytes = std::size_t{SS_TEST_SECTORS} * sector_bytes;

alignas(8) __attribute__((section(".store"))) std::byte store_arena[SS_STM32_ARENA_BYTES(sensors, pool_bytes, sector_bytes)];

} // namespace

int main() {
    using ss::stm32::host_write;
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_STM32);
    cfg.ram_pool_bytes = pool_bytes;
    cfg.arena = store_arena;
    cfg.arena_bytes = sizeof store_arena;
    if (ss_init_system(&cfg) != 0) {
        host_write("FAIL ss_init_system: ");
        host_write(ss_last_error());
        host_write("\n");
        return 1;
    }
    for (std::uint32_t id = 0; id < sensors; ++id) {
        SensorStore* s = nullptr;
        if (ss_sensor_init(id, SENSOR_TS, &s) != 0 || ss_ts_add(s, id) != 0) {
            host_write("FAIL registering and writing 100 sensors\n");
            return 1;
        }
    }
    host_write("ok   100 sensors in a ");
    ss::stm32::host_write_u64(sizeof store_arena);
    host_write("-byte arena in the STORE region (");
    ss::stm32::host_write_u64(SS_TEST_SECTORS);
    host_write(" sectors of 256 B)\n");
    return 0;
}
