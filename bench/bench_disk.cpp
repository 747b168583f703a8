// ss_bench_disk: the Linux disk tier through the public C API, against baselines measured in the
// same run (docs/benchmarks.md, "Disk tier"). The figures are information, never a verdict: the
// program exits non-zero only when something fails (a refused configuration, an I/O error, a
// record that did not come back).
//
//   spill     2048 TS sensors are written through ss_ts_add with ss_manager_tick between steps
//             (the watermark, then the disk-first rule, drive the spill), then
//             ss_set_shutdown(true) + ticks until ss_shutdown_complete(), so every record of the
//             round is durable. Compared with pwrite + fdatasync of the same bytes: one file per
//             sensor with one fdatasync each, one file, and (paired with every tick) as many
//             appends + fdatasyncs as the tick made.
//   recovery  ss_init_system + registering every sensor over a store built beforehand, against
//             reading the same files with pread. Page cache warm for both (nothing is dropped),
//             unless --recovery-cold drops the store's pages before every timed pass.
//   sqlite    the spill workload through SQLite (WAL, one transaction per tick step, a
//             WITHOUT ROWID table (sensor, seq, value) keyed on (sensor, seq)).
//
// The program interposes fdatasync, fsync, syncfs, pwrite(v), pread, ftruncate, fallocate (and their
// 64-bit-offset names) and renameat
// (a counting shim that calls the real function through dlsym(RTLD_NEXT)): the library is a
// static archive linked into this executable, so its calls come here too. That tells how many
// syncs each side made and how much of the time went into them. The shim adds two clock reads
// per call (~50 ns) to calls that take microseconds.
//
// Flags: --help.
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#ifdef SS_BENCH_HAVE_SQLITE
#include <sqlite3.h>
#endif

#include "ss/crc32c.hpp"
#include "ss/sensor_storage.h"

namespace fs = std::filesystem;

// ---- the counting shim ------------------------------------------------------------------------

namespace io {

enum Kind {
    sync_data,  // fdatasync of a file whose last write was whole 4 KiB blocks (data units)
    sync_meta,  // fdatasync of a file whose last write was not (a 64-byte meta)
    sync_clean, // fdatasync with no write on that descriptor since its last sync
    fsync_any,  // fsync (the library: directories)
    write_data, // pwrite/pwritev of whole 4 KiB blocks
    write_meta, // other writes
    read_any,   // pread
    truncate_any,
    fallocate_any, // hole punching
    rename_any,
    syncfs_any, // syncfs of the data root's file system (many dirty files in one tick)
    kinds
};

const char* const names[kinds] = {"fdatasync(data)", "fdatasync(meta)", "fdatasync(no write)", "fsync(dir)",
                                  "pwrite(data)",    "pwrite(meta)",    "pread",               "ftruncate",
                                  "fallocate(punch)", "renameat",         "syncfs"};

struct Stat {
    std::uint64_t calls = 0;
    std::uint64_t ns = 0;
    std::uint64_t bytes = 0;
};

struct Counters {
    Stat s[kinds];
    Counters operator-(const Counters& o) const {
        Counters r;
        for (int i = 0; i < kinds; ++i) {
            r.s[i].calls = s[i].calls - o.s[i].calls;
            r.s[i].ns = s[i].ns - o.s[i].ns;
            r.s[i].bytes = s[i].bytes - o.s[i].bytes;
        }
        return r;
    }
    Counters& operator+=(const Counters& o) {
        for (int i = 0; i < kinds; ++i) {
            s[i].calls += o.s[i].calls;
            s[i].ns += o.s[i].ns;
            s[i].bytes += o.s[i].bytes;
        }
        return *this;
    }
    std::uint64_t syncs() const {
        return s[sync_data].calls + s[sync_meta].calls + s[sync_clean].calls + s[fsync_any].calls;
    }
    std::uint64_t sync_ns() const { return s[sync_data].ns + s[sync_meta].ns + s[sync_clean].ns + s[fsync_any].ns; }
    std::uint64_t all_ns() const {
        std::uint64_t t = 0;
        for (const Stat& x : s) t += x.ns;
        return t;
    }
};

Counters g; // the program is single-threaded
constexpr int max_fd = 1 << 16;
std::uint8_t last_write[max_fd]; // 0 none since the last sync, 1 data, 2 meta

inline std::uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

template <class F>
F real(F& cache, const char* name) {
    if (cache == nullptr) cache = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
    return cache;
}

inline void note(Kind k, std::uint64_t t0, std::uint64_t bytes = 0) {
    Stat& x = g.s[k];
    ++x.calls;
    x.ns += now_ns() - t0;
    x.bytes += bytes;
}

inline void note_write(int fd, std::uint64_t t0, std::size_t bytes) {
    const bool data = bytes != 0 && bytes % 4096 == 0;
    note(data ? write_data : write_meta, t0, bytes);
    if (fd >= 0 && fd < max_fd) last_write[fd] = data ? 1 : 2;
}

} // namespace io

