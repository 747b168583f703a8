// A store behind the C API as a RecordSink: a SensorStore* handle, written with ss_ts_add_many or
// ss_evt_add_many. For programs that set the system up with ss_init_system and register sensors
// with ss_sensor_init (the demo, the benchmarks), so their producers behave as before.
#pragma once

#include <cstdint>

#include "ss/expected.hpp"
#include "ss/record_sink.hpp"
#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"

namespace ss {

/// Callable from any thread, as the C API is. The handle stays the caller's: after
/// ss_deinit_system (or with a handle that was never valid) every add is invalid_argument and
/// stores nothing.
class HandleSink final : public RecordSink {
public:
    // The overrides stay inline, and so does open(), which builds the sink: the vtable is then
    // emitted in the application, never in the core (see RecordSink).

    /// A sink over `handle`, whose record type it reads once here (a sink's type never changes,
    /// and neither does a sensor's). invalid_argument if the handle is not a registered sensor's:
    /// a sink that exists always has a type to report.
    static Expected<HandleSink> open(::SensorStore* handle) noexcept {
        const Expected<RecordType> type = type_of(handle);
        if (!type) return std::unexpected(type.error());
        return HandleSink(handle, *type);
    }

    RecordType record_type() const noexcept override { return type_; }

    /// ss_ts_add_many_at; invalid_argument where it returns -EINVAL.
    Expected<std::uint32_t> add_values_at(const std::uint32_t* values, std::uint32_t n,
                                          std::uint64_t first_time) noexcept override {
        return ts_add_many(handle_, values, n, first_time);
    }

    /// ss_ts_begin_series; invalid_argument where it returns -EINVAL.
    Expected<void> begin_series() noexcept override { return begin_ts_series(handle_); }

    /// ss_evt_add_many; invalid_argument where it returns -EINVAL.
    Expected<std::uint32_t> add_events(const SsEventRecord* events, std::uint32_t n) noexcept override {
        return evt_add_many(handle_, events, n);
    }

    ::SensorStore* handle() const noexcept { return handle_; }

private:
    HandleSink(::SensorStore* handle, RecordType type) noexcept : handle_(handle), type_(type) {}

    static Expected<RecordType> type_of(::SensorStore* handle) noexcept;
    static Expected<std::uint32_t> ts_add_many(::SensorStore* handle, const std::uint32_t* values,
                                               std::uint32_t n, std::uint64_t first_time) noexcept;
    static Expected<void> begin_ts_series(::SensorStore* handle) noexcept;
    static Expected<std::uint32_t> evt_add_many(::SensorStore* handle, const SsEventRecord* events,
                                                std::uint32_t n) noexcept;

    ::SensorStore* handle_;
    RecordType type_;
};

} // namespace ss
