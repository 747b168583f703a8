// The C API's acknowledgement by sequence number: an uploader with several batches in flight
// erases exactly the batch the cloud acknowledged (ss/ack_window.hpp holds acks that arrive
// before the batches ahead of them).
#include <cerrno>

#include "c_api_internal.hpp"
#include "ss/sensor_storage.h"

using namespace ss::c_api::internal;

extern "C" {

int ss_erase_pending_until(SensorStore* handle, uint64_t end_seq) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr) return -EINVAL;
    return ss::to_rc(g_engine.erase_pending_until(*s, end_seq));
}

} // extern "C"