extern "C" {

int fdatasync(int fd) {
    static int (*fn)(int) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const int r = io::real(fn, "fdatasync")(fd);
    io::Kind k = io::sync_clean;
    if (fd >= 0 && fd < io::max_fd) {
        k = io::last_write[fd] == 1 ? io::sync_data : io::last_write[fd] == 2 ? io::sync_meta : io::sync_clean;
        io::last_write[fd] = 0;
    }
    io::note(k, t0);
    return r;
}

int syncfs(int fd) noexcept {
    static int (*fn)(int) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const int r = io::real(fn, "syncfs")(fd);
    io::note(io::syncfs_any, t0);
    for (auto& w : io::last_write) w = 0;
    return r;
}

int fsync(int fd) {
    static int (*fn)(int) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const int r = io::real(fn, "fsync")(fd);
    io::note(io::fsync_any, t0);
    if (fd >= 0 && fd < io::max_fd) io::last_write[fd] = 0;
    return r;
}

ssize_t pwritev(int fd, const iovec* iov, int n, off_t off) {
    static ssize_t (*fn)(int, const iovec*, int, off_t) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const ssize_t r = io::real(fn, "pwritev")(fd, iov, n, off);
    io::note_write(fd, t0, r > 0 ? static_cast<std::size_t>(r) : 0);
    return r;
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
    static ssize_t (*fn)(int, const void*, size_t, off_t) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const ssize_t r = io::real(fn, "pwrite")(fd, buf, n, off);
    io::note_write(fd, t0, r > 0 ? static_cast<std::size_t>(r) : 0);
    return r;
}

ssize_t pread(int fd, void* buf, size_t n, off_t off) {
    static ssize_t (*fn)(int, void*, size_t, off_t) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const ssize_t r = io::real(fn, "pread")(fd, buf, n, off);
    io::note(io::read_any, t0, r > 0 ? static_cast<std::uint64_t>(r) : 0);
    return r;
}

int ftruncate(int fd, off_t len) noexcept {
    static int (*fn)(int, off_t) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const int r = io::real(fn, "ftruncate")(fd, len);
    io::note(io::truncate_any, t0);
    return r;
}

int fallocate(int fd, int mode, off_t off, off_t len) {
    static int (*fn)(int, int, off_t, off_t) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const int r = io::real(fn, "fallocate")(fd, mode, off, len);
    io::note(io::fallocate_any, t0);
    return r;
}

// The library's hal is built with 64-bit file offsets (_FILE_OFFSET_BITS=64, for 32-bit ARM),
// so its calls bind to the *64 names even on x86-64, where they are the same functions.
ssize_t pwritev64(int fd, const iovec* iov, int n, off64_t off) {
    static ssize_t (*fn)(int, const iovec*, int, off64_t) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const ssize_t r = io::real(fn, "pwritev64")(fd, iov, n, off);
    io::note_write(fd, t0, r > 0 ? static_cast<std::size_t>(r) : 0);
    return r;
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
    static ssize_t (*fn)(int, const void*, size_t, off64_t) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const ssize_t r = io::real(fn, "pwrite64")(fd, buf, n, off);
    io::note_write(fd, t0, r > 0 ? static_cast<std::size_t>(r) : 0);
    return r;
}

ssize_t pread64(int fd, void* buf, size_t n, off64_t off) {
    static ssize_t (*fn)(int, void*, size_t, off64_t) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const ssize_t r = io::real(fn, "pread64")(fd, buf, n, off);
    io::note(io::read_any, t0, r > 0 ? static_cast<std::uint64_t>(r) : 0);
    return r;
}

int ftruncate64(int fd, off64_t len) noexcept {
    static int (*fn)(int, off64_t) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const int r = io::real(fn, "ftruncate64")(fd, len);
    io::note(io::truncate_any, t0);
    return r;
}

int fallocate64(int fd, int mode, off64_t off, off64_t len) {
    static int (*fn)(int, int, off64_t, off64_t) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const int r = io::real(fn, "fallocate64")(fd, mode, off, len);
    io::note(io::fallocate_any, t0);
    return r;
}

int renameat(int a, const char* from, int b, const char* to) noexcept {
    static int (*fn)(int, const char*, int, const char*) = nullptr;
    const std::uint64_t t0 = io::now_ns();
    const int r = io::real(fn, "renameat")(a, from, b, to);
    io::note(io::rename_any, t0);
    return r;
}

} // extern "C"

// ---- the benchmark ----------------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

double secs(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Options {
    std::string dir = "/tmp";
    std::uint32_t sensors = 2048;
    std::uint32_t pool_sectors = 4;     // RAM pool sectors per sensor
    std::uint32_t tick_records = 510;   // records per sensor between two manager ticks
    std::uint32_t spill_sectors = 8;    // records per sensor per round, in 4 KiB sectors' worth
    std::uint32_t rounds = 3;
    std::uint32_t recovery_mib = 64;
    std::uint32_t recovery_reps = 5;
    std::string recovery_store; // built there once and reused by later runs; empty = in the temporary directory
    bool recovery_cold = false;  // drop the store's pages from the page cache before every timed pass
    std::uint32_t sqlite_rounds = 1;
    bool sqlite_full = true;
    bool run_spill = true;
    bool run_recovery = true;
    bool run_sqlite = true;
    bool io_detail = true;
    bool keep = false;
};

constexpr std::uint32_t kSectorBytes = 4096;
constexpr std::uint32_t kDiskSectorBytes = 65536;
constexpr std::uint32_t kRecordsPerSector = (kSectorBytes - 16) / 4; // 1020

void usage() {
    std::printf(
        "ss_bench_disk [flags]\n"
        "  --dir=PATH             parent of the temporary directory (default /tmp; same file system\n"
        "                         for the library, the baselines and SQLite)\n"
        "  --sensors=N            TS sensors (default 2048)\n"
        "  --pool-sectors=N       RAM pool, 4 KiB sectors per sensor (default 4)\n"
        "  --tick-records=N       records per sensor between two ss_manager_tick calls (default 510)\n"
        "  --spill-sectors=N      spill round: records per sensor, in sectors of 1020 (default 8)\n"
        "  --rounds=N             measured spill rounds, each library/baseline pair interleaved (default 3)\n"
        "  --recovery-mib=N       size of the store the recovery benchmark opens (default 64)\n"
        "  --recovery-reps=N      timed opens (and reads) of it (default 5)\n"
        "  --recovery-store=PATH  keep the recovery store at PATH: built there if PATH has none, else\n"
        "                         reused as it is (it must have been built with the same --recovery-mib\n"
        "                         and --sensors); never removed. Lets two builds open the same files\n"
        "  --recovery-cold        drop the store's files from the page cache (syncfs, then\n"
        "                         posix_fadvise DONTNEED) before every timed open and read\n"
        "  --sqlite-rounds=N      SQLite rounds of the spill workload (default 1; 0 = none)\n"
        "  --sqlite-sync=full|normal  PRAGMA synchronous (default full)\n"
        "  --only=LIST            comma list of spill,recovery,sqlite (default all)\n"
        "  --no-io-detail         leave out the per-syscall breakdown\n"
        "  --keep                 keep the temporary directory (for filefrag, du, ...)\n");
}

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const auto eq = a.find('=');
        const std::string_view k = a.substr(0, eq);
        const std::string v = eq == std::string_view::npos ? std::string() : std::string(a.substr(eq + 1));
        auto num = [&](std::uint32_t& out) {
            char* end = nullptr;
            const unsigned long x = std::strtoul(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || x > 0xFFFFFFFFul) return false;
            out = static_cast<std::uint32_t>(x);
            return true;
        };
        bool ok = true;
        if (k == "--help" || k == "-h") {
            usage();
            std::exit(0);
        } else if (k == "--dir") o.dir = v, ok = !v.empty();
        else if (k == "--sensors") ok = num(o.sensors) && o.sensors >= 1;
        else if (k == "--pool-sectors") ok = num(o.pool_sectors) && o.pool_sectors >= 2;
        else if (k == "--tick-records") ok = num(o.tick_records) && o.tick_records >= 1;
        else if (k == "--spill-sectors") ok = num(o.spill_sectors) && o.spill_sectors >= 1;
        else if (k == "--rounds") ok = num(o.rounds) && o.rounds >= 1;
        else if (k == "--recovery-mib") ok = num(o.recovery_mib) && o.recovery_mib >= 1;
        else if (k == "--recovery-reps") ok = num(o.recovery_reps) && o.recovery_reps >= 1;
        else if (k == "--recovery-store") o.recovery_store = v, ok = !v.empty() && v[0] == '/';
        else if (k == "--recovery-cold") o.recovery_cold = true;
        else if (k == "--sqlite-rounds") ok = num(o.sqlite_rounds);
        else if (k == "--sqlite-sync") {
            ok = v == "full" || v == "normal";
            o.sqlite_full = v == "full";
        } else if (k == "--only") {
            o.run_spill = v.find("spill") != std::string::npos;
            o.run_recovery = v.find("recovery") != std::string::npos;
            o.run_sqlite = v.find("sqlite") != std::string::npos;
        } else if (k == "--no-io-detail") o.io_detail = false;
        else if (k == "--keep") o.keep = true;
        else ok = false;
        if (!ok) {
            std::fprintf(stderr, "ss_bench_disk: bad flag %s (see --help)\n", argv[i]);
            return false;
        }
    }
    return true;
}

