// The storage a runtime owns: an engine over an arena of its own, with the disk tier below it
// when the configuration names a data root. The C API keeps one process-wide engine; a runtime
// (the CAF pipeline, a test) holds its own through this, so several can live in one process.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ss/engine.hpp"
#include "ss/expected.hpp"
#include "ss/hal/file_system.hpp"
#include "ss/sensor_storage.h"
#include "ss/text.hpp"

namespace ss::actors {

class StorageHost {
public:
    /// Builds the engine for cfg; with cfg.disk_root, the disk tier over `fs` (the real file
    /// system unless a test hands in another), recovering what is there. `why` says what failed.
    static Expected<std::unique_ptr<StorageHost>> open(const SsInitCfg& cfg, Text& why,
                                                       hal::FileSystem* fs = nullptr) noexcept;
    ~StorageHost();
    StorageHost(const StorageHost&) = delete;
    StorageHost& operator=(const StorageHost&) = delete;

    Engine& engine() noexcept { return engine_; }

private:
    StorageHost() = default;

    std::vector<std::uint64_t> arena_;
    Engine engine_;
    std::unique_ptr<ColdTier, void (*)(ColdTier*)> tier_{nullptr, nullptr};
};

} // namespace ss::actors
