/*
 * sensor_storage.h — the public C API of sensor-storage.
 *
 * Per-sensor stores of 32-bit values in fixed-size, CRC32C-protected sectors taken from one
 * static pool. Writers add records; one uploader consumes UNSENT records (they become PENDING)
 * and erases PENDING records once the cloud has acknowledged them.
 *
 *   [head, pending)  PENDING  handed to the uploader, awaiting acknowledgement
 *   [pending, tail)  UNSENT   not yet handed out
 *
 * Every record carries a 64-bit per-sensor sequence number, starting at 0 and never reused.
 * A record dropped by policy leaves a gap in the sequence, so the cloud can see losses.
 *
 * Threads: any number of writer threads and one uploader thread may call the record functions
 * concurrently (one lock per sensor store, one for the pool). ss_subscribe and ss_unsubscribe
 * may be called from any thread. ss_init_system, ss_deinit_system and ss_config_defaults must
 * not race with any other call.
 *
 * Return codes: 0 on success, otherwise a negative errno value:
 *   -EINVAL  null or foreign pointer, wrong record type for the sensor, unknown or duplicate
 *            sensor, invalid configuration, or a call before ss_init_system
 *   -ENOSPC  no room: the record was dropped (and counted), or no sensor slot is left
 *   -EAGAIN  nothing UNSENT to consume right now, or nothing retained to read (ss_get_range)
 *   -EIO     a sector failed its CRC check (it was dropped and counted), or the disk tier could
 *            not read a unit (nothing was dropped: call again later), or could not yet make a
 *            clear durable (ss_sensor_clear)
 * Bad input never changes any state.
 *
 * The header compiles as C99 and as C++.
 */
#ifndef SS_SENSOR_STORAGE_H
#define SS_SENSOR_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ss/arena_bytes.h"

/* SS_API marks each function of this API: the shared library is built with hidden visibility,
 * so these are the only symbols it exports. */
#ifndef SS_API
#if defined(__GNUC__)
#define SS_API __attribute__((visibility("default")))
#else
#define SS_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define SS_VERSION_MAJOR 0
#define SS_VERSION_MINOR 1
#define SS_VERSION_PATCH 0

/** Opaque handle of one sensor's store, valid from ss_sensor_init until ss_deinit_system. It is
 *  a token, not an address: a handle from before a re-init, or an altered one, gets -EINVAL. */
typedef struct SensorStore SensorStore;

/** Record type of a sensor, fixed at registration. */
typedef enum { SENSOR_TS = 1, SENSOR_EVT = 2 } SensorType;

/** Where a sensor lives; the same id may exist once in each source. */
typedef enum { SS_SOURCE_HOST = 0, SS_SOURCE_APP = 1, SS_SOURCE_CAN = 2 } SsSource;

/** Target whose specification defaults ss_config_defaults fills in. */
typedef enum { SS_TARGET_LINUX = 0, SS_TARGET_STM32 = 1 } SsTarget;

/** How often a sealed sector's CRC32C is checked, per sensor (ss_sensor_set_verify_level;
 *  SsInitCfg::verify_level is every sensor's level at registration). In seed 004's words:
 *  OFF is "minimal", FIRST_READ "standard", EVERY_READ "full", AFTER_WRITE "critical". Units
 *  read back from disk are checked at every level. */
typedef enum {
    SS_VERIFY_OFF = 0,         /**< never (CRC is still written when crc_enabled) */
    SS_VERIFY_FIRST_READ = 1,  /**< once, when consume first reads from the sector (default) */
    SS_VERIFY_EVERY_READ = 2,  /**< on every consume and diagnostic read touching the sector */
    SS_VERIFY_AFTER_WRITE = 3  /**< as EVERY_READ, and the disk tier reads back every unit it writes
                                    for the sensor and compares it before counting it durable; a
                                    unit that differs is written again (write_verify_failures) */
} SsVerifyLevel;

/** Event record: 12 bytes, packed to 4-byte alignment, native byte order (003 §3). Read ts_ms by
 *  value; do not take its address (it is only 4-byte aligned). */
#pragma pack(push, 4)
typedef struct SsEventRecord {
    uint32_t value;
    uint64_t ts_ms; /**< raw: UTC ms when the writer had it, else monotonic ms */
} SsEventRecord;
#pragma pack(pop)
typedef SsEventRecord EventRecord; /* the name 003 §3 uses */

/** Log sink: level 0 = error, 1 = warning, 2 = info. msg is NUL-terminated, valid for the call. */
typedef void (*SsLogFn)(void *ctx, int level, const char *msg);

/**
 * A lock the embedding application supplies (003 §5: the host provides the mutex), for
 * SsInitCfg::lock_ops. The library keeps one lock object per sensor store, one for the pool,
 * one for the registry and one for the event subscriptions, each `size` bytes at `align` in the
 * arena (ss_arena_bytes and ss_events_bytes count them), and calls the functions with the
 * object's address. init runs once per object in ss_init_system, destroy once in
 * ss_deinit_system. lock may block; try_lock must not (true = taken): the manager tick uses it
 * to skip a busy store. unlock is called by the thread that locked. A cooperative scheduler
 * where nothing preempts a call may give functions that do nothing.
 */
