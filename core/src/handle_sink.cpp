#include "ss/handle_sink.hpp"

#include <cerrno>

namespace ss {

namespace {

// The C API's bulk adds return 0 (all stored), -ENOSPC (a prefix stored, the rest dropped and
// counted by the store) or -EINVAL (nothing stored). out_stored is right in every case.
Expected<std::uint32_t> result_of(int rc, std::uint32_t stored) noexcept {
    if (rc == 0 || rc == -ENOSPC) return stored;
    return std::unexpected(Errc::invalid_argument);
}

} // namespace

Expected<RecordType> HandleSink::type_of(::SensorStore* handle) noexcept {
    SsSensorStats stats{};
    if (ss_get_sensor_stats(handle, &stats) != 0) return std::unexpected(Errc::invalid_argument);
    const auto type = static_cast<RecordType>(stats.type);
    if (type != RecordType::ts && type != RecordType::evt) return std::unexpected(Errc::invalid_argument);
    return type;
}

Expected<std::uint32_t> HandleSink::ts_add_many(::SensorStore* handle, const std::uint32_t* values,
                                                std::uint32_t n, std::uint64_t first_time) noexcept {
    std::uint32_t stored = 0;
    const int rc = ss_ts_add_many_at(handle, values, n, first_time, &stored);
    return result_of(rc, stored);
}

Expected<void> HandleSink::begin_ts_series(::SensorStore* handle) noexcept {
    if (ss_ts_begin_series(handle) != 0) return std::unexpected(Errc::invalid_argument);
    return {};
}

Expected<std::uint32_t> HandleSink::evt_add_many(::SensorStore* handle, const SsEventRecord* events,
                                                 std::uint32_t n) noexcept {
    std::uint32_t stored = 0;
    const int rc = ss_evt_add_many(handle, events, n, &stored);
    return result_of(rc, stored);
}

} // namespace ss
