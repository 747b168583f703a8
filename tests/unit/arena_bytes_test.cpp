// SS_ARENA_BYTES (ss/arena_bytes.h), the preprocessor's arena size, against the engine's own
// layout and against ss_arena_bytes() for the same configuration: they must agree exactly, or a
// firmware's static arena is too small (init refuses it) or wastes RAM.
#include <doctest/doctest.h>

#include <cstdint>

#include "ss/engine.hpp"
#include "ss/sensor_storage.h"

namespace {

// Evaluated by the compiler: usable as an array bound.
[[maybe_unused]] std::uint8_t g_static_arena[SS_ARENA_BYTES(100, 102 * 256, 256)];
static_assert(sizeof g_static_arena == ss::arena_layout(100, 102, 256, 0, 1).total);
static_assert(SS_ARENA_BYTES_LOCKED(100, 102 * 256, 256, 8, 4, 1) == ss::arena_layout(100, 102, 256, 8, 4, true).total);

struct LockShape {
    std::size_t bytes;
    std::size_t align;
    bool shared;
};

void noop(void*) {}
bool taken(void*) { return true; }

} // namespace

TEST_CASE("SS_ARENA_BYTES equals the engine's layout for every size, lock and sector shape") {
    const LockShape locks[] = {{0, 1, false}, {4, 4, false}, {8, 4, true}, {4, 4, true}, {40, 8, false}, {24, 8, false},
                               {1, 1, false}, {3, 1, true}, {64, 64, false}};
    const std::uint32_t sector_sizes[] = {48, 64, 80, 256, 1000, 4096};
    int checked = 0;
    for (std::uint32_t n = 1; n <= 2100; n += (n < 300 ? 1 : 97)) {
        for (const std::uint32_t sector : sector_sizes) {
            for (const LockShape& l : locks) {
                for (const std::uint32_t extra : {1u, 2u, 7u}) {
                    const std::uint32_t sectors = n + extra;
                    const std::size_t pool = std::size_t{sectors} * sector + (extra == 7 ? sector / 2 : 0);
                    const std::size_t by_macro = SS_ARENA_BYTES_LOCKED(n, pool, sector, l.bytes, l.align, l.shared);
                    const std::size_t by_layout = ss::arena_layout(n, sectors, sector, l.bytes, l.align, l.shared).total;
                    if (by_macro != by_layout) {
                        CAPTURE(n);
                        CAPTURE(sector);
                        CAPTURE(l.bytes);
                        CAPTURE(l.shared);
                        REQUIRE(by_macro == by_layout);
                    }
                    ++checked;
                }
            }
        }
    }
    CHECK(checked > 20000);
    CHECK(SS_ARENA_BYTES(7, 9 * 256, 256) == SS_ARENA_BYTES_LOCKED(7, 9 * 256, 256, 0, 1, 0));
}

TEST_CASE("SS_ARENA_BYTES_LOCKED equals ss_arena_bytes with the host's locks, for a RAM-only configuration") {
    for (const std::uint32_t n : {1u, 16u, 100u, 254u, 255u, 1024u}) {
        // The widest alignment a lock may ask for is the arena's (64 on 64-bit hosts, 8 on 32-bit).
        for (const LockShape l : {LockShape{4, 4, false}, LockShape{40, 8, false},
                                  LockShape{64, ss::arena_base_alignment, false}}) {
            SsInitCfg cfg;
            REQUIRE(ss_config_defaults(&cfg, SS_TARGET_STM32) == 0);
            cfg.max_sensors = n;
            cfg.ram_pool_bytes = std::size_t{n + 2} * cfg.ram_sector_bytes;
            const SsLockOps ops{l.bytes, l.align, noop, noop, noop, noop, taken};
            cfg.lock_ops = &ops;
            std::size_t bytes = 0;
            REQUIRE(ss_arena_bytes(&cfg, &bytes) == 0);
            CAPTURE(n);
            CHECK(bytes == SS_ARENA_BYTES_LOCKED(n, cfg.ram_pool_bytes, cfg.ram_sector_bytes, l.bytes, l.align, 0));
        }
    }
}
