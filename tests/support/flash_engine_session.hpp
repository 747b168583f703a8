// An engine with the flash cold tier over an emulated block device, as an MCU boot builds them:
// the log mounted, the tier attached before any sensor. A "reset" is a new session over the same
// device; its memory (like the MCU's RAM) starts afresh.
#pragma once

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/flash_cold_tier.hpp"
#include "ss/flash_log.hpp"
#include "support/emulated_block_device.hpp"

namespace ss::test {

struct FlashEngineSession {
    static constexpr std::uint32_t max_sensors = 4;

    /// ram_sectors sectors of sector_bytes in the RAM pool; mounted() false if the log did not mount.
    FlashEngineSession(EmulatedBlockDevice& device, std::uint32_t ram_sectors = 16, std::uint32_t sector_bytes = 256)
        : page(device.geometry().program_bytes), unit(sector_bytes) {
        cfg = default_config(SS_TARGET_STM32);
        cfg.ram_sector_bytes = sector_bytes;
        cfg.max_sensors = max_sensors;
        cfg.ram_pool_bytes = std::size_t{ram_sectors} * sector_bytes;
        cfg.force_seal_interval_ms = 1000;
        // As through the C API: a tier below RAM is asked for with disk_root (the engine then
        // plans its spill order); the flash tier takes it as a name only.
        cfg.disk_root = "flash";
        auto plan = Engine::plan(cfg, locks, why);
        REQUIRE_MESSAGE(plan.has_value(), why.c_str());
        arena.resize(plan->total / 8 + 1);
        REQUIRE_MESSAGE(engine.init(cfg, reinterpret_cast<std::byte*>(arena.data()), arena.size() * 8, locks, why).has_value(),
                        why.c_str());
        log = std::make_unique<FlashLog>(device, FlashLogMemory{streams.data(), max_sensors, page.data()});
        mount_ok = log->mount().has_value();
        tier = std::make_unique<FlashColdTier>(engine, *log, FlashColdTierMemory{sensors.data(), max_sensors, unit.data()});
        engine.attach_cold_tier(tier.get());
    }
    ~FlashEngineSession() { engine.deinit(); }
    FlashEngineSession(const FlashEngineSession&) = delete;
    FlashEngineSession& operator=(const FlashEngineSession&) = delete;

    SensorStore& reg(std::uint32_t id) {
        auto s = engine.register_sensor(SS_SOURCE_HOST, id, RecordType::ts, why);
        REQUIRE_MESSAGE(s.has_value(), why.c_str());
        return **s;
    }
    /// Adds records numbered as the store numbers them, each holding its own sequence number.
    std::uint32_t add(SensorStore& s, std::uint32_t n) {
        std::uint32_t ok = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            SsSensorStats st = stats(s);
            const auto v = static_cast<std::uint32_t>(st.next_seq);
            ok += s.add(engine.context(), &v).has_value();
        }
        return ok;
    }
    /// Adds n records in runs of `run`, a tick after each (a writer and its manager at work).
    std::uint32_t feed(SensorStore& s, std::uint32_t n, std::uint32_t run = 40) {
        std::uint32_t ok = 0;
        for (std::uint32_t done = 0; done < n; done += run) {
            ok += add(s, n - done < run ? n - done : run);
            tick();
        }
        return ok;
    }
    /// A manager tick a second after the last: seals, spills, syncs.
    void tick() {
        now_ms += 1000;
        engine.tick(now_ms);
    }
    SsSensorStats stats(const SensorStore& s) {
        SsSensorStats st;
        engine.stats(s, st);
        return st;
    }

    port::LockOps locks{};
    SsInitCfg cfg{};
    Text why;
    std::vector<std::uint64_t> arena;
    Engine engine;
    std::array<FlashStream, max_sensors> streams{};
    std::vector<std::byte> page;
    std::vector<std::byte> unit;
    std::array<FlashColdSensor, max_sensors> sensors{};
    std::unique_ptr<FlashLog> log;
    std::unique_ptr<FlashColdTier> tier;
    bool mount_ok = false;
    std::uint64_t now_ms = 0;
};

} // namespace ss::test
