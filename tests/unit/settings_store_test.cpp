// Settings on flash (ss/settings_store.hpp) and device regions (ss/block_region.hpp): saves
// alternate between two slots, a load takes the newest valid copy, damage costs one copy and is
// counted, a copy that does not read back as written is refused, and bad input touches nothing.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "ss/block_region.hpp"
#include "ss/settings_store.hpp"
#include "support/emulated_block_device.hpp"

using namespace ss;
using namespace ss::test;

namespace {

std::vector<std::uint8_t> blob(std::uint32_t bytes, std::uint32_t seed) {
    std::vector<std::uint8_t> b(bytes);
    for (std::uint32_t i = 0; i < bytes; ++i) b[i] = static_cast<std::uint8_t>(i * 31 + seed * 7 + (i >> 8));
    return b;
}

struct Loaded {
    SettingsLoad info;
    std::vector<std::uint8_t> data;
};

Loaded load(SettingsStore& s, std::uint32_t capacity = 8192) {
    Loaded l;
    l.data.resize(capacity);
    auto r = s.load(l.data.data(), capacity);
    REQUIRE(r.has_value());
    l.info = *r;
    l.data.resize(r->found ? r->bytes : 0);
    return l;
}

// A device that drops one bit of every program it is given: what a worn or stuck cell does.
class StuckBitDevice final : public BlockDevice {
public:
    explicit StuckBitDevice(BlockDevice& inner) : inner_(inner) {}
    const BlockGeometry& geometry() const noexcept override { return inner_.geometry(); }
    Expected<void> read(std::uint32_t b, std::uint32_t o, void* out, std::uint32_t n) noexcept override {
        return inner_.read(b, o, out, n);
    }
    Expected<void> program(std::uint32_t b, std::uint32_t o, const void* data, std::uint32_t n) noexcept override {
        if (!stuck) return inner_.program(b, o, data, n);
        std::vector<std::uint8_t> copy(static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + n);
        copy[n / 2] = static_cast<std::uint8_t>(copy[n / 2] ^ 0x10);
        return inner_.program(b, o, copy.data(), n);
    }
    Expected<void> erase(std::uint32_t b) noexcept override { return inner_.erase(b); }
    Expected<void> sync() noexcept override { return inner_.sync(); }
    bool stuck = false;

private:
    BlockDevice& inner_;
};

} // namespace

TEST_CASE("a blank region holds no settings; a save is found by the next load, byte for byte") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(2));
    std::vector<std::byte> page(256);
    SettingsStore s(dev, 1, page.data());
    CHECK(s.capacity() == 4096 - SettingsStore::header_bytes);
    Loaded none = load(s);
    CHECK_FALSE(none.info.found);
    CHECK(none.info.invalid_slots == 0);

    const auto a = blob(700, 1);
    auto g = s.save(a.data(), static_cast<std::uint32_t>(a.size()));
    REQUIRE(g.has_value());
    CHECK(*g == 1);
    SettingsStore again(dev, 1, page.data()); // as after a reset
    Loaded l = load(again);
    CHECK(l.info.found);
    CHECK(l.info.generation == 1);
    CHECK(l.data == a);
    CHECK(dev.violations() == 0);
}

TEST_CASE("saves alternate between the two slots and the newest generation wins; wear is even") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(2));
    std::vector<std::byte> page(256);
    SettingsStore s(dev, 1, page.data());
    std::uint32_t last_slot = 2;
    for (std::uint32_t i = 1; i <= 100; ++i) {
        const auto b = blob(10 + i * 13, i);
        auto g = s.save(b.data(), static_cast<std::uint32_t>(b.size()));
        REQUIRE(g.has_value());
        CHECK(*g == i);
        Loaded l = load(s);
        REQUIRE(l.info.found);
        CHECK(l.info.generation == i);
        CHECK(l.data == b);
        CHECK(l.info.slot != last_slot);
        last_slot = l.info.slot;
    }
    CHECK(dev.erase_counts()[0] == 50);
    CHECK(dev.erase_counts()[1] == 50);
    CHECK(dev.violations() == 0);
}

TEST_CASE("a damaged newest copy costs only itself: the previous one is loaded and the damage counted") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(2));
    std::vector<std::byte> page(256);
    SettingsStore s(dev, 1, page.data());
    const auto older = blob(300, 1);
    const auto newer = blob(300, 2);
    REQUIRE(s.save(older.data(), 300).has_value());
    REQUIRE(s.save(newer.data(), 300).has_value());
    const std::uint32_t newest_slot = load(s).info.slot;

    SUBCASE("a flipped data byte") { dev.corrupt(newest_slot, SettingsStore::header_bytes + 100); }
    SUBCASE("a flipped header byte (the length)") { dev.corrupt(newest_slot, 12, 0x40); }
    SUBCASE("a flipped CRC byte") { dev.corrupt(newest_slot, 20); }
    Loaded l = load(s);
    REQUIRE(l.info.found);
    CHECK(l.data == older);
    CHECK(l.info.generation == 1);
    CHECK(l.info.invalid_slots == 1);

    // The next save goes over the damaged copy, never over the good one.
    const auto third = blob(50, 3);
    REQUIRE(s.save(third.data(), 50).has_value());
    l = load(s);
    CHECK(l.data == third);
    CHECK(l.info.slot == newest_slot);
    CHECK(l.info.generation == 2);
    CHECK(l.info.invalid_slots == 0);
}

