// The C API's operator clear (003 §13): a sensor's records discarded across the tiers, and the
// log line that says what went.
#include <cerrno>

#include "c_api_internal.hpp"
#include "ss/sensor_storage.h"
#include "ss/source_name.hpp"
#include "ss/text.hpp"

using namespace ss::c_api::internal;

extern "C" {

int ss_sensor_clear(SensorStore* handle) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr) return -EINVAL;
    const ss::Engine::Cleared c = g_engine.clear(*s);
    ss::Text t;
    t << "sensor " << s->id() << " (" << ss::source_name(s->source())
      << "): cleared by the operator: " << c.records << " records discarded (" << c.pending << " pending, "
      << c.disk_records << " on disk); numbering goes on at " << c.next_seq;
    if (!c.durable) t << "; the disk tier could not make it durable yet and retries at each tick";
    log(c.durable ? ss::port::LogLevel::info : ss::port::LogLevel::warning, t.c_str());
    return c.durable ? 0 : -EIO;
}

} // extern "C"