typedef struct SsLockOps {
    size_t size;  /**< bytes of one lock object: 1..4096 */
    size_t align; /**< its alignment: a power of two, at most 64 (8 on a 32-bit MCU) */
    void (*init)(void *lock);
    void (*destroy)(void *lock);
    void (*lock)(void *lock);
    void (*unlock)(void *lock);
    bool (*try_lock)(void *lock);
} SsLockOps;

/**
 * The clocks the embedding application supplies, for SsInitCfg::clock_ops. ss_manager_tick reads
 * monotonic_us once per call (the force-seal interval, the shutdown budget and the disk tier's
 * timers count in it); utc_us is the wall clock the library reads where it wants UTC.
 * Called from the thread that ticks (and any thread that stores records); must not block.
 */
typedef struct SsClockOps {
    /** Microseconds since any origin; never goes back. Required. */
    uint64_t (*monotonic_us)(void *ctx);
    /** Microseconds since 1970-01-01 UTC, or 0 while the time is not known (not yet set by
     *  NTP/GNSS/RTC). NULL = UTC is never known on this host. */
    uint64_t (*utc_us)(void *ctx);
    void *ctx; /**< passed to both */
} SsClockOps;

/**
 * System configuration (003 §18). Fill with ss_config_defaults, then change what you need.
 * Every field is checked by ss_init_system; a bad value is rejected with a message naming it.
 */
typedef struct SsInitCfg {
    /** Bytes per RAM sector, header included. Multiple of 4, 48..65536 (a 32-byte header, then records).
     *  STM32 256, Linux 4096. */
    uint32_t ram_sector_bytes;
    /** Bytes per disk sector (Linux disk tier). Multiple of 4096, 4096..65536. Default 65536. */
    uint32_t disk_sector_bytes;
    /** Bytes of RAM sector storage: one sector per sensor (max_sensors) at least, 65534 sectors
     *  at most. */
    size_t ram_pool_bytes;
    /** Most sensors that can be registered (sum over all sources). 1..65534. */
    uint32_t max_sensors;
    /** Cap on RAM sectors one sensor may hold; 0 = no cap. A capped sensor recycles its own. */
    uint32_t max_sectors_per_sensor;
    /** Disk quota over all sensors, bytes (Linux). At least one disk sector. Default 256 MiB. */
    uint64_t disk_quota_bytes;
    /** Per-sensor disk cap, bytes (Linux); 0 = none, else at least one disk sector. */
    uint64_t disk_quota_per_sensor_bytes;
    /** RAM pool use, percent, at which spilling to disk starts (Linux). 1..100, default 80. */
    uint8_t ram_high_watermark_pct;
    /** RAM pool use, percent, at which spilling stops (Linux). < high watermark, default 60. */
    uint8_t ram_low_watermark_pct;
    /** Compute CRC32C when sealing sectors: 1 (default) or 0. The disk tier requires 1. */
    uint8_t crc_enabled;
    /** An SsVerifyLevel: every sensor's level at registration (ss_sensor_set_verify_level
     *  changes one). Anything but SS_VERIFY_OFF requires crc_enabled. */
    uint8_t verify_level;
    /** Sectors written per flush step of the manager (Linux). >= 1, default 16. */
    uint32_t flush_batch_sectors;
    /** Disk tier: every this many ms the manager seals the open sectors and writes everything
     *  to disk, bounding what a power cut can lose; 0 = never. Unused without a disk tier. */
    uint32_t force_seal_interval_ms;
    /** Time the manager may spend flushing at shutdown, ms (Linux). >= 60000 by default. */
    uint32_t shutdown_budget_ms;
    /** Disk tier: when at least this many files need a sync in one manager tick, one syncfs()
     *  of the data root's file system replaces their fdatasync()s (and the metas' too): one
     *  journal commit instead of one per file. Suits a file system the store has to itself; on
     *  a shared one syncfs also flushes other programs' writes. 0 = always one sync per file.
     *  Default 8. */
    uint32_t disk_sync_all_min_files;
    /** The boot number every sector header records, so that monotonic times of different boots
     *  are never confused (SsBatchInfo.boot). With the Linux disk tier it is ignored: the tier
     *  keeps a counter in <disk_root>/boot that goes up by one at every ss_init_system. Without
     *  one (the MCU, also with its flash tier) the host passes its own, e.g. a reset counter kept
     *  in backup RAM or flash. */
    uint32_t boot_id;
    /** Root directory of the disk tier (Linux); NULL = RAM only. Created (0700) if missing;
     *  needs crc_enabled and disk_sector_bytes a multiple of ram_sector_bytes. On the STM32
     *  port built with the flash tier (ss_stm32_port_cold_tier) any non-empty name asks for the
     *  flash tier over the block device the firmware handed to the port before this call
     *  (stm32/ports/arm-cm4/flash_tier.hpp; ss::stm32::configure_flash_tier sets it to "flash"
     *  and a disk_sector_bytes that passes the check); docs/porting.md §5a. */
    const char *disk_root;
    /**
     * Memory for the pool and all metadata, or NULL to let the platform allocate it once at
     * init (Linux). ss_arena_bytes tells the size needed. Alignment: 8 bytes. arena and
     * arena_bytes are both set or both unset (-EINVAL otherwise).
     */
    void *arena;
    size_t arena_bytes;
    /** Log sink, or NULL for the platform default (stderr on Linux, silent on STM32). */
    SsLogFn log;
    void *log_ctx;
    /** The lock of every store, the pool, the registry and the subscriptions; NULL = the
     *  platform's (pthread mutexes on Linux). Copied at init: the struct may go afterwards. */
    const SsLockOps *lock_ops;
    /** The monotonic and UTC clocks; NULL = the platform's (CLOCK_MONOTONIC and CLOCK_REALTIME
     *  on Linux, UTC taken as unknown before 2020-01-01). Copied at init. */
    const SsClockOps *clock_ops;
} SsInitCfg;