[[noreturn]] void die(const char* what, int rc = 0) {
    std::fprintf(stderr, "ss_bench_disk: %s%s%s\n", what, rc != 0 ? ": " : "", rc != 0 ? ss_strerror(rc) : "");
    std::exit(1);
}

void quiet_log(void*, int level, const char* msg) {
    if (level == 0) std::fprintf(stderr, "ss: %s\n", msg);
}

double median(std::vector<double> v) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Removes the temporary directory at exit, whatever happens in between (except a signal).
struct TempDir {
    fs::path path;
    ~TempDir() {
        std::error_code ec;
        if (!path.empty()) fs::remove_all(path, ec);
    }
};
TempDir g_tmp;

struct DiskUse {
    std::uint64_t apparent = 0;  // st_size
    std::uint64_t allocated = 0; // st_blocks * 512
    std::uint64_t files = 0;
    std::uint64_t meta_allocated = 0; // of that, files named *.meta
};

DiskUse disk_use(const fs::path& root) {
    DiskUse u;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
        struct stat st;
        if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        u.apparent += static_cast<std::uint64_t>(st.st_size);
        u.allocated += static_cast<std::uint64_t>(st.st_blocks) * 512;
        ++u.files;
        if (it->path().extension() == ".meta") u.meta_allocated += static_cast<std::uint64_t>(st.st_blocks) * 512;
    }
    return u;
}

std::string dat_path(const fs::path& root, std::uint32_t id) {
    char name[40];
    std::snprintf(name, sizeof name, "sensor_%010u.dat", id);
    return (root / "host" / name).string();
}

/// root must outlive every use of the returned configuration (disk_root points into it).
SsInitCfg make_cfg(const Options& o, const std::string& root, std::uint64_t quota) {
    if (root.empty() || root[0] != '/') die("internal: disk_root must be an absolute path");
    SsInitCfg c{};
    if (ss_config_defaults(&c, SS_TARGET_LINUX) != 0) die("ss_config_defaults failed");
    c.ram_sector_bytes = kSectorBytes;
    c.disk_sector_bytes = kDiskSectorBytes;
    c.max_sensors = o.sensors;
    c.ram_pool_bytes = std::size_t{o.sensors} * o.pool_sectors * kSectorBytes;
    c.disk_quota_bytes = quota;
    c.force_seal_interval_ms = 0; // the benchmark's own ticks decide; no timer-driven seals
    c.disk_root = root.c_str();
    c.log = quiet_log;
    return c;
}

void init_or_die(const SsInitCfg& c) {
    if (const int rc = ss_init_system(&c); rc != 0) {
        std::fprintf(stderr, "ss_init_system: %s\n", ss_last_error());
        die("ss_init_system", rc);
    }
}

std::vector<SensorStore*> register_all(const Options& o) {
    std::vector<SensorStore*> h(o.sensors);
    for (std::uint32_t i = 0; i < o.sensors; ++i)
        if (const int rc = ss_sensor_init(i + 1, SENSOR_TS, &h[i]); rc != 0) die("ss_sensor_init", rc);
    return h;
}

SsSystemStats system_stats() {
    SsSystemStats s{};
    ss_get_system_stats(&s);
    return s;
}

/// Flushes everything (shutdown mode) and leaves shutdown mode again. Returns the ticks taken.
int flush_all() {
    ss_set_shutdown(true);
    int ticks = 0;
    do {
        ss_manager_tick();
        ++ticks;
    } while (!ss_shutdown_complete() && ticks < 1000);
    if (!ss_shutdown_complete()) die("the shutdown flush did not complete in 1000 ticks");
    ss_set_shutdown(false);
    return ticks;
}

// ---- spill --------------------------------------------------------------------------------------

struct SpillRound {
    double t_add = 0, t_tick = 0, t_flush = 0;
    double t_resume = 0; // untimed: the tick after the flush that renews every reservation
    double t_paired = 0; // the baseline repeating each tick's data appends + syncs (not in the library's time)
    std::uint64_t records = 0;     // added and durable
    std::uint64_t lost = 0;        // refused or dropped (should be 0)
    int ticks = 0, flush_ticks = 0;
    std::vector<std::uint64_t> dat_bytes; // per sensor, this round
    std::uint64_t dat_total = 0;
    std::uint64_t dat_allocated = 0;  // .dat blocks added this round
    std::uint64_t meta_allocated = 0; // all .meta files
    std::uint64_t files = 0;
    io::Counters io_ticks; // during the steady ticks
    io::Counters io_flush; // during the shutdown flush
    double manager() const { return t_tick + t_flush; }
    double total() const { return t_add + t_tick + t_flush; }
};

struct Baseline {
    std::vector<int> fds; // one file per sensor
    std::vector<std::uint64_t> end; // where each file's next append goes
    int one_fd = -1;      // one file for everything
    std::uint64_t one_end = 0;
    std::size_t next = 0; // rotation of the paired appends over fds
    std::vector<char> buf;
};

