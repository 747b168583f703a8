// The C API's calls for writer-numbered (relayed) stores: a gateway storing an MCU's records
// under the MCU's own sequence numbers (ss_sensor_seek), and acknowledging them to the MCU only
// once they are durable (ss_sensor_flush, ss_get_durable_end). docs/api.md, "Relayed stores".
#include <cerrno>

#include "c_api_internal.hpp"
#include "ss/sensor_storage.h"

using namespace ss::c_api::internal;

extern "C" {

int ss_sensor_seek(SensorStore* handle, uint64_t seq) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr) return -EINVAL;
    return ss::to_rc(g_engine.seek(*s, seq));
}

int ss_sensor_flush(SensorStore* handle) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr) return -EINVAL;
    g_engine.flush(*s);
    return 0;
}

int ss_get_durable_end(const SensorStore* handle, uint64_t* out_end) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || out_end == nullptr) return -EINVAL;
    *out_end = g_engine.durable_end(*s);
    return 0;
}

} // extern "C"