/** Per-sensor figures (ss_get_sensor_stats). Counts are records unless named otherwise. */
typedef struct SsSensorStats {
    uint32_t sensor_id;
    uint8_t source;            /**< SsSource */
    uint8_t type;              /**< SensorType */
    uint64_t retained;         /**< records held: pending + unsent */
    uint64_t pending;          /**< handed out, awaiting erase */
    uint64_t unsent;           /**< not yet handed out */
    uint64_t next_seq;         /**< sequence number the next add will get */
    uint64_t head_seq;         /**< sequence number of the oldest retained record */
    uint64_t pending_seq;      /**< sequence number of the first UNSENT record */
    uint64_t written;          /**< adds accepted */
    uint64_t erased;           /**< records erased after acknowledgement */
    uint64_t dropped_new;      /**< adds refused because only pending data remained */
    uint64_t dropped_recycled; /**< unsent records recycled to keep the newest */
    uint64_t dropped_corrupt;  /**< records lost with sectors that failed their CRC */
    uint32_t corrupt_sectors;  /**< sectors dropped for a CRC mismatch */
    uint32_t sectors;          /**< RAM sectors held */
    uint64_t dropped_quota;    /**< unsent records dropped from disk at the disk quota */
    uint64_t disk_records;     /**< records retained in the disk tier (spilled) */
    uint32_t lost_units;       /**< disk units recovery found CRC-bad or torn (cut short by a crash),
                                    until the acknowledged boundary passes them; kept across restarts */
    uint64_t lost_records;     /**< records known lost with those units (from their sequence numbers
                                    where the unit's header survived) */
    uint32_t write_verify_failures; /**< disk tier, SS_VERIFY_AFTER_WRITE: writes whose read-back
                                         differed from what was written (each was written again) */
    uint8_t verify_level;      /**< the sensor's SsVerifyLevel */
    uint32_t sample_period_us; /**< nominal sample period sectors opened now record (0 = none) */
    uint32_t clears;           /**< ss_sensor_clear calls; not reset by them (0 on a bare-metal MCU,
                                    which keeps only SsSystemStats's sum) */
    uint64_t cleared_records;  /**< records ss_sensor_clear discarded; not reset by it (ditto) */
} SsSensorStats;

/** System-wide figures (ss_get_system_stats). */
typedef struct SsSystemStats {
    uint32_t sensors;             /**< registered */
    uint32_t max_sensors;
    uint32_t sectors_total;       /**< RAM pool capacity in sectors */
    uint32_t sectors_free;        /**< free now */
    uint32_t sectors_free_min;    /**< fewest ever free since init (low watermark) */
    uint32_t sector_bytes;
    uint32_t ram_used_pct;        /**< sectors in use, percent of what registered sensors may
                                       use: the pool less one sector kept back for each sensor
                                       not yet registered (the watermarks apply to this) */
    uint64_t records_retained;    /**< over all sensors */
    uint64_t dropped_new;
    uint64_t dropped_recycled;
    uint64_t dropped_corrupt;
    uint32_t corrupt_sectors;
    uint32_t health_flags;        /**< SS_HEALTH_* bits; 0 = healthy */
    size_t arena_bytes;           /**< memory in use for pool + metadata */
    uint64_t disk_bytes_used;     /**< disk tier: allocation units held, bytes */
    uint64_t disk_quota_bytes;    /**< disk tier: the quota in force (lowered when the disk is full) */
    uint64_t dropped_quota;       /**< disk tier: unsent records dropped at the quota */
    uint32_t lost_units;          /**< disk tier: units recovery found corrupt or torn (see SsSensorStats) */
    uint64_t lost_records;        /**< disk tier: records known lost with them */
    uint32_t write_verify_failures; /**< disk tier: writes whose read-back differed (see SsSensorStats) */
    uint32_t boot;                /**< the boot number this session's sectors record (SsInitCfg.boot_id) */
    uint32_t clears;              /**< ss_sensor_clear calls over all sensors */
    uint64_t cleared_records;     /**< records they discarded */
} SsSystemStats;

/* CORRUPTION and DROPPING stay set once raised (the stats count how often); DISK_ERROR and
 * DISK_FULL describe the present and clear when the condition has passed. */
#define SS_HEALTH_CORRUPTION  0x1u /**< at least one sector failed its CRC (in RAM, on a read, or found by recovery) */
#define SS_HEALTH_DROPPING    0x2u /**< records were dropped for lack of space */
#define SS_HEALTH_DISK_ERROR  0x4u /**< disk writes keep failing, a write read back differed (SS_VERIFY_AFTER_WRITE),
                                        or files could not be read; data is held in RAM and retried */
