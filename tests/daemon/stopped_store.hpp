// A daemon's store read back offline once the daemon has stopped: opened with the library, the
// config's sensors registered (the disk tier hands each its recovered data when it is
// registered), every sensor's figures taken, then closed as the daemon closes it — flushed, with
// the shutdown ledger — so a next run numbers on without a reservation gap.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <string>

#include "daemon_accounting.hpp"
#include "ss/actors/storage_host.hpp"
#include "ss/config.hpp"
#include "ss/source_name.hpp"

namespace daemon_test {

/// Sensors ids first .. first + count - 1 of one bus and type, as a config's [sensors] entry has them.
struct SensorGroup {
    SsSource bus;
    std::uint32_t first, count;
    ss::RecordType type;
};

inline std::map<SensorKey, StoreFigures> read_stopped_store(const std::filesystem::path& data, std::uint64_t ram_pool_bytes,
                                                            std::uint32_t max_sensors, std::initializer_list<SensorGroup> groups) {
    SsInitCfg cfg = ss::default_config(SS_TARGET_LINUX);
    cfg.ram_pool_bytes = ram_pool_bytes;
    cfg.max_sensors = max_sensors;
    cfg.log = [](void*, int, const char*) {};
    const std::string root = data.string();
    cfg.disk_root = root.c_str();
    ss::Text why;
    auto host = ss::actors::StorageHost::open(cfg, why);
    REQUIRE_MESSAGE(host, why.c_str());
    ss::Engine& engine = (*host)->engine();
    for (const SensorGroup& g : groups)
        for (std::uint32_t id = g.first; id < g.first + g.count; ++id)
            REQUIRE_MESSAGE(engine.register_sensor(g.bus, id, g.type, why), why.c_str());
    std::map<SensorKey, StoreFigures> out;
    for (std::uint32_t i = 0; i < engine.sensor_count(); ++i) {
        SsSensorStats s{};
        engine.stats(engine.store_at(i), s);
        out[{ss::source_name(s.source), s.sensor_id}] =
            StoreFigures{s.next_seq, s.head_seq, s.retained,
                         s.dropped_new + s.dropped_recycled + s.dropped_corrupt + s.dropped_quota + s.lost_records};
    }
    engine.set_shutdown(true);
    for (std::uint64_t t = 1; t < 1000 && !engine.flushed(); ++t) engine.tick(t * 100);
    engine.tick(100'000);
    return out;
}

} // namespace daemon_test
