// Power cuts under the engine with the flash cold tier: a small workload of two sensors (adds,
// ticks that spill and sync, consumes and acknowledgements) cut at every program and erase of
// the device (not done, done, torn; and with an SD card's cache lost), then a reset: a new
// engine over the same device, which must serve, against a reference model,
//  - nothing acknowledged at a sync that succeeded (at-least-once window: only what was
//    acknowledged since the last good sync may come back),
//  - everything the tier promised durable (below its seq_limit) and not acknowledged,
//  - in order, and numbering above every number handed out before the cut.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "support/emulated_block_device.hpp"
#include "support/flash_engine_session.hpp"

using namespace ss;
using ss::test::Cut;
using ss::test::EmulatedBlockDevice;
using ss::test::FlashEngineSession;

namespace {

constexpr std::uint32_t sensors = 2;

/// What the workload knew before the reset, per sensor.
struct Model {
    std::uint64_t acked_synced = 0;  ///< acknowledged before a sync that succeeded
    std::uint64_t acked = 0;         ///< acknowledged at all
    std::uint64_t promised = 0;      ///< the tier's seq_limit: numbers durable in the log
    std::uint64_t handed_out = 0;    ///< past the highest number consumed
};

std::array<Model, sensors> run_workload(EmulatedBlockDevice& dev) {
    std::array<Model, sensors> m{};
    FlashEngineSession f(dev, 12);
    REQUIRE(f.mount_ok);
    std::array<ss::SensorStore*, sensors> s{&f.reg(1), &f.reg(2)};
    std::vector<std::uint32_t> out(128);
    for (int step = 0; step < 40; ++step) {
        for (std::uint32_t i = 0; i < sensors; ++i) f.add(*s[i], 37 + 11 * i);
        f.tick();
        for (std::uint32_t i = 0; i < sensors; ++i) {
            auto b = f.engine.consume(*s[i], out.data(), 128);
            if (!b) continue;
            for (std::uint32_t k = 0; k < b->count; ++k) REQUIRE(out[k] == b->first_seq + k);
            m[i].handed_out = b->first_seq + b->count;
            // Every third batch stays pending until the next acknowledgement covers it.
            if ((step + i) % 3 != 2 && f.engine.erase_pending_until(*s[i], b->first_seq + b->count))
                m[i].acked = b->first_seq + b->count;
        }
        if (dev.powered() && f.tier->flushed())
            for (std::uint32_t k = 0; k < sensors; ++k) m[k].acked_synced = m[k].acked;
    }
    for (std::uint32_t k = 0; k < sensors; ++k) m[k].promised = f.tier->seq_limit(k);
    CHECK(f.log->stats().dropped_records == 0);
    return m;
}

/// Resets over the device and checks what it serves against the model.
void check_after_reset(EmulatedBlockDevice& dev, const std::array<Model, sensors>& m, const std::string& where) {
    INFO(where);
    dev.disarm();
    dev.power_on();
    FlashEngineSession f(dev, 12);
    REQUIRE(f.mount_ok);
    std::array<ss::SensorStore*, sensors> s{&f.reg(1), &f.reg(2)};
    std::vector<std::uint32_t> out(64);
    for (std::uint32_t i = 0; i < sensors; ++i) {
        INFO("sensor " << i + 1);
        SsSensorStats st = f.stats(*s[i]);
        CHECK(st.next_seq >= m[i].handed_out);
        std::vector<std::uint64_t> seen;
        for (;;) {
            auto b = f.engine.consume(*s[i], out.data(), 64);
            if (!b) break;
            for (std::uint32_t k = 0; k < b->count; ++k) {
                REQUIRE(out[k] == b->first_seq + k);
                seen.push_back(b->first_seq + k);
            }
            REQUIRE(f.engine.erase_pending_until(*s[i], b->first_seq + b->count));
        }
        for (std::size_t k = 1; k < seen.size(); ++k) REQUIRE(seen[k] > seen[k - 1]);
        if (!seen.empty()) CHECK(seen.front() >= m[i].acked_synced);
        // Every promised record not acknowledged is there, without a hole.
        std::uint64_t want = m[i].acked;
        for (const std::uint64_t q : seen) {
            if (q < want) continue;
            if (want >= m[i].promised) break;
            REQUIRE(q == want);
            ++want;
        }
        CHECK(want >= m[i].promised);
    }
    CHECK(dev.violations() == 0);
}

void cut_everywhere(const ss::BlockGeometry& g, bool lose_unsynced) {
    std::uint64_t ops = 0;
    {
        EmulatedBlockDevice dev(g, lose_unsynced);
        const auto m = run_workload(dev);
        ops = dev.operations();
        // The workload wraps the ring and never fills it (a drop would be allowed to lose data).
        CHECK(dev.erases() > g.block_count);
        check_after_reset(dev, m, "no cut");
    }
    CHECK(ops > 20);
    for (const Cut how : {Cut::not_done, Cut::done, Cut::torn}) {
        for (std::uint64_t n = 1; n <= ops; ++n) {
            EmulatedBlockDevice dev(g, lose_unsynced);
            dev.arm_cut(n, how, n);
            const auto m = run_workload(dev);
            check_after_reset(dev, m, "cut at operation " + std::to_string(n) + " (" + std::to_string(static_cast<int>(how)) + ")");
        }
    }
}

} // namespace

TEST_CASE("a power cut at every program and erase under the engine: nothing synced lost, nothing acknowledged and synced back") {
    cut_everywhere(EmulatedBlockDevice::nor(4), false);
}

TEST_CASE("the same with an SD card's write cache lost at the cut") {
    cut_everywhere(EmulatedBlockDevice::sd(3), true);
}
