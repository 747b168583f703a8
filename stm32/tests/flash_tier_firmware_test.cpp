// The flash cold tier on the MCU, under QEMU (netduinoplus2): the engine with the core built for
// a tier below RAM (ss_core_cold_tier), 100 sensors in the STORE region's arena, the tier over a
// block device kept in plain SRAM (8 blocks of 8 KiB). Writers fill the RAM pool, the manager's
// ticks spill sealed sectors to flash, an uploader consumes and acknowledges what is durable; a
// shutdown flush, then a reset (a new engine, log and tier over the same device, their RAM
// cleared) must serve every record not yet acknowledged, so that each is read back exactly once.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "firmware_check.hpp"
#include "ram_block_device.hpp"
#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/flash_cold_tier.hpp"
#include "ss/flash_log.hpp"
#include "ss/port.hpp"
#include "ss/text.hpp"

namespace {

using ss::stm32::test::check;
using ss::stm32::test::expect_eq;
using ss::stm32::test::figure;

constexpr std::uint32_t sensors = 100;
constexpr std::uint32_t sector_bytes = 224; // one 256-byte page with the unit header
constexpr std::uint32_t pool_sectors = 116;
constexpr std::uint32_t records_per_sector = (sector_bytes - 32) / 4;
constexpr std::uint32_t rounds = 40;
constexpr std::uint32_t adds_per_round = 5;
constexpr ss::BlockGeometry geometry{1, 256, 8192, 8, 0xFF};

alignas(8) __attribute__((section(".store"))) std::byte arena[32 * 1024 - 256];
alignas(8) std::byte flash_memory[std::size_t{8192} * 8];
ss::stm32::test::RamBlockDevice device{flash_memory, geometry};
// The tier's RAM, built at every boot (a reset leaves RAM undefined): raw storage, so that no
// initial image of it is kept in flash (.data). Not the CCM: QEMU's netduinoplus2 lacks it.
alignas(ss::FlashStream) std::byte stream_storage[sizeof(ss::FlashStream) * sensors];
alignas(ss::FlashColdSensor) std::byte tier_sensor_storage[sizeof(ss::FlashColdSensor) * sensors];
ss::FlashStream* const streams = reinterpret_cast<ss::FlashStream*>(stream_storage);
ss::FlashColdSensor* const tier_sensors = reinterpret_cast<ss::FlashColdSensor*>(tier_sensor_storage);
std::byte page[256];
std::byte unit[sector_bytes];
alignas(ss::Engine) std::byte engine_storage[sizeof(ss::Engine)];
alignas(ss::FlashLog) std::byte log_storage[sizeof(ss::FlashLog)];
alignas(ss::FlashColdTier) std::byte tier_storage[sizeof(ss::FlashColdTier)];

std::uint32_t written[sensors];   // records added to each sensor (each holds its own number)
std::uint32_t read_back[sensors]; // the next record each sensor must serve
std::uint64_t now_ms = 0;

struct Boot {
    ss::Engine* engine = nullptr;
    ss::FlashLog* log = nullptr;
    ss::FlashColdTier* tier = nullptr;
    ss::SensorStore* stores[sensors] = {};
};

bool boot(Boot& b, ss::Text& why) {
    for (std::uint32_t i = 0; i < sensors; ++i) {
        std::construct_at(&streams[i]);
        std::construct_at(&tier_sensors[i]);
    }
    b.log = std::construct_at(reinterpret_cast<ss::FlashLog*>(log_storage), device,
                              ss::FlashLogMemory{streams, sensors, page});
    if (!b.log->mount()) {
        why << "the flash log did not mount";
        return false;
    }
    SsInitCfg cfg = ss::default_config(SS_TARGET_STM32);
    cfg.ram_sector_bytes = sector_bytes;
    cfg.ram_pool_bytes = std::size_t{pool_sectors} * sector_bytes;
    cfg.disk_root = "flash"; // a tier below RAM: the engine plans its spill order
    // The Linux disk tier's unit size, checked whenever disk_root is set (a multiple of 4096
    // and of the RAM sector); the flash tier does not use it.
    cfg.disk_sector_bytes = 7 * 4096;
    const ss::port::LockOps& locks = ss::port::platform().lock;
    auto plan = ss::Engine::plan(cfg, locks, why);
    if (!plan) return false;
    if (plan->total > sizeof arena) {
        why << "the arena needs " << static_cast<std::uint64_t>(plan->total) << " B";
        return false;
    }
    b.engine = std::construct_at(reinterpret_cast<ss::Engine*>(engine_storage));
    if (!b.engine->init(cfg, arena, sizeof arena, locks, why)) return false;
    b.tier = std::construct_at(reinterpret_cast<ss::FlashColdTier*>(tier_storage), *b.engine, *b.log,
                               ss::FlashColdTierMemory{tier_sensors, sensors, unit});
    b.engine->attach_cold_tier(b.tier);
    for (std::uint32_t i = 0; i < sensors; ++i) {
        auto s = b.engine->register_sensor(SS_SOURCE_HOST, i + 1, ss::RecordType::ts, why);
        if (!s) return false;
        b.stores[i] = *s;
    }
    return true;
}

void shut(Boot& b) {
    b.engine->deinit();
    std::destroy_at(b.tier);
    std::destroy_at(b.engine);
    std::destroy_at(b.log);
}

/// Consumes and acknowledges what each sensor may hand out; false on a record out of order.
bool upload(Boot& b, std::uint64_t& records) {
    std::uint32_t out[64];
    for (std::uint32_t i = 0; i < sensors; ++i) {
        for (;;) {
            auto batch = b.engine->consume(*b.stores[i], out, 64);
            if (!batch) break;
            for (std::uint32_t k = 0; k < batch->count; ++k) {
                if (batch->first_seq + k != read_back[i] || out[k] != read_back[i]) return false;
                ++read_back[i];
            }
            records += batch->count;
            if (!b.engine->erase_pending_until(*b.stores[i], batch->first_seq + batch->count)) return false;
        }
    }
    return true;
}

std::uint64_t dropped(Boot& b) {
    std::uint64_t recycled = 0, refused = 0, flash = 0, corrupt = 0;
    for (std::uint32_t i = 0; i < sensors; ++i) {
        SsSensorStats st;
        b.engine->stats(*b.stores[i], st);
        recycled += st.dropped_recycled;
        refused += st.dropped_new;
        flash += st.dropped_quota;
        corrupt += st.dropped_corrupt;
    }
    figure("dropped in RAM (recycled)", recycled);
    figure("dropped in RAM (refused)", refused);
    figure("dropped in flash (full)", flash);
    return recycled + refused + flash + corrupt;
}

} // namespace

