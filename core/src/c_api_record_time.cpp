// The C API's record-time entry points (003 §13): adds with a caller's time, the sample period
// that times a sensor's records, and batches read back with the time of each record.
#include <cerrno>

#include "c_api_internal.hpp"
#include "ss/sensor_storage.h"

using namespace ss::c_api::internal;

extern "C" {

int ss_ts_add_at(SensorStore* handle, uint32_t value, uint64_t time_us) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || s->type() != ss::RecordType::ts) return -EINVAL;
    // The general add, out of line: ss_ts_add is the inlined fast path.
    return ss::to_rc(s->add(ctx(), &value, time_us));
}

int ss_ts_add_many_at(SensorStore* handle, const uint32_t* values, uint32_t n, uint64_t first_time_us,
                      uint32_t* out_stored) {
    return add_many(handle, ss::RecordType::ts, values, n, out_stored, first_time_us);
}

int ss_ts_begin_series(SensorStore* handle) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || s->type() != ss::RecordType::ts) return -EINVAL;
    s->start_new_sector(ctx());
    return 0;
}

int ss_consume_batch_info(SensorStore* handle, void* out_buf, uint32_t max_records, uint32_t* out_n,
                          SsBatchInfo* info) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || out_buf == nullptr || out_n == nullptr || info == nullptr || max_records == 0) return -EINVAL;
    auto batch = g_engine.consume(*s, out_buf, max_records, ss::BatchTime::continuous);
    *out_n = batch ? batch->count : 0;
    if (batch) *info = SsBatchInfo{batch->first_seq, batch->first_time, batch->period_us, batch->boot};
    return ss::to_rc(batch);
}

uint64_t ss_batch_record_time(const SsBatchInfo* info, uint32_t index) {
    if (info == nullptr) return SS_TIME_UNKNOWN;
    return ss::sector::record_time(info->first_time_us, info->period_us, index);
}

int ss_sensor_set_sample_period(SensorStore* handle, uint32_t period_us) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || (s->type() == ss::RecordType::evt && period_us != 0)) return -EINVAL;
    return ss::to_rc(s->set_sample_period_us(ctx(), period_us));
}

} // extern "C"