Baseline make_baseline(const Options& o, const fs::path& dir) {
    Baseline b;
    fs::create_directories(dir);
    b.fds.resize(o.sensors);
    b.end.assign(o.sensors, 0);
    for (std::uint32_t i = 0; i < o.sensors; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "file_%05u", i);
        b.fds[i] = ::open((dir / name).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (b.fds[i] < 0) die("creating a baseline file");
    }
    b.one_fd = ::open((dir / "one_file").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (b.one_fd < 0) die("creating the baseline file");
    b.buf.resize(1 << 20);
    for (std::size_t i = 0; i < b.buf.size(); ++i) b.buf[i] = static_cast<char>(i * 2654435761u >> 13);
    return b;
}

void write_all(int fd, const std::vector<char>& buf, std::uint64_t bytes, std::uint64_t off) {
    while (bytes > 0) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(bytes, buf.size()));
        if (::pwrite(fd, buf.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n)) die("baseline pwrite");
        bytes -= n;
        off += n;
    }
}

/// One file per sensor: each file gets its sensor's bytes of the round appended (1 MiB writes)
/// and one fdatasync, in sensor order. The files grow from round to round like the library's.
double baseline_per_sensor(Baseline& b, const std::vector<std::uint64_t>& bytes) {
    const auto a = Clock::now();
    for (std::size_t i = 0; i < b.fds.size(); ++i) {
        if (bytes[i] == 0) continue;
        write_all(b.fds[i], b.buf, bytes[i], b.end[i]);
        if (::fdatasync(b.fds[i]) != 0) die("baseline fdatasync");
        b.end[i] += bytes[i];
    }
    return secs(a, Clock::now());
}

/// One file: all the bytes appended sequentially in 1 MiB writes, one fdatasync.
double baseline_one_file(Baseline& b, std::uint64_t total) {
    const auto a = Clock::now();
    write_all(b.one_fd, b.buf, total, b.one_end);
    if (::fdatasync(b.one_fd) != 0) die("baseline fdatasync");
    b.one_end += total;
    return secs(a, Clock::now());
}

/// Right after a library tick: as many appends + fdatasyncs as the tick made on data files, with
/// the same bytes, on the baseline's per-sensor files in rotation. Paired in time with the tick,
/// so a burst of I/O from elsewhere hits both alike.
double paired_same_syncs(Baseline& b, const io::Counters& d) {
    const std::uint64_t n = d.s[io::sync_data].calls;
    if (n == 0) return 0;
    const std::uint64_t units = d.s[io::write_data].bytes / kSectorBytes;
    const auto a = Clock::now();
    for (std::uint64_t k = 0; k < n; ++k) {
        const std::uint64_t piece = (units * (k + 1) / n - units * k / n) * kSectorBytes;
        const std::size_t f = b.next++ % b.fds.size();
        if (piece != 0) write_all(b.fds[f], b.buf, piece, b.end[f]);
        b.end[f] += piece;
        if (::fdatasync(b.fds[f]) != 0) die("baseline fdatasync");
    }
    return secs(a, Clock::now());
}

std::uint32_t g_value = 0;
std::vector<std::uint64_t> g_dat_size; // each sensor's .dat size after the previous round

/// One round: per_sensor records into every sensor, a manager tick every tick_records, then the
/// shutdown flush. Nothing is consumed or erased: the files grow from round to round, as they do
/// while the uplink is down. After the flush, one untimed tick leaves shutdown mode (it renews
/// every sensor's sequence reservation, which the shutdown closed).
SpillRound lib_spill_round(const Options& o, const std::vector<SensorStore*>& h, const fs::path& root,
                           std::uint64_t per_sensor, Baseline* paired) {
    SpillRound r;
    const DiskUse use0 = disk_use(root);
    const SsSystemStats before = system_stats();
    for (std::uint64_t done = 0; done < per_sensor;) {
        const std::uint64_t k = std::min<std::uint64_t>(o.tick_records, per_sensor - done);
        const auto a = Clock::now();
        for (SensorStore* s : h)
            for (std::uint64_t j = 0; j < k; ++j)
                if (ss_ts_add(s, g_value++) != 0) ++r.lost;
        const auto b = Clock::now();
        const io::Counters c0 = io::g;
        ss_manager_tick();
        const auto c = Clock::now();
        const io::Counters d = io::g - c0;
        r.io_ticks += d;
        if (paired != nullptr) r.t_paired += paired_same_syncs(*paired, d);
        r.t_add += secs(a, b);
        r.t_tick += secs(b, c);
        ++r.ticks;
        done += k;
    }
    const io::Counters c0 = io::g;
    const auto a = Clock::now();
    r.flush_ticks = flush_all();
    r.t_flush = secs(a, Clock::now());
    r.io_flush = io::g - c0;
    if (paired != nullptr) r.t_paired += paired_same_syncs(*paired, r.io_flush);
    const SsSystemStats after = system_stats();
    // A refused add is also counted as dropped_new: take the larger of the two counts.
    r.lost = std::max<std::uint64_t>(r.lost, (after.dropped_new - before.dropped_new) +
                                                 (after.dropped_recycled - before.dropped_recycled) +
                                                 (after.dropped_quota - before.dropped_quota));
    r.records = per_sensor * h.size() - r.lost;
    r.dat_bytes.resize(h.size());
    g_dat_size.resize(h.size());
    for (std::uint32_t i = 0; i < h.size(); ++i) {
        struct stat st;
        const std::uint64_t size =
            ::stat(dat_path(root, i + 1).c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
        r.dat_bytes[i] = size - g_dat_size[i];
        g_dat_size[i] = size;
        r.dat_total += r.dat_bytes[i];
    }
    const DiskUse use1 = disk_use(root);
    r.dat_allocated = (use1.allocated - use1.meta_allocated) - (use0.allocated - use0.meta_allocated);
    r.meta_allocated = use1.meta_allocated;
    r.files = use1.files;
    const auto b = Clock::now();
    ss_manager_tick();
    r.t_resume = secs(b, Clock::now());
    return r;
}

void print_io(const char* title, const io::Counters& c, double wall, std::uint32_t rounds) {
    std::printf("  %s (per round; wall %.3f s):\n", title, wall / rounds);
    std::printf("    %-20s %10s %12s %10s %10s\n", "call", "calls", "MiB", "s", "us/call");
    for (int k = 0; k < io::kinds; ++k) {
        const io::Stat& s = c.s[k];
        if (s.calls == 0) continue;
        std::printf("    %-20s %10.0f %12.2f %10.3f %10.1f\n", io::names[k], double(s.calls) / rounds,
                    double(s.bytes) / rounds / (1 << 20), double(s.ns) / 1e9 / rounds,
                    double(s.ns) / 1e3 / double(s.calls));
    }
    std::printf("    %-20s %10s %12s %10.3f   (wall minus the calls above: CPU, open/close, ...)\n", "rest", "", "",
                wall / rounds - double(c.all_ns()) / 1e9 / rounds);
}

// ---- sqlite -------------------------------------------------------------------------------------

struct SqliteRound {
    double t = 0;
    std::uint64_t records = 0;
    std::uint64_t commits = 0;
    DiskUse use_open;   // db + wal right after the last commit
    DiskUse use_closed; // after sqlite3_close (which checkpoints and removes the WAL)
    io::Counters io;
};

#ifdef SS_BENCH_HAVE_SQLITE
void sql_exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::fprintf(stderr, "sqlite: %s: %s\n", sql, err != nullptr ? err : "?");
        sqlite3_free(err);
        die("sqlite");
    }
}

