/* The public header from C99: a tiny gateway that brings the system up with the defaults,
 * registers a time-series and an event sensor, adds records, consumes them in batches with their
 * first sequence numbers, erases them once "acknowledged", reads the figures and shuts down.
 * Built with -std=c99 -Wall -Wextra -pedantic -Werror, so the header must stay plain C99.
 * Exits non-zero, saying what failed, on the first difference from the documented behaviour. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ss/sensor_storage.h"

static int failures = 0;

static void fail(const char *what, long long got, long long want, int line) {
    fprintf(stderr, "c99_test.c:%d: %s: got %lld, expected %lld\n", line, what, got, want);
    ++failures;
}

/* Compares two integers; reports and counts a mismatch. */
#define EXPECT_EQ(what, got, want)                                                             \
    do {                                                                                       \
        long long got_ = (long long)(got);                                                     \
        long long want_ = (long long)(want);                                                   \
        if (got_ != want_) fail(what, got_, want_, __LINE__);                                  \
    } while (0)

/* An API call that must succeed; on failure also says why (ss_strerror, ss_last_error). */
#define EXPECT_OK(call)                                                                        \
    do {                                                                                       \
        int rc_ = (call);                                                                      \
        if (rc_ != 0) {                                                                        \
            fprintf(stderr, "c99_test.c:%d: %s returned %d (%s; %s)\n", __LINE__, #call, rc_,  \
                    ss_strerror(rc_), ss_last_error());                                        \
            ++failures;                                                                        \
        }                                                                                      \
    } while (0)

static void quiet_log(void *ctx, int level, const char *msg) {
    (void)level;
    (void)msg;
    ++*(int *)ctx;
}

int main(void) {
    SsInitCfg cfg;
    SensorStore *temp = NULL;
    SensorStore *door = NULL;
    SensorStore *found = NULL;
    uint32_t values[16];
    SsEventRecord events[16];
    uint32_t n = 0;
    uint64_t first_seq = 99;
    uint64_t count = 0;
    SsSensorStats st;
    SsSystemStats sys;
    int log_lines = 0;
    uint32_t i;

    /* The record layout the wire format (003 §3) relies on, as C sees it. */
    EXPECT_EQ("sizeof(SsEventRecord)", sizeof(SsEventRecord), 12);
    EXPECT_EQ("offsetof(SsEventRecord, ts_ms)", offsetof(SsEventRecord, ts_ms), 4);
    EXPECT_EQ("sizeof(EventRecord)", sizeof(EventRecord), 12);

    EXPECT_OK(ss_config_defaults(&cfg, SS_TARGET_LINUX));
    cfg.log = quiet_log;
    cfg.log_ctx = &log_lines;
    EXPECT_OK(ss_init_system(&cfg));

    EXPECT_OK(ss_sensor_init(1, SENSOR_TS, &temp));
    EXPECT_OK(ss_sensor_init_ex(SS_SOURCE_CAN, 2, SENSOR_EVT, &door));
    if (temp == NULL || door == NULL) {
        fprintf(stderr, "c99_test.c: registration gave no handle\n");
        return 1;
    }
    EXPECT_OK(ss_sensor_lookup(SS_SOURCE_CAN, 2, &found));
    EXPECT_EQ("lookup finds the registered handle", found == door, 1);

    for (i = 0; i < 10; ++i) EXPECT_OK(ss_ts_add(temp, 200 + i));
    for (i = 0; i < 4; ++i) EXPECT_OK(ss_evt_add(door, i % 2, 1700000000000ULL + i));
    /* A record of the wrong type is refused. */
    EXPECT_EQ("ss_evt_add on a TS sensor", ss_evt_add(temp, 1, 2), -EINVAL);

    EXPECT_OK(ss_get_total_records(temp, &count));
    EXPECT_EQ("TS records retained", count, 10);

    /* Two batches: the second starts where the first ended. */
    EXPECT_OK(ss_consume_batch_ex(temp, values, 6, &n, &first_seq));
    EXPECT_EQ("first batch size", n, 6);
    EXPECT_EQ("first batch first_seq", first_seq, 0);
    EXPECT_EQ("first batch first value", values[0], 200);
    EXPECT_OK(ss_consume_batch_ex(temp, values, 16, &n, &first_seq));
    EXPECT_EQ("second batch size", n, 4);
    EXPECT_EQ("second batch first_seq", first_seq, 6);
    EXPECT_EQ("second batch last value", values[3], 209);
    EXPECT_EQ("nothing left to consume", ss_consume_batch_ex(temp, values, 16, &n, &first_seq), -EAGAIN);
    EXPECT_EQ("n after -EAGAIN", n, 0);

    EXPECT_OK(ss_consume_batch_ex(door, events, 16, &n, &first_seq));
    EXPECT_EQ("event batch size", n, 4);
    EXPECT_EQ("event batch first_seq", first_seq, 0);
    EXPECT_EQ("event value", events[3].value, 1);
    EXPECT_EQ("event ts_ms", events[3].ts_ms, 1700000000003ULL);

    EXPECT_OK(ss_get_pending_count(temp, &count));
    EXPECT_EQ("TS records pending", count, 10);
    /* The cloud acknowledged the first batch [0, 6): erase exactly it. */
    EXPECT_OK(ss_erase_pending_until(temp, 6));
    EXPECT_OK(ss_get_pending_count(temp, &count));
    EXPECT_EQ("TS records pending after the first batch's ack", count, 4);
    EXPECT_EQ("an ack past the pending records", ss_erase_pending_until(temp, 11), -EINVAL);
    /* Then everything else. */
    EXPECT_OK(ss_erase_all_pending(temp));
    EXPECT_OK(ss_erase_all_pending(door));
    EXPECT_OK(ss_get_total_records(temp, &count));
    EXPECT_EQ("TS records retained after erase", count, 0);

    EXPECT_OK(ss_ts_add(temp, 300));
    ss_manager_tick();
    EXPECT_OK(ss_get_unsent_count(temp, &count));
    EXPECT_EQ("TS records unsent", count, 1);

    EXPECT_OK(ss_get_sensor_stats(temp, &st));
    EXPECT_EQ("stats sensor_id", st.sensor_id, 1);
    EXPECT_EQ("stats next_seq", st.next_seq, 11);
    EXPECT_EQ("stats erased", st.erased, 10);
    EXPECT_EQ("stats unsent", st.unsent, 1);
    EXPECT_OK(ss_get_system_stats(&sys));
    EXPECT_EQ("system sensors", sys.sensors, 2);
    EXPECT_EQ("system records retained", sys.records_retained, 1);
    EXPECT_EQ("system health", sys.health_flags, 0);
    log_lines = 0;
    EXPECT_OK(ss_dump_stats(1));
    EXPECT_EQ("ss_dump_stats logged", log_lines > 0, 1);

    EXPECT_OK(ss_deinit_system());
    EXPECT_EQ("a handle after deinit", ss_ts_add(temp, 1), -EINVAL);
    EXPECT_EQ("a second deinit", ss_deinit_system(), -EINVAL);
    /* In C an enum parameter takes any int: an unknown target is refused. */
    EXPECT_EQ("ss_config_defaults with target 5", ss_config_defaults(&cfg, (SsTarget)5), -EINVAL);
    EXPECT_EQ("ss_strerror(0) is text", ss_strerror(0) != NULL && strlen(ss_strerror(0)) > 0, 1);

    if (failures != 0) {
        fprintf(stderr, "c99_test: %d check(s) failed\n", failures);
        return 1;
    }
    printf("c99_test: all checks passed\n");
    return 0;
}