#define SS_HEALTH_DISK_FULL   0x8u /**< the file system ran out of space in the last 10 s; treated as the quota */

/** Result of ss_scrub. */
typedef struct SsScrubReport {
    uint32_t sensors;           /**< stores scanned */
    uint32_t sectors_checked;   /**< sealed sectors whose CRC was verified */
    uint32_t corrupt_sectors;   /**< found corrupt and dropped */
    uint64_t records_dropped;   /**< records lost with them */
} SsScrubReport;

/* ---- events (see "event subscriptions" below) ------------------------------------------ */

/** What an event reports (SsEvent.kind). A subscription names the kinds it wants as a mask of
 *  SS_EVENT_MASK(kind) bits. */
typedef enum {
    SS_EVENT_NEW_DATA = 0, /**< a sensor stored records since the last tick: one event per sensor and tick */
    SS_EVENT_OVERFLOW = 1, /**< a sensor began, or stopped, losing records for lack of space */
    SS_EVENT_DROP = 2,     /**< a sensor lost records since the last tick: one event per cause */
    SS_EVENT_ERASED = 3,   /**< a sensor's records were erased after acknowledgement since the last tick */
    SS_EVENT_HEALTH = 4    /**< the system's health flags (SS_HEALTH_*) changed */
} SsEventKind;

#define SS_EVENT_MASK(kind) (1u << (kind))
#define SS_EVENTS_ALL 0x1Fu /**< every kind */

/** Why records were lost (SsEvent.cause of an SS_EVENT_DROP); one per loss counter of SsSensorStats. */
typedef enum {
    SS_DROP_NEW = 0,      /**< dropped_new: adds refused because only pending data remained */
    SS_DROP_RECYCLED = 1, /**< dropped_recycled: unsent records recycled to keep the newest */
    SS_DROP_CORRUPT = 2,  /**< dropped_corrupt: lost with sectors that failed their CRC */
    SS_DROP_QUOTA = 3,    /**< dropped_quota: unsent records dropped from disk at the quota */
    SS_DROP_LOST = 4,     /**< lost_records: found lost on disk by recovery (torn or CRC-bad units) */
    SS_DROP_CLEARED = 5   /**< cleared_records: discarded by ss_sensor_clear (an operator's action) */
} SsDropCause;

/** SsEvent.overflow of an SS_EVENT_OVERFLOW. */
typedef enum {
    SS_OVERFLOW_BEGAN = 1, /**< the first tick in which the sensor lost records for lack of space */
    SS_OVERFLOW_ENDED = 2  /**< ten ticks in a row without such a loss (about 1 s at the usual 100 ms) */
} SsOverflowPhase;

/**
 * One event, 32 bytes. Events are derived at each manager tick from the counters of
 * SsSensorStats and SsSystemStats, so each one sums up everything of its kind that happened to
 * one sensor since the tick before (coalesced): a sensor written a thousand times between two
 * ticks gives one SS_EVENT_NEW_DATA with count 1000. A tick reports each sensor in registration
 * order, its events in this order: NEW_DATA, DROP (by cause, in SsDropCause order), OVERFLOW,
 * ERASED; then HEALTH. Fields a kind does not use are 0.
 */
typedef struct SsEvent {
    /** NEW_DATA, and DROP of cause SS_DROP_NEW: the sequence numbers the sensor took since the
     *  last tick, first..last (the same range in both when a tick has both); NEW_DATA's `count`
     *  of them were stored, the DROP's count dropped. So these ranges cover a sensor's numbers
     *  without a hole. ERASED: the range the oldest retained record moved across; every record
     *  numbered up to last_seq is now erased or dropped. */
    uint64_t first_seq;
    uint64_t last_seq;
    /** Records: stored (NEW_DATA), lost by this cause (DROP), erased (ERASED); OVERFLOW: lost for
     *  lack of space in the tick it began, and over the whole overflow when it ended. Held at
     *  UINT32_MAX rather than wrapping. */
    uint32_t count;
    uint32_t sensor_id;
    uint8_t kind;     /**< SsEventKind */
    uint8_t source;   /**< SsSource */
    uint8_t cause;    /**< DROP: SsDropCause */
    uint8_t overflow; /**< OVERFLOW: SsOverflowPhase */
    uint16_t health_before; /**< HEALTH: SS_HEALTH_* bits at the tick before */
    uint16_t health_after;  /**< HEALTH: SS_HEALTH_* bits now */
} SsEvent;

/** Called with each event of a subscription's kinds; `event` is valid for the call. */
typedef void (*SsEventFn)(void *ctx, const SsEvent *event);

/** Subscriptions that can exist at once. */
#define SS_MAX_SUBSCRIBERS 8

/* ---- configuration and lifetime -------------------------------------------------------- */

/** Fills cfg with the specification defaults for target. Returns 0 or -EINVAL. */
SS_API int ss_config_defaults(SsInitCfg *cfg, SsTarget target);

/** Bytes of arena ss_init_system needs for cfg. Returns 0, or -EINVAL naming the bad knob. */
SS_API int ss_arena_bytes(const SsInitCfg *cfg, size_t *out_bytes);

