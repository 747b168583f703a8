#include "ss/store_sink.hpp"

namespace ss {

static_assert(sizeof(SsEventRecord) == sector::evt_record_bytes, "SsEventRecord must be the packed 12-byte record");

Expected<std::uint32_t> StoreSink::add(RecordType type, const void* records, std::uint32_t n,
                                       std::uint64_t first_time) noexcept {
    // The same checks as the C API's bulk adds, so both sinks refuse the same calls.
    if (store_->type() != type || (records == nullptr && n != 0)) return std::unexpected(Errc::invalid_argument);
    if (n == 0) return 0u;
    return store_->add_many(engine_->context(), records, n, first_time);
}

} // namespace ss
