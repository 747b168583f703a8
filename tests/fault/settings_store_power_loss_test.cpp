// Power loss while settings are saved (ss/settings_store.hpp): the power is cut at every program
// and erase of a save, the cut operation left not done, done or torn; after power-on a load must
// find exactly the previous copy or exactly the new one — never a mix, never nothing once a copy
// existed — and a save that returned success must be what the next load finds.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ss/settings_store.hpp"
#include "support/emulated_block_device.hpp"

using namespace ss;
using namespace ss::test;

namespace {

std::vector<std::uint8_t> blob(std::uint32_t bytes, std::uint32_t seed) {
    std::vector<std::uint8_t> b(bytes);
    for (std::uint32_t i = 0; i < bytes; ++i) b[i] = static_cast<std::uint8_t>((i + 1) * (seed * 2 + 1) ^ (i >> 3));
    return b;
}

std::vector<std::uint8_t> loaded(SettingsStore& s, bool& found) {
    std::vector<std::uint8_t> out(s.capacity());
    auto r = s.load(out.data(), s.capacity());
    REQUIRE(r.has_value());
    found = r->found;
    out.resize(r->found ? r->bytes : 0);
    return out;
}

struct Setup {
    const char* name;
    BlockGeometry geometry;
    bool lose_unsynced;
};

} // namespace

TEST_CASE("a power cut at any program or erase of a save leaves the old copy or the new one, whole") {
    const Setup setups[] = {
        {"NOR, 1-block slots", EmulatedBlockDevice::nor(2), false},
        {"NOR, 2-block slots", EmulatedBlockDevice::nor(4), false},
        {"SD with a write cache, 2-block slots", EmulatedBlockDevice::sd(4), true},
    };
    const Cut cuts[] = {Cut::not_done, Cut::done, Cut::torn};
    std::uint64_t runs = 0;
    for (const Setup& setup : setups) {
        // Saves of 1..3 pages and of a whole slot, over a blank device (nothing before) and over
        // one, two and three earlier saves (so both slots are in play).
        for (std::uint32_t earlier = 0; earlier <= 3; ++earlier) {
            for (std::uint32_t size : {10u, 300u, 700u, 0u}) {
                // Count the operations of this save on an uncut device first.
                std::uint64_t ops = 0;
                {
                    EmulatedBlockDevice dev(setup.geometry, setup.lose_unsynced);
                    std::vector<std::byte> page(setup.geometry.program_bytes);
                    SettingsStore s(dev, 3, page.data());
                    const std::uint32_t bytes = size == 0 ? s.capacity() : size;
                    for (std::uint32_t e = 0; e < earlier; ++e) REQUIRE(s.save(blob(bytes, e).data(), bytes).has_value());
                    const auto before = dev.operations();
                    REQUIRE(s.save(blob(bytes, 99).data(), bytes).has_value());
                    ops = dev.operations() - before;
                }
                for (std::uint64_t at = 0; at < ops; ++at) {
                    for (Cut how : cuts) {
                        CAPTURE(setup.name);
                        CAPTURE(earlier);
                        CAPTURE(size);
                        CAPTURE(at);
                        CAPTURE(static_cast<int>(how));
                        EmulatedBlockDevice dev(setup.geometry, setup.lose_unsynced);
                        std::vector<std::byte> page(setup.geometry.program_bytes);
                        SettingsStore s(dev, 3, page.data());
                        const std::uint32_t bytes = size == 0 ? s.capacity() : size;
                        for (std::uint32_t e = 0; e < earlier; ++e) REQUIRE(s.save(blob(bytes, e).data(), bytes).has_value());
                        dev.arm_cut(at, how, at * 3 + static_cast<std::uint64_t>(how) + 1);
                        const auto saved = s.save(blob(bytes, 99).data(), bytes);
                        CHECK_FALSE(saved.has_value()); // the cut fell inside it
                        dev.power_on();
                        SettingsStore after(dev, 3, page.data());
                        bool found = false;
                        const auto got = loaded(after, found);
                        if (earlier == 0) {
                            // Nothing before: nothing or the new copy.
                            if (found) CHECK(got == blob(bytes, 99));
                        } else {
                            REQUIRE(found);
                            const bool old_copy = got == blob(bytes, earlier - 1);
                            const bool new_copy = got == blob(bytes, 99);
                            CHECK((old_copy || new_copy));
                        }
                        // And the store goes on: the next save is what the next load finds.
                        REQUIRE(after.save(blob(bytes, 7).data(), bytes).has_value());
                        SettingsStore later(dev, 3, page.data());
                        CHECK(loaded(later, found) == blob(bytes, 7));
                        CHECK(dev.violations() == 0);
                        ++runs;
                    }
                }
            }
        }
    }
    MESSAGE("power cuts tried: " << runs);
    CHECK(runs > 500);
}