/**
 * 1) Initialises the pool and the manager. Returns 0, -EINVAL (bad config: see ss_last_error;
 * already initialised), or -ENOSPC (arena too small or could not be allocated).
 */
SS_API int ss_init_system(const SsInitCfg *cfg);

/** Tears the system down; every handle becomes invalid. Allows a later ss_init_system.
 *  Returns 0, or -EINVAL if not initialised. */
SS_API int ss_deinit_system(void);

/** Why the last failed ss_init_system / ss_arena_bytes / registration failed; never NULL. */
SS_API const char *ss_last_error(void);

/** Short text for a return code of this API. */
SS_API const char *ss_strerror(int rc);

/* ---- sensors ----------------------------------------------------------------------------- */

/**
 * 2) Registers sensor (SS_SOURCE_HOST, sensor_id) and gives it its first sector.
 * Returns 0; -EINVAL on a null out, bad type or duplicate; -ENOSPC when max_sensors are in use;
 * -EIO (disk tier) when its files could not be read: nothing registered, try again.
 */
SS_API int ss_sensor_init(uint32_t sensor_id, SensorType type, SensorStore **out);

/** As ss_sensor_init, for any source. */
SS_API int ss_sensor_init_ex(SsSource source, uint32_t sensor_id, SensorType type, SensorStore **out);

/** Finds a registered sensor. Returns 0, or -EINVAL if it is not registered. */
SS_API int ss_sensor_lookup(SsSource source, uint32_t sensor_id, SensorStore **out);

/* ---- writing ------------------------------------------------------------------------------ */

/**
 * 3) Appends a time-series value. Returns 0; -EINVAL (bad handle, or an EVT sensor);
 * -ENOSPC if the record was dropped because only pending data remained (it is counted and
 * its sequence number is skipped).
 */
SS_API int ss_ts_add(SensorStore *s, uint32_t value);

/** 4) Appends an event. Same contract as ss_ts_add, for EVT sensors. */
SS_API int ss_evt_add(SensorStore *s, uint32_t value, uint64_t ts_ms);

/**
 * Appends n time-series values under one lock: exactly what n ss_ts_add calls would do, for a
 * capture buffer. *out_stored (may be NULL) tells how many were stored, always the first ones.
 * Returns 0 if all were; -ENOSPC if the rest were dropped (counted, their numbers skipped);
 * -EINVAL for a bad handle, an EVT sensor, or a null values with n > 0 (nothing stored).
 */
SS_API int ss_ts_add_many(SensorStore *s, const uint32_t *values, uint32_t n, uint32_t *out_stored);

/** ss_ts_add_many for events (EVT sensors): n packed SsEventRecord. */
SS_API int ss_evt_add_many(SensorStore *s, const SsEventRecord *events, uint32_t n, uint32_t *out_stored);

/**
 * Writer-numbered (relayed) stores: the next record added to s gets number seq. Above the next
 * number, the numbers in between are a gap, as records dropped by policy (no batch spans it; not
 * counted as drops). Below it, down to the floor only: the end of the newest record s retains
 * (in RAM or the disk tier) or its acknowledged boundary, whichever is higher; after a restart
 * that lets a writer store again the numbers skipped by the resumed numbering. An open sector
 * holding records is sealed first. seq == next does nothing. Returns 0; -EINVAL (bad handle, seq
 * below the floor or above 2^56 - 1); -ENOSPC if no sector could be had to start at seq (as for
 * an add: a full pool recycles the oldest unsent sector, counted; -ENOSPC when only pending data
 * is left, or while the disk tier's sectors wait for its sync: try again after a manager tick).
 * Nothing changes on an error.
 */
SS_API int ss_sensor_seek(SensorStore *s, uint64_t seq);

/**
 * Seals s's open sector if it holds records and has the disk tier take all of s's sealed
 * sectors at the next ss_manager_tick, whatever the RAM watermarks; that tick writes and syncs
 * them. Without a disk tier it only seals. Returns 0 or -EINVAL.
 */
SS_API int ss_sensor_flush(SensorStore *s);

/* ---- reading ------------------------------------------------------------------------------ */

/** 5) Records retained (pending + unsent). Returns 0 or -EINVAL. */
SS_API int ss_get_total_records(const SensorStore *s, uint64_t *out_total_current);

/** 6) Records UNSENT (= total - pending). Returns 0 or -EINVAL. */
SS_API int ss_get_unsent_count(const SensorStore *s, uint64_t *out_unsent);

/** Records PENDING (consumed, not yet erased). Returns 0 or -EINVAL. */
SS_API int ss_get_pending_count(const SensorStore *s, uint64_t *out_pending);

/**
 * 7) Reads the record at offset from the oldest retained one (0 = oldest pending or unsent),
 * without moving any cursor. out_rec is a uint32_t* (TS) or SsEventRecord* (EVT).
 * Returns 0; -EINVAL (null, offset >= total); -EIO if the sector failed its CRC check
 * (SS_VERIFY_EVERY_READ): the sector was dropped and counted.
 */
SS_API int ss_diag_read_at(const SensorStore *s, uint64_t offset, void *out_rec);

