// An engine with a disk tier over a given file system (the fault file system, as a rule), as a
// process holds them: planned and initialised in its own arena, the tier opened and attached.
// Its end is a crash (no shutdown flush): only what the ticks made durable is left, and
// FaultFileSystem::crash() then keeps only what was synced. Tests derive from it and register
// their sensors.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "posix/disk/disk_tier.hpp"
#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/port.hpp"

namespace ss::test {

struct DiskEngineSession {
    SsInitCfg cfg;
    ss::Text why;
    std::vector<std::uint64_t> arena;
    ss::Engine engine;
    std::unique_ptr<ss::hal::DiskTier> tier;

    DiskEngineSession(const SsInitCfg& c, ss::hal::FileSystem& fs) : cfg(c) {
        const auto& locks = ss::port::platform().lock;
        auto plan = ss::Engine::plan(cfg, locks, why);
        REQUIRE_MESSAGE(plan.has_value(), why.c_str());
        arena.resize(plan->total / 8 + 1);
        REQUIRE_MESSAGE(engine.init(cfg, reinterpret_cast<std::byte*>(arena.data()), arena.size() * 8, locks, why).has_value(),
                        why.c_str());
        tier = std::make_unique<ss::hal::DiskTier>(cfg, engine, fs, cfg.log, cfg.log_ctx);
        REQUIRE_MESSAGE(tier->open(why).has_value(), why.c_str());
        engine.attach_cold_tier(tier.get());
    }
    ~DiskEngineSession() {
        tier.reset();
        engine.deinit();
    }
    DiskEngineSession(const DiskEngineSession&) = delete;
    DiskEngineSession& operator=(const DiskEngineSession&) = delete;

    /// Registers a TS sensor of the host source.
    ss::SensorStore* register_ts(std::uint32_t id) {
        auto s = engine.register_sensor(SS_SOURCE_HOST, id, ss::RecordType::ts, why);
        REQUIRE_MESSAGE(s.has_value(), why.c_str());
        return *s;
    }
};

} // namespace ss::test
