// A store of an engine as a RecordSink: what a runtime that owns its Engine (a CAF actor, the
// STM32 scheduler) hands a producer, with no global state and no handle to check on every add.
#pragma once

#include <cstdint>

#include "ss/engine.hpp"
#include "ss/expected.hpp"
#include "ss/record_sink.hpp"
#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"
#include "ss/sensor_store.hpp"

namespace ss {

/// Adds go straight to SensorStore::add_many under the store's lock: callable from any thread,
/// alongside the store's other writers and its uploader.
///
/// `store` must be one of `engine`'s registered stores, and both must outlive the sink (the
/// engine's deinit ends every store).
class StoreSink final : public RecordSink {
public:
    StoreSink(Engine& engine, SensorStore& store) noexcept : engine_(&engine), store_(&store) {}

    // The overrides stay inline, so the vtable is emitted in the application (see RecordSink).

    /// The store's type, fixed at registration.
    RecordType record_type() const noexcept override { return store_->type(); }

    /// invalid_argument if the store keeps events, or values is null with n > 0.
    Expected<std::uint32_t> add_values_at(const std::uint32_t* values, std::uint32_t n,
                                          std::uint64_t first_time) noexcept override {
        return add(RecordType::ts, values, n, first_time);
    }

    /// SensorStore::start_new_sector; invalid_argument if the store keeps events.
    Expected<void> begin_series() noexcept override {
        if (store_->type() != RecordType::ts) return std::unexpected(Errc::invalid_argument);
        store_->start_new_sector(engine_->context());
        return {};
    }

    /// invalid_argument if the store keeps time series, or events is null with n > 0.
    Expected<std::uint32_t> add_events(const SsEventRecord* events, std::uint32_t n) noexcept override {
        return add(RecordType::evt, events, n, sector::time_unknown);
    }

private:
    Expected<std::uint32_t> add(RecordType type, const void* records, std::uint32_t n, std::uint64_t first_time) noexcept;

    Engine* engine_;
    SensorStore* store_;
};

} // namespace ss
