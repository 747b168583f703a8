// The flash cold tier behind the C API on the Cortex-M4 port (docs/porting.md §5a). The port has
// no heap and no file system, so a firmware hands it, before ss_init_system, the block device
// the tier writes to and the static memory the tier and its log keep; ss_init_system then builds
// an ss::FlashLog and an ss::FlashColdTier over them (through Platform::cold_tier_create) when
// SsInitCfg::disk_root is set, and ss_manager_tick / ss_set_shutdown drive them like the Linux
// disk tier. Only in the port library over the core with the tier (ss_stm32_port_cold_tier,
// linked with ss_core_cold_tier); images on ss_stm32_port carry none of it.
//
//     static MyNorFlash flash;                                     // an ss::BlockDevice
//     static ss::stm32::FlashTierStorage<100, 256, 224> tier_memory; // sensors, page, sector
//
//     ss::stm32::use_flash_tier(flash, tier_memory.memory());
//     SsInitCfg cfg;
//     ss_config_defaults(&cfg, SS_TARGET_STM32);
//     cfg.ram_sector_bytes = 224; ...
//     ss::stm32::configure_flash_tier(cfg); // disk_root marker, unit size, periodic seal
//     ss_init_system(&cfg);                 // mounts (formats a blank device only)
#pragma once

#include <cstddef>
#include <cstdint>

#include "ss/block_device.hpp"
#include "ss/flash_cold_tier.hpp"
#include "ss/flash_log.hpp"
#include "ss/sensor_storage.h"

namespace ss::stm32 {

/// What SsInitCfg::disk_root is set to for the flash tier. Any non-empty name asks for the tier
/// (the C API's convention: disk_root != NULL means a tier below RAM); this one says which.
inline constexpr const char* flash_tier_root = "flash";

/// The static memory of the tier, as the port needs it. FlashTierStorage fills it in; a firmware
/// that places the parts itself (e.g. the per-sensor arrays in another RAM bank) may too.
struct FlashTierMemory {
    FlashStream* streams = nullptr;       ///< one per sensor: the log's per-stream state (72 B each)
    FlashColdSensor* sensors = nullptr;   ///< one per sensor: the tier's per-sensor state (112 B each)
    std::uint32_t sensor_capacity = 0;    ///< entries of both; at least SsInitCfg::max_sensors
    std::byte* page = nullptr;            ///< a buffer of the device's program_bytes
    std::uint32_t page_bytes = 0;
    std::byte* unit = nullptr;            ///< a buffer of SsInitCfg::ram_sector_bytes
    std::uint32_t unit_bytes = 0;
    void* log_object = nullptr;           ///< sizeof(FlashLog) bytes, aligned for it
    void* tier_object = nullptr;          ///< sizeof(FlashColdTier) bytes, aligned for it
};

/// Static storage for a tier of `Sensors` sensors over a device of `PageBytes` pages with RAM
/// sectors of `SectorBytes`: raw bytes, built at ss_init_system, so that no initial image of it
/// is kept in flash (.data) and a reset never runs a constructor over it. bytes() is its size:
/// 184 B per sensor plus the two buffers and the two objects.
template <std::uint32_t Sensors, std::uint32_t PageBytes, std::uint32_t SectorBytes>
struct FlashTierStorage {
    static_assert(Sensors > 0 && PageBytes > 0 && SectorBytes > 0);
    alignas(FlashStream) std::byte streams[sizeof(FlashStream) * Sensors];
    alignas(FlashColdSensor) std::byte sensors[sizeof(FlashColdSensor) * Sensors];
    alignas(FlashLog) std::byte log_object[sizeof(FlashLog)];
    alignas(FlashColdTier) std::byte tier_object[sizeof(FlashColdTier)];
    std::byte page[PageBytes];
    std::byte unit[SectorBytes];

    static constexpr std::size_t bytes() noexcept { return sizeof(FlashTierStorage); }
    FlashTierMemory memory() noexcept {
        return {reinterpret_cast<FlashStream*>(streams), reinterpret_cast<FlashColdSensor*>(sensors), Sensors,
                page, PageBytes, unit, SectorBytes, log_object, tier_object};
    }
};

/// Hands the port the device and memory of the tier, for the next ss_init_system that sets
/// disk_root. Call it before that ss_init_system, and not again until ss_deinit_system: the
/// tier uses both until then. Nothing is read or written here; the mount happens at init.
/// Returns 0, or -EINVAL (nothing kept) for memory with a null part or a tier already running.
int use_flash_tier(BlockDevice& device, const FlashTierMemory& memory) noexcept;

/// Sets what the flash tier needs in a configuration: disk_root = flash_tier_root; a
/// disk_sector_bytes that passes init's check (the Linux disk tier's unit, unused here, must be
/// a multiple of 4096 and of ram_sector_bytes: their least common multiple, when it is at most
/// 64 KiB); and, when it is 0 (the STM32 default, for RAM only), force_seal_interval_ms = 1000,
/// since RAM records may only be handed to the uploader once a seal, a spill and a sync have
/// made them durable.
void configure_flash_tier(SsInitCfg& cfg) noexcept;

/// The tier ss_init_system built (nullptr before or without one), for its figures
/// (FlashColdTier::figures: wear, write amplification) and the log's stats.
FlashColdTier* flash_tier() noexcept;
FlashLog* flash_log() noexcept;

namespace detail {
/// Platform::cold_tier_create and cold_tier_destroy of the port (platform.cpp).
Expected<ColdTier*> create_flash_tier(const SsInitCfg& cfg, Engine& engine, SsLogFn log, void* log_ctx,
                                      Text& why) noexcept;
void destroy_flash_tier(ColdTier* tier) noexcept;
} // namespace detail

} // namespace ss::stm32
