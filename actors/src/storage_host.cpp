#include "ss/actors/storage_host.hpp"

#include "ss/hal/disk_tier.hpp"
#include "ss/host_ops.hpp"
#include "ss/port.hpp"

namespace ss::actors {

Expected<std::unique_ptr<StorageHost>> StorageHost::open(const SsInitCfg& cfg, Text& why, hal::FileSystem* fs) noexcept {
    const port::Platform& platform = port::platform();
    // The host's locks and clocks (cfg.lock_ops, cfg.clock_ops) or the platform's, checked and
    // refused in ss_init_system's words.
    auto locks = pick_lock_ops(cfg, why);
    if (!locks) return std::unexpected(locks.error());
    auto clock = pick_clock(cfg, why);
    if (!clock) return std::unexpected(clock.error());
    auto plan = Engine::plan(cfg, *locks, why);
    if (!plan) return std::unexpected(plan.error());
    std::unique_ptr<StorageHost> host(new StorageHost());
    host->arena_.resize(plan->total / sizeof(std::uint64_t) + 1);
    auto* arena = reinterpret_cast<std::byte*>(host->arena_.data());
    if (auto ok = host->engine_.init(cfg, arena, host->arena_.size() * sizeof(std::uint64_t), *locks, why); !ok)
        return std::unexpected(ok.error());
    // The engine's clock, and the time a sector's first record gets when its writer gave none
    // (UTC when the clock knows it, else monotonic), read from this host's engine.
    use_clock(host->engine_, *clock);
    if (cfg.disk_root != nullptr) {
        auto tier = hal::open_disk_tier(cfg, host->engine_, fs != nullptr ? *fs : hal::posix_file_system(),
                                        cfg.log != nullptr ? cfg.log : platform.log, cfg.log_ctx, why);
        if (!tier) return std::unexpected(tier.error());
        host->tier_ = std::unique_ptr<ColdTier, void (*)(ColdTier*)>(*tier, hal::destroy_disk_tier);
        host->engine_.attach_cold_tier(*tier);
    }
    return host;
}

StorageHost::~StorageHost() {
    // The tier holds pool sectors of the engine's arena: it goes first.
    tier_.reset();
    engine_.deinit();
}

} // namespace ss::actors
