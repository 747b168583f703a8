// The POSIX port of the core's platform interface (ss/port.hpp): pthread mutexes for the store
// and pool locks, one heap allocation for the arena, CLOCK_MONOTONIC for the manager tick,
// CLOCK_REALTIME for UTC, stderr for the log, and on aarch64 Linux the kernel's word on the CRC32
// instructions.
#include <pthread.h>
#include <time.h>
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include <cstdio>
#include <cstdlib>

#include "ss/hal/disk_tier.hpp"
#include "ss/port.hpp"

namespace {

pthread_mutex_t* as_mutex(void* p) noexcept { return static_cast<pthread_mutex_t*>(p); }

void mutex_init(void* p) noexcept { pthread_mutex_init(as_mutex(p), nullptr); }
void mutex_destroy(void* p) noexcept { pthread_mutex_destroy(as_mutex(p)); }
void mutex_lock(void* p) noexcept { pthread_mutex_lock(as_mutex(p)); }
void mutex_unlock(void* p) noexcept { pthread_mutex_unlock(as_mutex(p)); }
bool mutex_try_lock(void* p) noexcept { return pthread_mutex_trylock(as_mutex(p)) == 0; }

// A cache line: the arena starts with the stores, whose locks are hot.
constexpr std::size_t arena_alignment = 64;

void* arena_alloc(std::size_t bytes) noexcept {
    return std::aligned_alloc(arena_alignment, (bytes + arena_alignment - 1) / arena_alignment * arena_alignment);
}

void arena_free(void* arena, std::size_t) noexcept { std::free(arena); }

std::uint64_t monotonic_ms() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1'000'000u;
}

// CLOCK_REALTIME, or 0 before 2020-01-01: a gateway that booted without an RTC or NTP starts
// at 1970 and must not stamp that as if it were UTC.
std::uint64_t utc_us() noexcept {
    constexpr std::uint64_t set_after_s = 1'577'836'800; // 2020-01-01T00:00:00Z
    timespec ts{};
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0 || static_cast<std::uint64_t>(ts.tv_sec) < set_after_s)
        return 0;
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

// The address of a thread-local object: distinct for every live thread, never 0.
std::uintptr_t thread_id() noexcept {
    static thread_local char marker;
    return reinterpret_cast<std::uintptr_t>(&marker);
}

void log_stderr(void*, int level, const char* msg) noexcept {
    static const char* const names[] = {"error", "warning", "info"};
    const char* name = level >= 0 && level <= 2 ? names[level] : "log";
    std::fprintf(stderr, "sensor-storage: %s: %s\n", name, msg);
}

#if defined(__aarch64__) && defined(__linux__)
// The ID registers that say so are readable only at EL1; Linux reads them and passes the
// answer in the auxiliary vector.
bool cpu_has_crc32c() noexcept { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }
#endif

const ss::port::Platform posix_platform{
    // A cache line per lock: writers on neighbouring sensors must not contend.
    .lock = {.size = sizeof(pthread_mutex_t),
             .align = 64,
             .init = mutex_init,
             .destroy = mutex_destroy,
             .lock = mutex_lock,
             .unlock = mutex_unlock,
             .try_lock = mutex_try_lock},
    .arena_alloc = arena_alloc,
    .arena_free = arena_free,
    .monotonic_ms = monotonic_ms,
    .utc_us = utc_us,
    .log = log_stderr,
    .cold_tier_create = ss::hal::create_disk_tier,
    .cold_tier_destroy = ss::hal::destroy_disk_tier,
    .thread_id = thread_id,
#if defined(__aarch64__) && defined(__linux__)
    .cpu_has_crc32c = cpu_has_crc32c,
#endif
};

} // namespace

const ss::port::Platform& ss::port::platform() noexcept { return posix_platform; }