SqliteRound sqlite_round(const Options& o, const fs::path& dir) {
    SqliteRound r;
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir);
    const std::string path = (dir / "records.db").string();
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) die("sqlite3_open");
    sql_exec(db, "PRAGMA journal_mode=WAL");
    sql_exec(db, o.sqlite_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    // The same RAM as the library's pool.
    const std::string cache = "PRAGMA cache_size=-" + std::to_string(std::uint64_t{o.sensors} * o.pool_sectors * 4);
    sql_exec(db, cache.c_str());
    sql_exec(db,
             "CREATE TABLE records(sensor INTEGER NOT NULL, seq INTEGER NOT NULL, value INTEGER NOT NULL,"
             " PRIMARY KEY(sensor, seq)) WITHOUT ROWID");
    sqlite3_stmt* ins = nullptr;
    if (sqlite3_prepare_v2(db, "INSERT INTO records(sensor, seq, value) VALUES(?1, ?2, ?3)", -1, &ins, nullptr) !=
        SQLITE_OK)
        die("sqlite3_prepare_v2");
    const std::uint64_t per_sensor = std::uint64_t{o.spill_sectors} * kRecordsPerSector;
    const io::Counters c0 = io::g;
    const auto a = Clock::now();
    for (std::uint64_t done = 0; done < per_sensor;) {
        const std::uint64_t k = std::min<std::uint64_t>(o.tick_records, per_sensor - done);
        sql_exec(db, "BEGIN");
        for (std::uint32_t s = 0; s < o.sensors; ++s) {
            for (std::uint64_t j = 0; j < k; ++j) {
                sqlite3_bind_int(ins, 1, static_cast<int>(s + 1));
                sqlite3_bind_int64(ins, 2, static_cast<sqlite3_int64>(done + j));
                sqlite3_bind_int64(ins, 3, g_value++);
                if (sqlite3_step(ins) != SQLITE_DONE) die("sqlite insert");
                sqlite3_reset(ins);
            }
        }
        sql_exec(db, "COMMIT");
        ++r.commits;
        done += k;
    }
    r.t = secs(a, Clock::now());
    r.io = io::g - c0;
    r.records = per_sensor * o.sensors;
    r.use_open = disk_use(dir);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    r.use_closed = disk_use(dir);
    fs::remove_all(dir, ec);
    return r;
}
#endif

// ---- recovery -----------------------------------------------------------------------------------

volatile std::uint32_t g_crc_sink = 0; // keeps the CRCs of read_files from being optimised away

/// Reads every regular file under root (the same files recovery opens), 1 MiB at a time.
double read_files(const fs::path& root, std::vector<char>& buf, bool crc, std::uint64_t& bytes_out) {
    const auto a = Clock::now();
    std::uint64_t bytes = 0;
    std::uint32_t sink = 0;
    for (const char* src : {"host", "app", "can"}) {
        const std::string d = (root / src).string();
        DIR* dir = ::opendir(d.c_str());
        if (dir == nullptr) continue;
        const int dfd = ::dirfd(dir);
        while (const dirent* e = ::readdir(dir)) {
            if (e->d_name[0] == '.') continue;
            const int fd = ::openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC);
            if (fd < 0) die("opening a store file");
            std::uint64_t off = 0;
            for (;;) {
                const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
                if (n < 0) die("pread");
                if (n == 0) break;
                if (crc)
                    for (ssize_t at = 0; at + static_cast<ssize_t>(kSectorBytes) <= n; at += kSectorBytes)
                        sink ^= ss::crc32c(buf.data() + at, kSectorBytes);
                off += static_cast<std::uint64_t>(n);
            }
            bytes += off;
            ::close(fd);
        }
        ::closedir(dir);
    }
    const double t = secs(a, Clock::now());
    g_crc_sink = g_crc_sink ^ sink;
    bytes_out = bytes;
    return t;
}

/// Forgets the page-cache copy of every regular file under root (for --recovery-cold): the next
/// read of them comes from the device. The files are synced first (DONTNEED drops clean pages only).
void drop_cached(const fs::path& root) {
    const int rfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0 || ::syncfs(rfd) != 0) die("syncing the recovery store");
    ::close(rfd);
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) die("opening a store file");
        if (::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) die("posix_fadvise");
        ::close(fd);
    }
}

struct RecoveryResult {
    std::vector<double> init, reg, lib, base, base_crc;
    double build = 0;
    bool reused = false; // --recovery-store held a store already
    DiskUse use;
    std::uint64_t records = 0;
    io::Counters io_open;
};

