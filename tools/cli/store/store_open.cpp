#include "store/store_open.hpp"

#include "posix/disk/file_names.hpp"
#include "ss/disk_format.hpp"
#include "store/meta_read.hpp"

namespace ss::store_tool {

namespace {
// SS_TARGET_LINUX's ram_sector_bytes (ss_config_defaults).
constexpr std::uint32_t linux_default_unit_bytes = 4096;
} // namespace

Result<OpenStore> open_store(const std::string& path, std::uint32_t unit_bytes) {
    auto root = StoreRoot::open(path);
    if (!root) return std::unexpected(root.error());
    for (const SensorFiles& f : root->sensors()) {
        if (!f.meta) continue;
        auto m = read_meta(*root, f.key);
        if (!m) return std::unexpected(m.error());
        if (m->newer())
            return fail(root->sensor_path(f.key, hal::tier::meta_ext),
                        "meta format version " + std::to_string(m->version) + " is newer than this tool reads (" +
                            std::to_string(disk::meta_version) + "): the store was written by a newer library; use its ss-store");
    }
    auto acks = read_ack_file(*root, ack_log_file);
    if (!acks) return std::unexpected(acks.error());
    auto ledger = read_ledger(*root);
    if (!ledger) return std::unexpected(ledger.error());
    auto boot = read_boot(*root);
    if (!boot) return std::unexpected(boot.error());
    std::uint32_t ub = unit_bytes;
    if (ub == 0) {
        auto inferred = store_unit_bytes(*root, linux_default_unit_bytes);
        if (!inferred) return std::unexpected(inferred.error());
        ub = *inferred;
    }
    return OpenStore{std::move(*root), std::move(*acks), std::move(*ledger), *boot, ub};
}

} // namespace ss::store_tool
