// The C API's range reads (003 §13): retained records copied out without moving the consume
// cursor, from a sequence number on or the newest run.
#include <cerrno>

#include "c_api_internal.hpp"
#include "ss/sensor_storage.h"

using namespace ss::c_api::internal;

extern "C" {

int ss_get_range(const SensorStore* handle, uint64_t first_seq, uint32_t max_records, void* out_buf, uint32_t* out_n,
                 uint64_t* out_first_seq) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || out_buf == nullptr || out_n == nullptr || max_records == 0) return -EINVAL;
    auto batch = g_engine.read_range(*s, first_seq, out_buf, max_records);
    if (!batch && batch.error() == ss::Errc::invalid_argument) return -EINVAL; // out_n untouched: bad input
    *out_n = batch ? batch->count : 0;
    if (batch && out_first_seq != nullptr) *out_first_seq = batch->first_seq;
    return ss::to_rc(batch);
}

int ss_get_latest(const SensorStore* handle, uint32_t n, void* out_buf, uint32_t* out_n, uint64_t* out_first_seq) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || out_buf == nullptr || out_n == nullptr || n == 0) return -EINVAL;
    auto batch = g_engine.read_latest(*s, out_buf, n);
    *out_n = batch ? batch->count : 0;
    if (batch && out_first_seq != nullptr) *out_first_seq = batch->first_seq;
    return ss::to_rc(batch);
}

} // extern "C"
