#include "ss/actors/storage_host.hpp"

#include "ss/hal/disk_tier.hpp"
#include "ss/port.hpp"

namespace ss::actors {

Expected<std::unique_ptr<StorageHost>> StorageHost::open(const SsInitCfg& cfg, Text& why, hal::FileSystem* fs) noexcept {
    const port::Platform& platform = port::platform();
    auto plan = Engine::plan(cfg, platform.lock, why);
    if (!plan) return std::unexpected(plan.error());
    std::unique_ptr<StorageHost> host(new StorageHost());
    host->arena_.resize(plan->total / sizeof(std::uint64_t) + 1);
    auto* arena = reinterpret_cast<std::byte*>(host->arena_.data());
    if (auto ok = host->engine_.init(cfg, arena, host->arena_.size() * sizeof(std::uint64_t), platform.lock, why); !ok)
        return std::unexpected(ok.error());
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
