// The Cortex-M4 port's flash cold tier for the C API (flash_tier.hpp): what the firmware handed
// over with use_flash_tier, turned into a mounted ss::FlashLog and an ss::FlashColdTier when
// ss_init_system asks the platform for a tier (disk_root set). Static memory only: the objects
// are built in the firmware's storage and destroyed at ss_deinit_system.
#include "flash_tier.hpp"

#include <cerrno>
#include <memory>

#include "ss/engine.hpp"
#include "ss/text.hpp"

namespace ss::stm32 {

namespace {

// Set by use_flash_tier, used by the next ss_init_system. A cooperative firmware calls both
// from one context before any interrupt uses the store, so plain variables do.
BlockDevice* g_device = nullptr;
FlashTierMemory g_memory{};
FlashLog* g_log = nullptr;
FlashColdTier* g_tier = nullptr;

std::uint32_t gcd(std::uint32_t a, std::uint32_t b) noexcept {
    while (b != 0) {
        const std::uint32_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

} // namespace

int use_flash_tier(BlockDevice& device, const FlashTierMemory& memory) noexcept {
    if (g_tier != nullptr) return -EINVAL; // the running tier still uses the last ones
    if (memory.streams == nullptr || memory.sensors == nullptr || memory.sensor_capacity == 0 ||
        memory.page == nullptr || memory.unit == nullptr || memory.log_object == nullptr ||
        memory.tier_object == nullptr)
        return -EINVAL;
    g_device = &device;
    g_memory = memory;
    return 0;
}

void configure_flash_tier(SsInitCfg& cfg) noexcept {
    cfg.disk_root = flash_tier_root;
    if (cfg.ram_sector_bytes != 0) {
        const std::uint64_t lcm = std::uint64_t{4096} / gcd(4096, cfg.ram_sector_bytes) * cfg.ram_sector_bytes;
        // Larger than the check allows: left as it is, so that init names the field.
        if (lcm <= 65536) cfg.disk_sector_bytes = static_cast<std::uint32_t>(lcm);
    }
    if (cfg.force_seal_interval_ms == 0) cfg.force_seal_interval_ms = 1000;
}

FlashColdTier* flash_tier() noexcept { return g_tier; }
FlashLog* flash_log() noexcept { return g_log; }

namespace detail {

Expected<ColdTier*> create_flash_tier(const SsInitCfg& cfg, Engine& engine, SsLogFn log, void* log_ctx,
                                      Text& why) noexcept {
    why.clear();
    if (g_device == nullptr) {
        why << "invalid configuration: disk_root is set but no flash device was handed to the port "
               "(ss::stm32::use_flash_tier before ss_init_system)";
        return std::unexpected(Errc::invalid_argument);
    }
    if (g_memory.sensor_capacity < cfg.max_sensors) {
        why << "invalid configuration: the flash tier's memory holds " << g_memory.sensor_capacity
            << " sensors, max_sensors is " << cfg.max_sensors;
        return std::unexpected(Errc::invalid_argument);
    }
    const BlockGeometry& g = g_device->geometry();
    if (g_memory.page_bytes < g.program_bytes || g_memory.unit_bytes < cfg.ram_sector_bytes) {
        why << "invalid configuration: the flash tier's buffers are too small: page " << g_memory.page_bytes
            << " B for a device page of " << g.program_bytes << " B, unit " << g_memory.unit_bytes
            << " B for RAM sectors of " << cfg.ram_sector_bytes << " B";
        return std::unexpected(Errc::invalid_argument);
    }
    // A reset leaves this RAM undefined: every slot starts empty, the log finds its state on
    // the device alone.
    for (std::uint32_t i = 0; i < g_memory.sensor_capacity; ++i) {
        std::construct_at(&g_memory.streams[i]);
        std::construct_at(&g_memory.sensors[i]);
    }
    FlashLog* flash_log = std::construct_at(static_cast<FlashLog*>(g_memory.log_object), *g_device,
                                            FlashLogMemory{g_memory.streams, g_memory.sensor_capacity, g_memory.page});
    // Formats an entirely erased device only; anything else that holds no valid block is
    // refused (io_error) and left as it is for someone to look at.
    if (auto mounted = flash_log->mount(); !mounted) {
        std::destroy_at(flash_log);
        if (mounted.error() == Errc::io_error)
            why << "flash tier: the device could not be read, or it is neither blank nor a flash log "
                   "(it is never formatted implicitly)";
        else
            why << "invalid configuration: the flash device's geometry cannot hold the flash log (pages of at least "
                << flash_format::min_program_bytes << " B, three pages a block, two blocks)";
        return std::unexpected(mounted.error());
    }
    // No lock of its own: the manager's tick and the uploader run in one context on this port,
    // and the port's lock is the interrupt mask, which must not be held over flash I/O.
    g_tier = std::construct_at(static_cast<FlashColdTier*>(g_memory.tier_object), engine, *flash_log,
                               FlashColdTierMemory{g_memory.sensors, g_memory.sensor_capacity, g_memory.unit});
    g_log = flash_log;
    if (log != nullptr) {
        Text t;
        const FlashLogStats& st = flash_log->stats();
        t << "flash tier mounted: " << g.block_count << " blocks of " << g.erase_bytes << " B, "
          << flash_log->live_blocks() << " live, " << st.live_units << " units, " << st.corrupt_units
          << " corrupt" << (st.formatted ? ", formatted (the device was blank)" : "");
        log(log_ctx, static_cast<int>(port::LogLevel::info), t.c_str());
    }
    return g_tier;
}

void destroy_flash_tier(ColdTier* tier) noexcept {
    if (tier == nullptr || tier != g_tier) return;
    std::destroy_at(g_tier);
    std::destroy_at(g_log);
    g_tier = nullptr;
    g_log = nullptr;
}

} // namespace detail

} // namespace ss::stm32
