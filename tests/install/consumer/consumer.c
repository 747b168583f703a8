/* A program built against the installed package only (tests/install/): a C99 application that
 * knows nothing of this source tree. It stores records of a time-series and an event sensor in
 * a store with a disk tier under argv[1], acknowledges part of them, stops cleanly, starts again
 * and reads the rest back from disk, checking every value and sequence number on the way.
 * Exits 0 when everything matches; otherwise says what differed and exits 1. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <ss/sensor_storage.h>

#define TS_RECORDS 1000u
#define EVT_RECORDS 100u
#define ACKED 300u /* time-series records uploaded and acknowledged before the stop */

static int failures = 0;

/* Arguments are evaluated once: `got` is often the call under test. */
static void expect_eq(const char *what, long long got, long long want, int line) {
    if (got == want) return;
    fprintf(stderr, "consumer.c:%d: %s: got %lld, expected %lld\n", line, what, got, want);
    ++failures;
}
#define EXPECT_EQ(what, got, want) expect_eq(what, (long long)(got), (long long)(want), __LINE__)
#define EXPECT_OK(call) EXPECT_EQ(#call, (call), 0)

static uint32_t ts_value(uint64_t seq) { return (uint32_t)(seq * 7u + 3u); }
static uint32_t evt_value(uint64_t seq) { return (uint32_t)(seq + 40000u); }
static uint64_t evt_time(uint64_t seq) { return 1700000000000ull + seq * 250u; }

static void quiet(void *ctx, int level, const char *msg) {
    if (level == 0) fprintf(stderr, "sensor_storage error: %s\n", msg);
    ++*(int *)ctx;
}

static int start(SsInitCfg *cfg, const char *disk_root, int *log_lines) {
    EXPECT_OK(ss_config_defaults(cfg, SS_TARGET_LINUX));
    cfg->max_sensors = 4;
    cfg->ram_pool_bytes = 16u * cfg->ram_sector_bytes;
    cfg->disk_root = disk_root;
    cfg->log = quiet;
    cfg->log_ctx = log_lines;
    if (ss_init_system(cfg) != 0) {
        fprintf(stderr, "consumer.c: ss_init_system: %s\n", ss_last_error());
        return -1;
    }
    return 0;
}

static void stop(void) {
    int ticks = 0;
    ss_set_shutdown(true);
    while (!ss_shutdown_complete() && ticks < 100) {
        ss_manager_tick();
        ++ticks;
    }
    EXPECT_EQ("shutdown complete", ss_shutdown_complete(), 1);
    EXPECT_OK(ss_deinit_system());
}

/* Consumes everything unsent of the time-series sensor and checks it is [from_seq, to_seq). */
static void expect_ts_unsent(SensorStore *ts, uint64_t from_seq, uint64_t to_seq) {
    uint32_t batch[128];
    uint64_t next = from_seq;
    uint64_t first = 0;
    uint32_t n = 0;
    uint32_t i;
    int rc;
    while ((rc = ss_consume_batch_ex(ts, batch, 128, &n, &first)) == 0) {
        EXPECT_EQ("batch first_seq", first, next);
        for (i = 0; i < n; ++i) EXPECT_EQ("time-series value", batch[i], ts_value(first + i));
        next = first + n;
    }
    EXPECT_EQ("consume ends with -EAGAIN", rc, -EAGAIN);
    EXPECT_EQ("time-series records read back", next, to_seq);
}

int main(int argc, char **argv) {
    SsInitCfg cfg;
    SensorStore *ts = NULL;
    SensorStore *evt = NULL;
    SsEventRecord rec;
    SsEventRecord events[EVT_RECORDS];
    uint32_t values[TS_RECORDS];
    uint32_t stored = 0;
    uint32_t acked[ACKED];
    uint32_t n = 0;
    uint64_t count = 0;
    uint64_t first = 0;
    uint32_t i;
    int log_lines = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s <empty directory for the disk tier>\n", argv[0]);
        return 2;
    }
    printf("sensor_storage %d.%d.%d\n", SS_VERSION_MAJOR, SS_VERSION_MINOR, SS_VERSION_PATCH);

    /* First run: write, read without consuming, upload and acknowledge part, stop cleanly. */
    if (start(&cfg, argv[1], &log_lines) != 0) return 1;
    EXPECT_OK(ss_sensor_init_ex(SS_SOURCE_APP, 7, SENSOR_TS, &ts));
    EXPECT_OK(ss_sensor_init(8, SENSOR_EVT, &evt));
    if (ts == NULL || evt == NULL) return 1;

    for (i = 0; i < TS_RECORDS / 2; ++i) EXPECT_OK(ss_ts_add(ts, ts_value(i)));
    for (i = 0; i < TS_RECORDS / 2; ++i) values[i] = ts_value(TS_RECORDS / 2 + i);
    EXPECT_OK(ss_ts_add_many(ts, values, TS_RECORDS / 2, &stored));
    EXPECT_EQ("stored by ss_ts_add_many", stored, TS_RECORDS / 2);
    for (i = 0; i < EVT_RECORDS; ++i) {
        events[i].value = evt_value(i);
        events[i].ts_ms = evt_time(i);
    }
    EXPECT_OK(ss_evt_add_many(evt, events, EVT_RECORDS, &stored));
    EXPECT_OK(ss_get_total_records(ts, &count));
    EXPECT_EQ("time-series records retained", count, TS_RECORDS);
    /* With a disk tier a sensor's first records become consumable at the next manager tick,
     * which makes their sequence numbers durable (docs/api.md). */
    ss_manager_tick();

    for (i = 0; i < EVT_RECORDS; i += 9) {
        EXPECT_OK(ss_diag_read_at(evt, i, &rec));
        EXPECT_EQ("event value", rec.value, evt_value(i));
        EXPECT_EQ("event timestamp", rec.ts_ms, evt_time(i));
    }
    EXPECT_OK(ss_consume_batch_ex(ts, acked, ACKED, &n, &first));
    EXPECT_EQ("uploaded batch size", n, ACKED);
    EXPECT_EQ("uploaded batch first_seq", first, 0);
    for (i = 0; i < n; ++i) EXPECT_EQ("uploaded value", acked[i], ts_value(i));
    EXPECT_OK(ss_erase_all_pending(ts));
    stop();

    /* Second run on the same directory: everything not acknowledged comes back from disk. */
    if (start(&cfg, argv[1], &log_lines) != 0) return 1;
    EXPECT_OK(ss_sensor_init_ex(SS_SOURCE_APP, 7, SENSOR_TS, &ts));
    EXPECT_OK(ss_sensor_init(8, SENSOR_EVT, &evt));
    if (ts == NULL || evt == NULL) return 1;
    EXPECT_OK(ss_get_unsent_count(ts, &count));
    EXPECT_EQ("time-series records unsent after the restart", count, TS_RECORDS - ACKED);
    expect_ts_unsent(ts, ACKED, TS_RECORDS);
    for (i = 0; i < EVT_RECORDS; ++i) {
        EXPECT_OK(ss_consume_next(evt, &rec));
        EXPECT_EQ("event value after the restart", rec.value, evt_value(i));
        EXPECT_EQ("event timestamp after the restart", rec.ts_ms, evt_time(i));
    }
    EXPECT_EQ("no event beyond those written", ss_consume_next(evt, &rec), -EAGAIN);
    stop();

    if (failures != 0) {
        fprintf(stderr, "consumer: %d check(s) failed\n", failures);
        return 1;
    }
    printf("consumer: %u time-series and %u event records stored, acknowledged, restarted and read back\n",
           TS_RECORDS, EVT_RECORDS);
    return 0;
}
