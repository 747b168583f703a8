/* Calls into the C API with enum arguments given as plain ints (bad_input_raw.c). */
#ifndef SS_TESTS_BAD_INPUT_RAW_H
#define SS_TESTS_BAD_INPUT_RAW_H

#include "ss/sensor_storage.h"

#ifdef __cplusplus
extern "C" {
#endif

int raw_config_defaults(SsInitCfg *cfg, int target);
int raw_sensor_init(uint32_t sensor_id, int type, SensorStore **out);
int raw_sensor_init_ex(int source, uint32_t sensor_id, int type, SensorStore **out);
int raw_sensor_lookup(int source, uint32_t sensor_id, SensorStore **out);
int raw_sensor_set_verify_level(SensorStore *s, int level);

#ifdef __cplusplus
}
#endif

#endif /* SS_TESTS_BAD_INPUT_RAW_H */