/**
 * 8) Copies the oldest UNSENT record to out_rec and marks it PENDING.
 * Returns 0, -EAGAIN if nothing is unsent, -EINVAL on bad arguments.
 */
SS_API int ss_consume_next(SensorStore *s, void *out_rec);

/**
 * Copies up to max_records of the oldest UNSENT records to out_buf (uint32_t[] or
 * SsEventRecord[]) and marks them PENDING; *out_n tells how many. A batch never spans a gap
 * in the sequence, so its records are exactly [first_seq, first_seq + n).
 * Returns 0 (n >= 1), -EAGAIN (n = 0, nothing unsent), -EINVAL (bad arguments, max_records 0).
 * A sector that fails its CRC check is dropped and counted and the batch goes on past it.
 */
SS_API int ss_consume_batch(SensorStore *s, void *out_buf, uint32_t max_records, uint32_t *out_n);

/** As ss_consume_batch, also telling the sequence number of the first record returned. */
SS_API int ss_consume_batch_ex(SensorStore *s, void *out_buf, uint32_t max_records, uint32_t *out_n,
                        uint64_t *out_first_seq);

/**
 * *out_end: every record of s numbered below it is durable: erased (acknowledged), dropped by
 * policy, or in the disk tier and synced (a crash or power cut keeps it). Records only in RAM
 * or written but not synced are not. Without a disk tier: the first record retained, or the
 * next number if none is. Never decreases within a session, except by an ss_sensor_seek below
 * it: right after a restart it reports the next number (where numbering resumed), and a seek
 * down to the floor lowers it to the sought number. Returns 0 or -EINVAL (bad handle, null out).
 */
SS_API int ss_get_durable_end(const SensorStore *s, uint64_t *out_end);

/* ---- record times ------------------------------------------------------------------------ *
 * Every sector records the time of its first record, the sensor's nominal sample period and the
 * boot that wrote it; a time-series record's time is the sector's first time plus its index
 * there times the period. Event records keep their own raw ts_ms besides (003 §19).
 * A time is microseconds in a uint64_t: with SS_TIME_UTC set, since the Unix epoch (UTC); with it
 * clear, on the monotonic clock of the boot that wrote it. SS_TIME_UNKNOWN: not known. */
#define SS_TIME_UTC (UINT64_C(1) << 63)
#define SS_TIME_UNKNOWN UINT64_C(0)

/** The time base of a batch (ss_consume_batch_info): record i of the batch, sequence number
 *  first_seq + i, was taken at first_time_us + i * period_us (ss_batch_record_time). */
typedef struct SsBatchInfo {
    uint64_t first_seq;      /**< sequence number of the first record */
    uint64_t first_time_us;  /**< its time (SS_TIME_UTC flag), or SS_TIME_UNKNOWN */
    uint32_t period_us;      /**< nominal sample period, µs; 0 = none (events, or not set) */
    uint32_t boot;           /**< the boot that wrote the records (whose monotonic clock it is) */
} SsBatchInfo;

/**
 * As ss_consume_batch, also telling the batch's time base. The batch ends early where the next
 * records' boot, period or time does not continue it exactly, so every record's time follows
 * from *info (ss_batch_record_time). Records written by a format-1 store (before record times)
 * have SS_TIME_UNKNOWN. Same return codes as ss_consume_batch; info is filled on 0.
 */
SS_API int ss_consume_batch_info(SensorStore *s, void *out_buf, uint32_t max_records, uint32_t *out_n,
                          SsBatchInfo *info);

/** The time of record `index` of a batch: first_time_us + index * period_us, keeping the
 *  SS_TIME_UTC flag; SS_TIME_UNKNOWN if info is NULL or the time is not known (index 0 needs
 *  only first_time_us, any later one also a period). */
SS_API uint64_t ss_batch_record_time(const SsBatchInfo *info, uint32_t index);

/**
 * Sets the nominal sample period of a time-series sensor, µs (0 = none), for the values added
 * from now on; values already in the open sector keep theirs (the sector is sealed and a new one
 * opened, as a full one would be). Returns 0; -EINVAL for a bad handle or an EVT sensor with a
 * non-zero period; -ENOSPC if no sector could be had for the change (nothing changed).
 */
SS_API int ss_sensor_set_sample_period(SensorStore *s, uint32_t period_us);

/**
 * ss_ts_add, for a value taken at time_us (SS_TIME_UTC flag; SS_TIME_UNKNOWN = now, as ss_ts_add
 * does). The time is kept when the value is the first of a sector.
 */
SS_API int ss_ts_add_at(SensorStore *s, uint32_t value, uint64_t time_us);

/**
 * ss_ts_add_many, for values taken one sample period apart from first_time_us on (SS_TIME_UTC
 * flag; SS_TIME_UNKNOWN = now). A capture buffer passes the time of its first sample: every
 * sector the buffer opens records the exact time of its first value.
 */
SS_API int ss_ts_add_many_at(SensorStore *s, const uint32_t *values, uint32_t n, uint64_t first_time_us,
                      uint32_t *out_stored);

/**
 * Starts a new series: the values added next do not continue the previous ones' time grid (a
 * pre-trigger window after the last one), so they get a sector of their own, whose first time is
 * theirs. Seals the open sector if it holds any record (the rest of it stays unused); the next
 * add takes a sector as any add does. Returns 0, or -EINVAL for a bad handle or an EVT sensor.
 */
