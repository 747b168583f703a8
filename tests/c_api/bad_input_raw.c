/* Passes out-of-range enum values to the C API the way a C caller can: in C an enum parameter
 * takes any value of its integer type, whereas in C++ such a value cannot even be formed without
 * undefined behaviour. So the bad-input test makes these calls from C. */
#include "bad_input_raw.h"

int raw_config_defaults(SsInitCfg *cfg, int target) { return ss_config_defaults(cfg, (SsTarget)target); }

int raw_sensor_init(uint32_t sensor_id, int type, SensorStore **out) {
    return ss_sensor_init(sensor_id, (SensorType)type, out);
}

int raw_sensor_init_ex(int source, uint32_t sensor_id, int type, SensorStore **out) {
    return ss_sensor_init_ex((SsSource)source, sensor_id, (SensorType)type, out);
}

int raw_sensor_lookup(int source, uint32_t sensor_id, SensorStore **out) {
    return ss_sensor_lookup((SsSource)source, sensor_id, out);
}

int raw_sensor_set_verify_level(SensorStore *s, int level) { return ss_sensor_set_verify_level(s, (SsVerifyLevel)level); }