RecoveryResult recovery(const Options& o, const fs::path& root) {
    RecoveryResult r;
    const std::uint64_t units_per_sensor =
        std::max<std::uint64_t>(1, std::uint64_t{o.recovery_mib} * (1 << 20) / kSectorBytes / o.sensors);
    const std::uint64_t per_sensor = units_per_sensor * kRecordsPerSector;
    const std::uint64_t quota = std::uint64_t{o.recovery_mib} * 4 * (1 << 20) + std::uint64_t{o.sensors} * 4 * kDiskSectorBytes;
    const std::string root_s = root.string();
    const SsInitCfg cfg = make_cfg(o, root_s, quota);
    std::error_code ec;
    r.reused = fs::exists(root / "host", ec);
    // Build: whole sectors per sensor, spilled by the ticks and flushed at shutdown.
    if (!r.reused) {
        const auto a = Clock::now();
        init_or_die(cfg);
        auto h = register_all(o);
        for (std::uint64_t done = 0; done < per_sensor;) {
            const std::uint64_t k = std::min<std::uint64_t>(o.tick_records, per_sensor - done);
            for (SensorStore* s : h)
                for (std::uint64_t j = 0; j < k; ++j)
                    if (ss_ts_add(s, g_value++) != 0) die("building the recovery store: an add was refused");
            ss_manager_tick();
            done += k;
        }
        flush_all();
        const SsSystemStats st = system_stats();
        if (st.dropped_new + st.dropped_recycled + st.dropped_quota != 0) die("building the recovery store: records dropped");
        ss_deinit_system();
        r.build = secs(a, Clock::now());
    }
    r.use = disk_use(root);
    r.records = per_sensor * o.sensors;
    std::vector<char> buf(1 << 20);
    std::uint64_t bytes = 0;
    auto open_once = [&](bool keep) {
        if (keep && o.recovery_cold) drop_cached(root);
        const io::Counters c0 = io::g;
        const auto a = Clock::now();
        init_or_die(cfg);
        const auto b = Clock::now();
        auto h = register_all(o);
        const auto c = Clock::now();
        if (keep) {
            r.init.push_back(secs(a, b));
            r.reg.push_back(secs(b, c));
            r.lib.push_back(secs(a, c));
            r.io_open += io::g - c0;
        }
        // Everything came back.
        std::uint64_t total = 0;
        for (SensorStore* s : h) {
            std::uint64_t n = 0;
            ss_get_total_records(s, &n);
            total += n;
        }
        if (total != r.records) die("recovery: not every record came back (a --recovery-store built with other flags?)");
        ss_deinit_system();
    };
    auto read_once = [&](bool crc) {
        if (o.recovery_cold) drop_cached(root);
        return read_files(root, buf, crc, bytes);
    };
    // Warm: one untimed pass of each.
    read_files(root, buf, false, bytes);
    open_once(false);
    for (std::uint32_t i = 0; i < o.recovery_reps; ++i) {
        if (i % 2 == 0) {
            open_once(true);
            r.base.push_back(read_once(false));
        } else {
            r.base.push_back(read_once(false));
            open_once(true);
        }
        r.base_crc.push_back(read_once(true));
    }
    return r;
}

// ---- summary ------------------------------------------------------------------------------------

struct Row {
    std::string name;
    std::string value; // with unit
    std::string baseline;
    std::string ratio;
    std::string aim;
};

std::string f(const char* spec, double v) {
    if (std::isnan(v)) return "-";
    char b[64];
    std::snprintf(b, sizeof b, spec, v);
    return b;
}

std::string machine() {
    std::string cpu = "?";
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    struct utsname u;
    uname(&u);
    char b[256];
    std::snprintf(b, sizeof b, "%s, %ld CPUs online, kernel %s, load average %.2f %.2f %.2f", cpu.c_str(),
                  sysconf(_SC_NPROCESSORS_ONLN), u.release, load[0], load[1], load[2]);
    return b;
}