SS_API int ss_ts_begin_series(SensorStore *s);
/**
 * Copies retained records (pending and unsent, in RAM or on disk) from sequence number first_seq
 * on to out_buf (uint32_t[] or SsEventRecord[]), at most max_records, without moving any cursor:
 * the uploader and other readers see no difference. *out_n tells how many, *out_first_seq (may
 * be NULL) the sequence number of the first. Like a consumed batch, the records are exactly
 * [*out_first_seq, *out_first_seq + *out_n): the copy stops before a gap in the sequence.
 * A first_seq that is no longer retained (erased, dropped, cleared) reads from the oldest
 * retained record after it: *out_first_seq > first_seq tells the caller what it missed.
 * A reader that follows a stream passes *out_first_seq + *out_n as the next first_seq.
 * A sector found corrupt on the way (SS_VERIFY_EVERY_READ and above in RAM; on disk always) is
 * dropped and counted as a consume would, and the read goes on past it as past any gap.
 * The store's lock is taken once per sector copied, never per record; writers wait at most one
 * sector's copy.
 * Returns 0 (n >= 1); -EAGAIN (n = 0) when no record at or after first_seq is retained yet
 * (first_seq == SsSensorStats::next_seq: nothing newer was written); -EINVAL for a bad handle,
 * a null out_buf or out_n, max_records 0, or first_seq beyond next_seq (a number not yet
 * given out); -EIO (n = 0) when the disk tier could not read the first unit (nothing dropped).
 */
SS_API int ss_get_range(const SensorStore *s, uint64_t first_seq, uint32_t max_records, void *out_buf,
                 uint32_t *out_n, uint64_t *out_first_seq);

/**
 * Copies the newest retained records, at most n, to out_buf as ss_get_range does: the last run
 * of consecutive sequence numbers, so fewer than n when a gap lies within the last n (the
 * records before it are not the newest). Cursors do not move. Returns 0 (out_n >= 1); -EAGAIN
 * (out_n = 0) when nothing is retained; -EINVAL for a bad handle, a null out_buf or out_n, or
 * n 0; -EIO as ss_get_range.
 */
SS_API int ss_get_latest(const SensorStore *s, uint32_t n, void *out_buf, uint32_t *out_n, uint64_t *out_first_seq);

/** 9) Erases every PENDING record (the cloud acknowledged them) and frees emptied sectors.
 *  Returns 0 (also when nothing was pending) or -EINVAL. */
SS_API int ss_erase_all_pending(SensorStore *s);

/**
 * Erases the PENDING records numbered below end_seq and frees the sectors (and on disk the
 * units and 64 KB chunks) that empties: the acknowledgement of a batch [first_seq, end_seq) at
 * the front of pending, where first_seq is what ss_consume_batch_ex reported and end_seq =
 * first_seq + n. Records from end_seq on stay pending, so an uploader with several batches in
 * flight frees exactly each batch as it is acknowledged, in order (an ack that arrives before
 * those ahead of it is held until they are acknowledged: ss/ack_window.hpp does that).
 * Valid end_seq: SsSensorStats::head_seq <= end_seq <= SsSensorStats::pending_seq; end_seq ==
 * head_seq erases nothing. Spilled records are erased the same way; the new boundary becomes
 * durable with the disk tier's meta (as ss_erase_all_pending's does): after a crash, records
 * acknowledged since may be re-sent (at least once), never lost or reordered.
 * Returns 0, or -EINVAL (nothing changed) for a bad handle or an end_seq outside that range:
 * below head_seq (acknowledged and erased already) or past pending_seq (never handed out).
 */
SS_API int ss_erase_pending_until(SensorStore *s, uint64_t end_seq);

/* ---- management ---------------------------------------------------------------------------- */

/** Periodic housekeeping; call about every 100 ms from one thread. Never blocks writers long:
 *  it skips a store whose lock is busy (try_lock) and comes back next tick. Reads the monotonic
 *  clock of SsInitCfg::clock_ops, or the platform's. */
SS_API void ss_manager_tick(void);

/** ss_manager_tick at monotonic time now_ms, for a host that keeps its own clock (a runtime, a
 *  simulation, a test running an hour in a millisecond). now_ms must never go back; the
 *  force-seal interval, the shutdown budget and the disk tier's timers all count in it. Use one
 *  of the two tick calls for the life of a system, not both. */
SS_API void ss_manager_tick_at(uint64_t now_ms);

/** Tells the manager a shutdown (SIGTERM, power-fail notice) is or is no longer in progress.
 *  While it is, each ss_manager_tick seals every open sector and flushes everything to disk. */
SS_API void ss_set_shutdown(bool in_progress);

/** True once a manager tick during a shutdown has flushed everything and closed the sequence
 *  reservations: a stop now loses nothing and leaves no gap. Always true without a disk tier
 *  (RAM does not survive a stop; there is nothing to flush to). */
SS_API bool ss_shutdown_complete(void);