int main() {
    ss::Text why;
    std::memset(flash_memory, 0xFF, sizeof flash_memory); // a new chip: erased
    Boot first;
    const bool booted = boot(first, why);
    check(booted, "boot over a blank device: the log formats it, 100 sensors register");
    if (!booted) {
        ss::stm32::host_write(why.c_str());
        return ss::stm32::test::finish("flash tier firmware test");
    }
    std::uint64_t served = 0;
    bool in_order = true;
    std::uint64_t spilled_before_shutdown = 0;
    // Round 0 staggers the sensors through their sectors, as sensors at different rates would
    // be: were they in step, all 100 would want a new sector in the same round.
    for (std::uint32_t round = 0; round < rounds; ++round) {
        for (std::uint32_t i = 0; i < sensors; ++i) {
            const std::uint32_t adds = round == 0 ? i * records_per_sector / sensors : adds_per_round;
            for (std::uint32_t k = 0; k < adds; ++k) {
                const std::uint32_t v = written[i];
                if (first.stores[i]->add(first.engine->context(), &v)) ++written[i];
            }
        }
        first.engine->tick(now_ms += 1000);
        if (round % 4 == 3) in_order = upload(first, served) && in_order;
    }
    spilled_before_shutdown = first.log->stats().units_appended;
    check(spilled_before_shutdown > 0, "the full RAM pool spilled sealed sectors to flash");
    check(served > 0, "the uploader got records from flash before the reset");
    first.engine->set_shutdown(true); // the power-fail notice
    first.engine->tick(now_ms += 1000);
    check(first.engine->flushed(), "the shutdown flush left nothing only in RAM");
    expect_eq("records dropped", 0, dropped(first));
    figure("units appended", first.log->stats().units_appended);
    figure("records served before the reset", served);
    figure("RAM sectors free at the fewest", first.engine->pool().free_min());
    shut(first);

    Boot second;
    check(boot(second, why), "reset: the log mounts what the device holds, the sensors register again");
    bool numbering = true;
    for (std::uint32_t i = 0; i < sensors; ++i) {
        SsSensorStats st;
        second.engine->stats(*second.stores[i], st);
        numbering = numbering && st.next_seq == written[i];
    }
    check(numbering, "every sensor continues its numbering where it stopped");
    const std::uint64_t before = served;
    in_order = upload(second, served) && in_order;
    check(in_order, "every record came back in order, none twice");
    bool all = true;
    std::uint64_t total = 0;
    for (std::uint32_t i = 0; i < sensors; ++i) {
        all = all && read_back[i] == written[i];
        total += written[i];
    }
    check(all, "every record was read back once");
    expect_eq("records read back in all", total, served);
    figure("records served after the reset", served - before);
    expect_eq("programs onto bytes not erased", 0, device.violations());
    shut(second);
    return ss::stm32::test::finish("flash tier firmware test");
}