std::string fs_of(const fs::path& p) {
    std::ifstream in("/proc/self/mounts");
    std::string best, best_line;
    const std::string ps = fs::weakly_canonical(p).string();
    for (std::string line; std::getline(in, line);) {
        char dev[256], mnt[256], type[64];
        if (std::sscanf(line.c_str(), "%255s %255s %63s", dev, mnt, type) != 3) continue;
        const std::string m = mnt;
        if (ps.rfind(m, 0) == 0 && m.size() >= best.size()) {
            best = m;
            best_line = std::string(type) + " on " + dev + " (mounted at " + m + ")";
        }
    }
    return best_line;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) return 2;
    {
        char tmpl[4096];
        std::snprintf(tmpl, sizeof tmpl, "%s/ss-bench-disk-XXXXXX", o.dir.c_str());
        if (::mkdtemp(tmpl) == nullptr) die("mkdtemp failed (see --dir)");
        g_tmp.path = tmpl;
    }
    const std::string machine_line = machine();
    std::printf("ss_bench_disk: %s\n", machine_line.c_str());
    std::printf("temporary directory %s: %s\n", g_tmp.path.c_str(), fs_of(g_tmp.path).c_str());
    const std::uint64_t per_sensor = std::uint64_t{o.spill_sectors} * kRecordsPerSector;
    std::printf("workload: %u TS sensors, %llu records each per round (%u sectors of %u), ss_manager_tick every %u "
                "records per sensor; RAM pool %u sectors of %u B per sensor (%.0f MiB), disk_sector_bytes %u\n\n",
                o.sensors, static_cast<unsigned long long>(per_sensor), o.spill_sectors, kRecordsPerSector,
                o.tick_records, o.pool_sectors, kSectorBytes,
                double(o.sensors) * o.pool_sectors * kSectorBytes / (1 << 20), kDiskSectorBytes);
    std::fflush(stdout);

    std::vector<Row> rows;
    double lib_e2e_rate = NAN;
    DiskUse lib_use;
    std::uint64_t lib_records = 0;

    if (o.run_spill || o.run_sqlite) {
        const fs::path root = g_tmp.path / "spill";
        const std::string root_s = root.string();
        const std::uint32_t rounds = o.run_spill ? o.rounds : 1;
        // Room for every round (the files grow; nothing is erased) and the warm-up.
        const std::uint64_t quota = std::uint64_t{o.sensors} *
                                    ((rounds + 2ull) * (o.spill_sectors + 2ull) * kSectorBytes + 2ull * kDiskSectorBytes);
        const SsInitCfg cfg = make_cfg(o, root_s, quota);
        init_or_die(cfg);
        const auto h = register_all(o);
        std::printf("spill: warm-up round of one sector per sensor (creates the files and the metas; not counted)\n");
        std::fflush(stdout);
        const SpillRound warm = lib_spill_round(o, h, root, kRecordsPerSector, nullptr);
        if (warm.lost != 0) std::printf("  warning: %llu records lost in the warm-up round\n", (unsigned long long)warm.lost);
        std::printf("  warm-up: adds %.3f s, ticks %.3f s, flush %.3f s, resume tick %.3f s\n", warm.t_add, warm.t_tick,
                    warm.t_flush, warm.t_resume);
        Baseline base = make_baseline(o, g_tmp.path / "baseline");
        std::vector<SpillRound> lib;
        std::vector<double> b_per, b_one;
        // Every round of the library is sandwiched between two runs of the baselines (they take a
        // fraction of its time), so a burst of I/O from elsewhere that hits one run of a baseline
        // shows as a spread instead of deciding the median. Before the first round the baselines
        // write what a round writes: whole 4 KiB units, ceil(records / 1020) per sensor.
        const std::uint64_t per_round = std::uint64_t{o.spill_sectors} * kRecordsPerSector;
        std::vector<std::uint64_t> expect(o.sensors, (per_round + kRecordsPerSector - 1) / kRecordsPerSector * kSectorBytes);
        auto run_base = [&](const std::vector<std::uint64_t>& bytes) {
            std::uint64_t total = 0;
            for (std::uint64_t x : bytes) total += x;
            b_per.push_back(baseline_per_sensor(base, bytes));
            b_one.push_back(baseline_one_file(base, total));
        };
        for (std::uint32_t i = 0; i < rounds; ++i) {
            run_base(lib.empty() ? expect : lib.back().dat_bytes);
            const double per_before = b_per.back(), one_before = b_one.back();
            lib.push_back(lib_spill_round(o, h, root, per_round, o.run_spill ? &base : nullptr));
            run_base(lib.back().dat_bytes);
            const SpillRound& r = lib.back();
            std::printf("  round %u: ss adds %.3f s, %d ticks %.3f s, shutdown flush %.3f s (%d ticks), [untimed resume tick "
                        "%.3f s] | paired same data syncs %.3f s | baseline before/after: per-sensor files %.3f/%.3f s, "
                        "one file %.3f/%.3f s",
                        i + 1, r.t_add, r.ticks, r.t_tick, r.t_flush, r.flush_ticks, r.t_resume, r.t_paired, per_before,
                        b_per.back(), one_before, b_one.back());
            std::printf("%s\n", r.lost != 0 ? "  (RECORDS LOST)" : "");
            std::fflush(stdout);
        }
        ss_deinit_system();
        for (int fd : base.fds) ::close(fd);
        ::close(base.one_fd);
        std::error_code ec;
        if (!o.keep) {
            fs::remove_all(g_tmp.path / "baseline", ec);
            fs::remove_all(root, ec);
        }

        std::vector<double> man, e2e, add, ticks_only, paired;
        io::Counters io_t, io_f;
        double wall_t = 0, wall_f = 0;
        std::uint64_t lost = 0;
        for (const SpillRound& r : lib) {
            man.push_back(r.manager());
            e2e.push_back(r.total());
            add.push_back(r.t_add);
            ticks_only.push_back(r.t_tick);
            paired.push_back(r.t_paired);
            io_t += r.io_ticks;
            io_f += r.io_flush;
            wall_t += r.t_tick;
            wall_f += r.t_flush;
            lost += r.lost;
        }
        const SpillRound& r0 = lib.front();
        lib_records = r0.records;
        lib_use.allocated = r0.dat_allocated + r0.meta_allocated;
        lib_use.meta_allocated = r0.meta_allocated;
        const double rec = double(r0.records);
        const double mib = double(r0.dat_total) / (1 << 20);
        lib_e2e_rate = rec / median(e2e);
        if (o.run_spill) {
            std::printf("\nspill: %llu records per round = %.1f MiB appended to the .dat files (%.1f MiB allocated; "
                        "%llu files, the .meta files %.1f MiB allocated)%s\n",
                        (unsigned long long)r0.records, mib, double(r0.dat_allocated) / (1 << 20),
                        (unsigned long long)r0.files, double(r0.meta_allocated) / (1 << 20),
                        lost != 0 ? "; RECORDS WERE LOST" : "");
            if (o.io_detail) {
                print_io("library, steady ticks", io_t, wall_t, rounds);
                print_io("library, shutdown flush", io_f, wall_f, rounds);
            }
            const double bp = median(b_per), bo = median(b_one), bs = median(paired);
            auto rate = [](double r, double t) { return f("%.2f M rec/s", r / t / 1e6); };
            auto mbs = [&](double t) { return f(" (%.0f MB/s)", mib * 1.048576 / t); };
            const std::uint64_t data_syncs = io_t.s[io::sync_data].calls + io_f.s[io::sync_data].calls;
            // Records the steady ticks made durable: full 4 KiB units of 1020 records.
            const double tick_rec = double(io_t.s[io::write_data].bytes) / rounds / kSectorBytes * kRecordsPerSector;
            const double tick_rate = tick_rec / (wall_t / rounds);
            rows.push_back({"baseline/spill_per_sensor_files", rate(rec, bp) + mbs(bp), "-", "-", "-"});
            rows.push_back({"baseline/spill_one_file", rate(rec, bo) + mbs(bo), "-", "-", "-"});
            // Only where the library synced file by file (no syncfs): otherwise nothing was paired.
            const bool have_paired = bs > 0;
            if (have_paired)
                rows.push_back({"diag/spill_paired_same_data_syncs",
                                rate(rec, bs) + f(" (%.1f syncs/file)", double(data_syncs) / rounds / o.sensors),
                                "per_sensor_files", f("%.2f", bp / bs), "-"});
            rows.push_back({"ss/spill_manager (ticks + flush)", rate(rec, median(man)) + mbs(median(man)),
                            "per_sensor_files", f("%.2f", bp / median(man)), ">= 0.8"});
            rows.push_back({"ss/spill_manager (ticks + flush)", rate(rec, median(man)), "one_file",
                            f("%.2f", bo / median(man)), "-"});
            if (have_paired)
                rows.push_back({"ss/spill_manager (ticks + flush)", rate(rec, median(man)), "paired_same_data_syncs",
                                f("%.2f", bs / median(man)), "-"});
            rows.push_back({"ss/spill_end_to_end (adds + ticks + flush)", rate(rec, median(e2e)), "per_sensor_files",
                            f("%.2f", bp / median(e2e)), ">= 0.8"});
            rows.push_back({"diag/ss_spill_steady_ticks_only", f("%.2f M rec/s", tick_rate / 1e6), "per_sensor_files",
                            f("%.2f", tick_rate / (rec / bp)), "-"});
            rows.push_back({"diag/ss_ts_add alone (in the round)", rate(rec, median(add)), "-", "-", "-"});
        }
    }

