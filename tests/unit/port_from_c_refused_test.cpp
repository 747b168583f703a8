// A C port that breaks a rule of ss/port.h (here a lock without try_lock) is never run without
// its lock: ss_init_system fails with -EINVAL and ss_last_error names the rule, whether the
// configuration leaves the lock to the port or brings its own. The C side is
// port_from_c_refused_port.c.
#include <doctest/doctest.h>

#include <cerrno>
#include <string_view>
#include <vector>

#include "ss/sensor_storage.h"

namespace {

void no_op(void*) {}
bool taken(void*) { return true; }

} // namespace

TEST_CASE("a broken C port makes ss_init_system fail, naming the rule") {
    SsInitCfg cfg;
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_STM32) == 0);
    std::vector<std::uint64_t> arena(64 * 1024 / 8);
    cfg.arena = arena.data();
    cfg.arena_bytes = arena.size() * 8;
    CHECK(ss_init_system(&cfg) == -EINVAL);
    CHECK(std::string_view(ss_last_error()) == "the platform cannot serve: ss_port()->lock.try_lock is NULL");

    const SsLockOps own{8, 4, no_op, no_op, no_op, no_op, taken};
    cfg.lock_ops = &own;
    CHECK(ss_init_system(&cfg) == -EINVAL);
    CHECK(std::string_view(ss_last_error()) == "the platform cannot serve: ss_port()->lock.try_lock is NULL");
}
