// Several destinations over the disk tier (ss/destination_fanout.hpp over a StorageHost): with
// one destination dead, the RAM pool spills and the disk quota drops the dead one's backlog,
// while the live one, reading as records come, loses nothing; the dead one, back, counts what it
// never got as dropped; after a clean stop and a restart each destination goes on from its own
// acknowledged cursor.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ss/actors/storage_host.hpp"
#include "ss/destination_fanout.hpp"
#include "ss/sensor_storage.h"

namespace {

constexpr std::uint32_t live = 0, dead = 1;

void silent(void*, int, const char*) {}

struct Gateway {
    explicit Gateway(const std::string& root) {
        ss_config_defaults(&cfg, SS_TARGET_LINUX);
        cfg.max_sensors = 2;
        cfg.ram_sector_bytes = 256;
        cfg.ram_pool_bytes = 32 * 256;
        cfg.disk_sector_bytes = 4096;
        cfg.disk_quota_per_sensor_bytes = 8 * 4096; // ~7 000 records a sensor
        cfg.ram_high_watermark_pct = 25;
        cfg.ram_low_watermark_pct = 10;
        cfg.force_seal_interval_ms = 0;
        cfg.disk_root = root.c_str();
        cfg.log = silent;
        ss::Text why;
        auto h = ss::actors::StorageHost::open(cfg, why);
        REQUIRE_MESSAGE(h, why.c_str());
        host = std::move(*h);
        for (std::uint32_t id : {7u, 8u}) {
            auto s = engine().register_sensor(SS_SOURCE_APP, id, ss::RecordType::ts, why);
            REQUIRE(s);
            stores.push_back(*s);
        }
        cursors.resize(ss::DestinationFanout::cursors_needed(2, 2));
        scratch.resize(256 * ss::sector::evt_record_bytes);
        REQUIRE(fanout.init(engine(), 2, 2, cursors.data(), cursors.size(), scratch.data(), scratch.size(),
                            ss::port::LockOps{}, nullptr));
    }
    ~Gateway() { fanout.deinit(); }
    ss::Engine& engine() { return host->engine(); }
    SsSensorStats stats(std::uint32_t i) {
        SsSensorStats st{};
        engine().stats(*stores[i], st);
        return st;
    }
    void add(std::uint32_t i, std::uint32_t n) {
        for (std::uint32_t k = 0; k < n; ++k) {
            const std::uint64_t seq = stores[i]->next_seq(engine().context());
            const auto v = static_cast<std::uint32_t>(seq * 7 + i);
            (void)stores[i]->add(engine().context(), &v);
        }
    }
    /// Reads everything there is for destination d and acknowledges it; returns the records.
    /// Every record must carry its own value.
    std::uint64_t drain(std::uint32_t d, std::uint32_t i) {
        std::uint64_t got = 0;
        std::vector<std::uint32_t> out(256);
        for (;;) {
            auto b = fanout.read(d, *stores[i], out.data(), 256);
            if (!b) {
                REQUIRE(b.error() == ss::Errc::try_again);
                return got;
            }
            for (std::uint32_t k = 0; k < b->count; ++k)
                REQUIRE(out[k] == static_cast<std::uint32_t>((b->first_seq + k) * 7 + i));
            got += b->count;
            REQUIRE(fanout.acknowledge(d, *stores[i], b->first_seq + b->count));
        }
    }
    void tick() { engine().tick(now_ms += 50); }

    SsInitCfg cfg{};
    std::unique_ptr<ss::actors::StorageHost> host;
    std::vector<ss::SensorStore*> stores;
    std::vector<ss::DestinationCursor> cursors;
    std::vector<std::byte> scratch;
    ss::DestinationFanout fanout;
    std::uint64_t now_ms = 1'000;
};

} // namespace

TEST_CASE("over the disk tier: the quota drops a dead destination's backlog, the live one loses nothing, and each "
          "goes on from its own cursor after a restart") {
    char tmpl[] = "/tmp/ss-fanout-disk-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    const std::string root = std::string(tmpl) + "/data";
    std::uint64_t live_acked[2] = {}, dead_acked[2] = {};
    {
        Gateway g(root);
        std::uint64_t live_got[2] = {};
        for (int round = 0; round < 400; ++round) {
            for (std::uint32_t i = 0; i < 2; ++i) {
                g.add(i, 100);
                live_got[i] += g.drain(live, i);
            }
            g.tick();
        }
        std::uint64_t quota_drops = 0;
        for (std::uint32_t i = 0; i < 2; ++i) {
            const SsSensorStats st = g.stats(i);
            quota_drops += st.dropped_quota;
            CAPTURE(i);
            // The live destination got every record, without a gap.
            CHECK(live_got[i] == st.next_seq);
            CHECK(g.fanout.cursor(live, *g.stores[i]).dropped == 0);
            // The dead one's backlog is what the store keeps, and the quota bounds it.
            CHECK(st.retained < st.next_seq);
            CHECK(st.dropped_new == 0);
        }
        MESSAGE("records the disk quota dropped from the dead destination's backlog: " << quota_drops);
        CHECK(quota_drops > 0);
        // The dead destination comes back: it reads what is left and counts the rest as dropped.
        for (std::uint32_t i = 0; i < 2; ++i) {
            const std::uint64_t got = g.drain(dead, i);
            const ss::DestinationCursor c = g.fanout.cursor(dead, *g.stores[i]);
            CHECK(c.dropped > 0);
            CHECK(got + c.dropped == g.stats(i).next_seq);
            // Both acknowledged everything: the store holds nothing.
            CHECK(g.stats(i).retained == 0);
        }
        // New records only the live destination reads before the stop.
        for (std::uint32_t i = 0; i < 2; ++i) {
            g.add(i, 300);
            g.drain(live, i);
            live_acked[i] = g.fanout.cursor(live, *g.stores[i]).acked_seq;
            dead_acked[i] = g.fanout.cursor(dead, *g.stores[i]).acked_seq;
            CHECK(live_acked[i] == dead_acked[i] + 300);
        }
        g.engine().set_shutdown(true);
        for (int k = 0; k < 100 && !g.engine().flushed(); ++k) g.tick();
        REQUIRE(g.engine().flushed());
    }
    {
        // The restart: each destination placed at its persisted cursor.
        Gateway g(root);
        for (std::uint32_t i = 0; i < 2; ++i) {
            g.fanout.restore(live, *g.stores[i], live_acked[i]);
            g.fanout.restore(dead, *g.stores[i], dead_acked[i]);
            CHECK(g.drain(live, i) == 0); // nothing re-sent to the live destination
            CHECK(g.drain(dead, i) == 300); // the dead one gets exactly what it missed
            CHECK(g.stats(i).retained == 0);
        }
    }
    std::filesystem::remove_all(tmpl);
}