#ifdef SS_BENCH_HAVE_SQLITE
    if (o.run_sqlite && o.sqlite_rounds > 0) {
        std::printf("\nsqlite %s: %u round(s) of the same workload (WAL, synchronous=%s, one transaction per tick step, "
                    "cache_size = the library's pool)\n",
                    sqlite3_libversion(), o.sqlite_rounds, o.sqlite_full ? "FULL" : "NORMAL");
        std::fflush(stdout);
        std::vector<double> t;
        SqliteRound last;
        for (std::uint32_t i = 0; i < o.sqlite_rounds; ++i) {
            last = sqlite_round(o, g_tmp.path / "sqlite");
            t.push_back(last.t);
            std::printf("  round %u: %.3f s, %llu commits, %llu syncs (%.3f s in them), db+wal %.1f MiB, db after close %.1f MiB\n",
                        i + 1, last.t, (unsigned long long)last.commits, (unsigned long long)last.io.syncs(),
                        double(last.io.sync_ns()) / 1e9, double(last.use_open.allocated) / (1 << 20),
                        double(last.use_closed.allocated) / (1 << 20));
            std::fflush(stdout);
        }
        const double sq_rate = double(last.records) / median(t);
        rows.push_back({"sqlite/insert_commit (WAL, sync " + std::string(o.sqlite_full ? "FULL" : "NORMAL") + ")",
                        f("%.2f M rec/s", sq_rate / 1e6), "-", "-", "-"});
        rows.push_back({"ss/spill_end_to_end vs sqlite", f("%.2f M rec/s", lib_e2e_rate / 1e6), "sqlite",
                        f("%.2f", lib_e2e_rate / sq_rate), "-"});
        auto size = [&](std::uint64_t bytes) {
            return f("%.1f MiB", double(bytes) / (1 << 20)) + f(" (%.2f B/rec)", double(bytes) / double(lib_records));
        };
        rows.push_back({"size on disk: ss (allocated, .dat + .meta)", size(lib_use.allocated), "-", "-", "-"});
        rows.push_back({"size on disk: sqlite db + wal after the run", size(last.use_open.allocated), "ss",
                        f("%.2f", double(last.use_open.allocated) / double(lib_use.allocated)), "-"});
        rows.push_back({"size on disk: sqlite db after close (checkpointed)", size(last.use_closed.allocated), "ss",
                        f("%.2f", double(last.use_closed.allocated) / double(lib_use.allocated)), "-"});
    }
#else
    if (o.run_sqlite) std::printf("\nsqlite: not built (SQLite3 was not found when configuring)\n");
#endif

    if (o.run_recovery) {
        std::printf("\nrecovery: building a %u MiB store of %u sensors ...\n", o.recovery_mib, o.sensors);
        std::fflush(stdout);
        const fs::path store = o.recovery_store.empty() ? g_tmp.path / "recovery" : fs::path(o.recovery_store);
        const RecoveryResult r = recovery(o, store);
        if (r.reused) std::printf("  reused %s: ", store.c_str());
        else std::printf("  built in %.1f s: ", r.build);
        std::printf("%llu records, %llu files, %.1f MiB apparent, %.1f MiB allocated; page cache %s\n",
                    (unsigned long long)r.records, (unsigned long long)r.use.files, double(r.use.apparent) / (1 << 20),
                    double(r.use.allocated) / (1 << 20), o.recovery_cold ? "dropped before every timed pass (cold)" : "warm");
        std::vector<double> ratios;
        for (std::size_t i = 0; i < r.lib.size(); ++i) {
            ratios.push_back(r.lib[i] / r.base[i]);
            std::printf("  rep %zu: ss open %.3f s (ss_init_system %.3f + registering %.3f) | read files %.3f s, read + crc32c %.3f s"
                        " | ratio %.2f\n",
                        i + 1, r.lib[i], r.init[i], r.reg[i], r.base[i], r.base_crc[i], ratios.back());
        }
        std::printf("  ratio of each rep (open / the read next to it): median %.2f, min %.2f, max %.2f\n", median(ratios),
                    *std::min_element(ratios.begin(), ratios.end()), *std::max_element(ratios.begin(), ratios.end()));
        if (o.io_detail) print_io("library, open", r.io_open, [&] { double s = 0; for (double x : r.lib) s += x; return s; }(),
                                  static_cast<std::uint32_t>(r.lib.size()));
        const double b = median(r.base), l = median(r.lib);
        const std::string size = f("%.0f MiB", double(r.use.apparent) / (1 << 20));
        rows.push_back({"baseline/recovery_read_files (" + size + (o.recovery_cold ? ", cold)" : ")"), f("%.1f ms", b * 1e3),
                        "-", "-", "-"});
        rows.push_back({"diag/recovery_read_files_crc32c", f("%.1f ms", median(r.base_crc) * 1e3), "read_files",
                        f("%.2f", median(r.base_crc) / b), "-"});
        rows.push_back({"ss/recovery_open (init + register)", f("%.1f ms", l * 1e3), "read_files", f("%.2f", l / b),
                        "<= 1.5"});
        rows.push_back({"  of which ss_init_system", f("%.1f ms", median(r.init) * 1e3), "read_files",
                        f("%.2f", median(r.init) / b), "-"});
    }

    // Summary.
    std::size_t w0 = 10, w1 = 5, w2 = 8;
    for (const Row& r : rows) {
        w0 = std::max(w0, r.name.size());
        w1 = std::max(w1, r.value.size());
        w2 = std::max(w2, r.baseline.size());
    }
    std::printf("\nSummary: medians over the rounds. ratio = this row / the row named under \"vs\": for rates\n"
                "(rec/s) higher is better for the first, for times (ms) and sizes lower is. Information, not a\n"
                "verdict. %s\n\n",
                machine_line.c_str());
    std::printf("%-*s  %-*s  %-*s  %7s  %s\n", int(w0), "benchmark", int(w1), "value", int(w2), "vs", "ratio", "aim");
    for (const Row& r : rows)
        std::printf("%-*s  %-*s  %-*s  %7s  %s\n", int(w0), r.name.c_str(), int(w1), r.value.c_str(), int(w2),
                    r.baseline.c_str(), r.ratio.c_str(), r.aim.c_str());
    if (o.keep) {
        std::printf("\nkept %s\n", g_tmp.path.c_str());
        g_tmp.path.clear();
    }
    return 0;
}