TEST_CASE("both copies damaged: nothing is loaded, both counted; a copy of another kind is never loaded") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(2));
    std::vector<std::byte> page(256);
    SettingsStore config(dev, 1, page.data());
    const auto a = blob(64, 1);
    REQUIRE(config.save(a.data(), 64).has_value());
    REQUIRE(config.save(a.data(), 64).has_value());

    SettingsStore calibration(dev, 2, page.data());
    Loaded other = load(calibration);
    CHECK_FALSE(other.info.found);
    CHECK(other.info.invalid_slots == 2);

    dev.corrupt(0, SettingsStore::header_bytes + 3);
    dev.corrupt(1, SettingsStore::header_bytes + 5);
    Loaded l = load(config);
    CHECK_FALSE(l.info.found);
    CHECK(l.info.invalid_slots == 2);
}

TEST_CASE("a copy that does not read back as written is refused, and the previous copy stays") {
    EmulatedBlockDevice inner(EmulatedBlockDevice::nor(2));
    StuckBitDevice dev(inner);
    std::vector<std::byte> page(256);
    SettingsStore s(dev, 1, page.data());
    const auto good = blob(500, 1);
    REQUIRE(s.save(good.data(), 500).has_value());
    dev.stuck = true;
    const auto bad = blob(500, 2);
    CHECK(s.save(bad.data(), 500).error() == Errc::io_error);
    dev.stuck = false;
    Loaded l = load(s);
    REQUIRE(l.info.found);
    CHECK(l.data == good);
    CHECK(l.info.invalid_slots == 1);
}

TEST_CASE("bad input is refused and touches nothing") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(2));
    std::vector<std::byte> page(256);
    SettingsStore s(dev, 1, page.data());
    const auto a = blob(100, 1);
    REQUIRE(s.save(a.data(), 100).has_value());
    const auto before = dev.operations();
    std::vector<std::uint8_t> big(s.capacity() + 1);
    CHECK(s.save(big.data(), static_cast<std::uint32_t>(big.size())).error() == Errc::invalid_argument);
    CHECK(s.save(nullptr, 10).error() == Errc::invalid_argument);
    CHECK(dev.operations() == before);
    std::vector<std::uint8_t> small(99);
    CHECK(s.load(small.data(), 99).error() == Errc::no_space);
    CHECK(s.load(nullptr, 10).error() == Errc::invalid_argument);
    SettingsStore no_page(dev, 1, nullptr);
    CHECK(no_page.save(a.data(), 100).error() == Errc::invalid_argument);

    EmulatedBlockDevice one_block(EmulatedBlockDevice::nor(1));
    SettingsStore too_small(one_block, 1, page.data());
    CHECK(too_small.capacity() == 0);
    CHECK(too_small.save(a.data(), 1).error() == Errc::invalid_argument);
    CHECK(load(s).data == a);
}

TEST_CASE("an SD card's geometry: 512-byte pages erased to zero, slots of several blocks") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::sd(4));
    std::vector<std::byte> page(512);
    SettingsStore s(dev, 7, page.data());
    CHECK(s.capacity() == 2 * 8192 - SettingsStore::header_bytes);
    const auto big = blob(s.capacity(), 9); // spans both blocks of a slot
    REQUIRE(s.save(big.data(), static_cast<std::uint32_t>(big.size())).has_value());
    const auto small = blob(3, 4);
    REQUIRE(s.save(small.data(), 3).has_value());
    Loaded l = load(s, s.capacity());
    CHECK(l.data == small);
    REQUIRE(s.save(big.data(), static_cast<std::uint32_t>(big.size())).has_value());
    l = load(s, s.capacity());
    CHECK(l.data == big);
    CHECK(l.info.generation == 3);
}

TEST_CASE("a region shifts and bounds block numbers; the log and the settings share a device untouched") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(8));
    BlockRegion outside(dev, 7, 2);
    CHECK_FALSE(outside.valid());
    std::uint8_t byte = 0;
    CHECK(outside.read(0, 0, &byte, 1).error() == Errc::invalid_argument);

    BlockRegion log(dev, 0, 6);
    BlockRegion settings(dev, 6, 2);
    REQUIRE(log.valid());
    REQUIRE(settings.valid());
    CHECK(log.geometry().block_count == 6);
    CHECK(settings.geometry().block_count == 2);
    CHECK(settings.erase(2).error() == Errc::invalid_argument);

    std::vector<std::byte> page(256);
    SettingsStore s(settings, 1, page.data());
    const auto a = blob(1000, 5);
    REQUIRE(s.save(a.data(), 1000).has_value());
    // Only blocks 6 and 7 of the device were written.
    for (std::uint32_t b = 0; b < 6; ++b) {
        CHECK(dev.erase_counts()[b] == 0);
        for (std::uint32_t i = 0; i < 4096; ++i) REQUIRE(dev.raw(b)[i] == 0xFF);
    }
    CHECK(dev.erase_counts()[6] + dev.erase_counts()[7] == 1);
    std::vector<std::uint8_t> page_bytes(256, 0xA5);
    REQUIRE(log.erase(5).has_value());
    REQUIRE(log.program(5, 256, page_bytes.data(), 256).has_value());
    CHECK(dev.raw(5)[256] == 0xA5);
    CHECK(load(s).data == a);
}