/** Sets how often the sensor's sectors are verified (SsVerifyLevel), from the next read or
 *  write on. Returns 0, or -EINVAL (bad handle, not an SsVerifyLevel, or a level above
 *  SS_VERIFY_OFF while crc_enabled is 0). */
SS_API int ss_sensor_set_verify_level(SensorStore *s, SsVerifyLevel level);

/**
 * An operator's action: discards every record the sensor retains (pending and unsent, in RAM
 * and on disk, where its units are given back to the file system and the quota) and resets its
 * loss and throughput counters (written, erased, dropped_*, corrupt_sectors, lost_*), then
 * counts the clear in clears and cleared_records (kept across clears; summed in SsSystemStats),
 * logs it at info level and reports it as an SS_EVENT_DROP of cause SS_DROP_CLEARED. Sequence
 * numbers are never reused: numbering goes on where it was, so readers and the cloud see the
 * discarded records as a gap. Safe against concurrent writers, the uploader and the manager
 * (records added while it runs are kept or discarded whole, never half); an upload in flight
 * whose records were cleared erases nothing when acknowledged.
 * Returns 0 once the discarded data cannot come back, also after a power cut (with a disk tier
 * the sensor's data file is emptied and synced); -EINVAL for a bad handle; -EIO when the disk
 * tier could not make it durable yet: the records are gone for this process and the manager
 * retries at each tick, but a crash before it succeeds may bring the records on disk back
 * (call again to retry at once).
 */
SS_API int ss_sensor_clear(SensorStore *s);

/** Per-sensor figures. Returns 0 or -EINVAL. */
SS_API int ss_get_sensor_stats(const SensorStore *s, SsSensorStats *out);

/** System-wide figures. Returns 0 or -EINVAL. */
SS_API int ss_get_system_stats(SsSystemStats *out);

/** Logs the figures of every sensor with this id (any source) at info level (003 §17).
 *  Returns 0, or -EINVAL if no such sensor is registered. */
SS_API int ss_dump_stats(uint32_t sensor_id);

/** Verifies the CRC of every sealed sector in RAM, drops corrupt ones and reports (units on
 *  disk are checked when read, at recovery, and by the actor runtime's integrity stage).
 *  Returns 0 or -EINVAL. */
SS_API int ss_scrub(SsScrubReport *out);

/* ---- event subscriptions ------------------------------------------------------------------ */
/*
 * A subscription gets the events of its kinds (SsEvent) through a callback. Events are derived
 * at the manager tick from the stores' counters: writers never meet a subscriber, never wait for
 * one and never pay for one. Without a subscription a tick derives nothing.
 *
 * Delivery: on the thread that calls ss_manager_tick / ss_manager_tick_at, during that call,
 * after the tick's own work, with no store or pool lock held. So a callback may call any
 * function of this API except ss_manager_tick*, ss_init_system and ss_deinit_system (it may
 * consume, erase, read stats, subscribe and unsubscribe), and every event of one sensor reaches
 * a subscription in the order it happened. A callback's time is the tick's time: it should
 * hand the event on (copy it to the application's queue) and return.
 *
 * Threads: ss_subscribe and ss_unsubscribe may be called from any thread, also while a tick
 * delivers on another. Once ss_unsubscribe returns, the callback is not running and is never
 * called again, so its ctx may be freed.
 *
 * Memory: the subscriptions and a few counters per sensor, ss_events_bytes in all. When the
 * platform allocates the arena (cfg->arena NULL, Linux) it allocates these bytes with it. A
 * caller that gives the arena gives them at its end: arena_bytes >= ss_arena_bytes +
 * ss_events_bytes; with less, the system works and ss_subscribe returns -ENOSPC.
 */

/** Bytes beyond ss_arena_bytes that event subscriptions need for cfg. Returns 0 or -EINVAL. */
SS_API int ss_events_bytes(const SsInitCfg *cfg, size_t *out_bytes);

/**
 * Calls fn(ctx, event) for every event whose kind is in kinds_mask (SS_EVENT_MASK bits, or
 * SS_EVENTS_ALL), from the next tick until ss_unsubscribe. The first tick after the first
 * subscription reports what happened since the subscription; a later subscription's first
 * events may cover up to one tick period before it. *out_token names the subscription.
 * Returns 0; -EINVAL for a null fn or out_token, a mask of 0 or of unknown bits, or a call
 * before ss_init_system; -ENOSPC when SS_MAX_SUBSCRIBERS subscriptions exist, or when the
 * arena had no room for event tracking (see above; ss_init_system's "ready" log line says so).
 */
SS_API int ss_subscribe(uint32_t kinds_mask, SsEventFn fn, void *ctx, uint32_t *out_token);

/**
 * Ends a subscription. When it returns, the callback is not running on any thread and will not
 * be called again. Called while a tick delivers events on another thread, it waits until that
 * tick's delivery is over (so do not call it holding a lock your callback takes); called from
 * inside a callback (on the ticking thread) it returns at once, and the subscription gets no
 * further event, not even the rest of that tick's. Returns 0, or -EINVAL for a token that
 * names no subscription (never issued, already ended, or from before ss_deinit_system, which
 * ends every subscription).
 */
SS_API int ss_unsubscribe(uint32_t token);

#ifdef __cplusplus
}
#endif

#endif /* SS_SENSOR_STORAGE_H */
