// Power cuts on the MCU's flash tier through the C API, under QEMU (netduinoplus2). The image
// runs a deterministic workload through the C API only (ss_init_system with the port's flash
// tier, ss_sensor_init, ss_ts_add / ss_evt_add, ss_manager_tick_at, ss_consume_batch_ex,
// ss_erase_pending_until, ss_get_durable_end) over a block device in a host file
// (support/semihosting_block_device.hpp). The host driver (flash_power_cut.py) kills QEMU at
// seeded moments (SIGKILL: a power cut) and boots the image again on the same file.
//
// Every record's value is a function of its sensor and its sequence number, so whatever is read
// back can be checked on its own. At each boot the image serves everything the tier holds and
// reports, per sensor, where serving started and ended and where numbering resumes ("B" lines);
// after each tick it reports every sensor's durable end (ss_get_durable_end) and the
// acknowledgement the tick made durable ("D" lines); before each acknowledgement, what it
// acknowledges ("A" lines); after each consume, what it handed out ("C" lines); after the mount,
// the log's live blocks, valid and torn units, whether it formatted a blank chip, and the device
// reads the mount took ("M" line). The driver checks each boot's B lines against what the run before
// reported; this image checks every value and reports every gap in what it is served ("G"
// lines), which the driver accepts only where a boot found records missing above the durable end
// (lost at a cut before they were durable: in RAM, or in a unit the cut tore).
//
// Command line (-semihosting-config arg=...): <name> <flash file> <rounds>.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "firmware_check.hpp"
#include "flash_tier.hpp"
#include "semihosting_block_device.hpp"
#include "ss/sensor_storage.h"

namespace {

using ss::stm32::host_write;
using ss::stm32::test::check;
using ss::stm32::test::figure;

constexpr std::uint32_t ts_sensors = 4;
constexpr std::uint32_t sensors = 6; // 4 time-series, then 2 event sensors
constexpr std::uint32_t sector_bytes = 224; // one 256-byte page with the unit header
constexpr std::uint32_t pool_sectors = 16;
constexpr std::uint32_t batch_max = 48;
// The uploader runs every few ticks: it acknowledges what it took the time before, then takes
// one batch per sensor, so that at any cut some records are pending and some unsent, in flash
// and in RAM.
constexpr std::uint32_t upload_every = 4; // rounds
constexpr std::uint32_t default_rounds = 300;
// A NOR chip of 32 sectors of 4 KiB: several laps of the ring over a run of cuts.
constexpr ss::BlockGeometry geometry{1, 256, 4096, 32, 0xFF};

ss::stm32::test::SemihostingBlockDevice device{geometry};
ss::stm32::FlashTierStorage<sensors, 256, sector_bytes> tier_memory;
alignas(8) std::byte arena[8 * 1024];
SensorStore* stores[sensors];

std::uint32_t value_of(std::uint32_t sensor, std::uint64_t seq) noexcept {
    const auto low = static_cast<std::uint32_t>(seq);
    return (sensor + 1) * 0x9E3779B1u ^ low * 2654435761u ^ static_cast<std::uint32_t>(seq >> 32);
}
std::uint64_t time_of(std::uint32_t sensor, std::uint64_t seq) noexcept { return seq * 10 + sensor; }
bool is_ts(std::uint32_t sensor) noexcept { return sensor < ts_sensors; }

/// One line to the host in one semihosting call, so that a kill never interleaves two.
class Line {
public:
    Line& operator<<(const char* s) noexcept {
        while (*s != '\0' && len_ + 1 < sizeof buf_) buf_[len_++] = *s++;
        buf_[len_] = '\0';
        return *this;
    }
    Line& operator<<(std::uint64_t v) noexcept {
        char digits[21];
        char* p = digits + sizeof digits - 1;
        *p = '\0';
        do {
            *--p = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        return *this << p;
    }
    void send() noexcept {
        *this << "\n";
        host_write(buf_);
    }

private:
    char buf_[400] = {};
    std::size_t len_ = 0;
};

struct Served {
    std::uint64_t first = 0; ///< the first record served (the resume point if none)
    std::uint64_t end = 0;   ///< past the last record served
    std::uint64_t count = 0;
    std::uint64_t bad = 0;   ///< records whose value (or time) is not the one written
    std::uint64_t gaps = 0;  ///< batches that did not start where the one before ended ("G" lines)
};

/// Consumes up to `max_batches` batches of what sensor i can hand out now (they become pending),
/// checking every record; `expect` is where the next batch must start (updated), or ~0 for
/// "wherever the tier starts" (after a boot).
Served consume(std::uint32_t i, std::uint64_t& expect, std::uint32_t max_batches) noexcept {
    Served s;
    s.first = expect;
    s.end = expect;
    for (std::uint32_t b = 0; b < max_batches; ++b) {
        std::uint32_t values[batch_max];
        SsEventRecord events[batch_max];
        std::uint32_t n = 0;
        std::uint64_t first = 0;
        void* out = is_ts(i) ? static_cast<void*>(values) : static_cast<void*>(events);
        if (ss_consume_batch_ex(stores[i], out, batch_max, &n, &first) != 0 || n == 0) break;
        if (expect != ~std::uint64_t{0} && first != expect) {
            // Records lost at a cut before they were durable (a torn unit, RAM): the driver checks
            // that the gap lies in what a boot found missing above the durable end.
            ++s.gaps;
            Line l;
            (l << "G " << std::uint64_t{i} << " " << expect << " " << first).send();
        }
        if (s.count == 0) s.first = first;
        for (std::uint32_t k = 0; k < n; ++k) {
            const std::uint64_t seq = first + k;
            const bool ok = is_ts(i) ? values[k] == value_of(i, seq)
                                     : events[k].value == value_of(i, seq) && events[k].ts_ms == time_of(i, seq);
            if (!ok) ++s.bad;
        }
        s.count += n;
        expect = first + n;
        s.end = expect;
    }
    if (s.count != 0) {
        Line l;
        (l << "C " << std::uint64_t{i} << " " << s.end).send();
    }
    return s;
}

std::uint64_t next_seq_of(std::uint32_t i) noexcept {
    SsSensorStats st;
    ss_get_sensor_stats(stores[i], &st);
    return st.next_seq;
}

/// Acknowledges sensor i's records below `end`, telling the host first (an "A" line is an upper
/// bound on what the flash can know as acknowledged).
void acknowledge(std::uint32_t i, std::uint64_t end, std::uint64_t& acked) noexcept {
    if (end <= acked) return;
    Line l;
    (l << "A " << std::uint64_t{i} << " " << end).send();
    if (ss_erase_pending_until(stores[i], end) != 0) {
        check(false, "ss_erase_pending_until accepts a batch just consumed");
        return;
    }
    acked = end;
}

std::uint32_t parse_u32(const char* s, std::uint32_t fallback) noexcept {
    if (s == nullptr || *s == '\0') return fallback;
    std::uint32_t v = 0;
    for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + static_cast<std::uint32_t>(*s - '0');
    return v;
}

} // namespace

int main() {
    static char cmdline[256];
    static char cmdline_copy[256];
    const bool have_cmdline = ss::stm32::host_command_line(cmdline, sizeof cmdline);
    std::memcpy(cmdline_copy, cmdline, sizeof cmdline);
    const char* path = have_cmdline ? ss::stm32::host_command_word(cmdline, 1) : nullptr;
    const std::uint32_t rounds = have_cmdline ? parse_u32(ss::stm32::host_command_word(cmdline_copy, 2), default_rounds) : default_rounds;
    if (path == nullptr) path = "flash_power_cut.img";

    host_write("boot\n");
    if (!device.open(path)) {
        host_write("FAIL the flash file cannot be opened or has the wrong length: ");
        host_write(path);
        host_write("\n");
        return 2;
    }
    if (ss::stm32::use_flash_tier(device, tier_memory.memory()) != 0) {
        host_write("FAIL use_flash_tier\n");
        return 2;
    }
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_STM32);
    cfg.max_sensors = sensors;
    cfg.ram_sector_bytes = sector_bytes;
    cfg.ram_pool_bytes = std::size_t{pool_sectors} * sector_bytes;
    ss::stm32::configure_flash_tier(cfg);
    cfg.force_seal_interval_ms = 500; // every fifth tick: records become durable and uploadable
    std::size_t need = 0;
    if (ss_arena_bytes(&cfg, &need) != 0 || need > sizeof arena) {
        host_write("FAIL the arena is too small or the configuration is refused: ");
        host_write(ss_last_error());
        host_write("\n");
        return 2;
    }
    cfg.arena = arena;
    cfg.arena_bytes = sizeof arena;
    if (const int rc = ss_init_system(&cfg); rc != 0) {
        host_write("FAIL ss_init_system: ");
        host_write(ss_last_error());
        host_write("\n");
        return 2;
    }
    {
        const ss::FlashLogStats& st = ss::stm32::flash_log()->stats();
        Line l;
        (l << "M " << std::uint64_t{ss::stm32::flash_log()->live_blocks()} << " " << st.live_units << " "
           << st.corrupt_units << " " << std::uint64_t{st.formatted ? 1u : 0u} << " " << std::uint64_t{device.reads()})
            .send();
    }
    for (std::uint32_t i = 0; i < sensors; ++i) {
        if (ss_sensor_init(i + 1, is_ts(i) ? SENSOR_TS : SENSOR_EVT, &stores[i]) != 0) {
            host_write("FAIL ss_sensor_init: ");
            host_write(ss_last_error());
            host_write("\n");
            return 2;
        }
    }

    // What the tier held at the cut: all of it served from the acknowledged boundary and checked;
    // it stays pending until the first upload acknowledges it, so that a cut before that serves
    // it again.
    std::uint64_t expect[sensors];
    std::uint64_t acked[sensors];
    std::uint64_t next[sensors];
    bool boot_ok = true;
    for (std::uint32_t i = 0; i < sensors; ++i) {
        expect[i] = ~std::uint64_t{0};
        const Served s = consume(i, expect[i], ~std::uint32_t{0});
        next[i] = next_seq_of(i);
        const std::uint64_t first = s.count != 0 ? s.first : next[i];
        const std::uint64_t end = s.count != 0 ? s.end : next[i];
        Line l;
        (l << "B " << std::uint64_t{i} << " " << first << " " << end << " " << next[i] << " " << s.bad << " "
           << s.gaps)
            .send();
        boot_ok = boot_ok && s.bad == 0 && next[i] >= end;
        acked[i] = first;
        expect[i] = end;
    }
    check(boot_ok, "boot: every record served has its value, below the resumed numbering");

    std::uint64_t now_ms = 0;
    std::uint64_t bad = 0, gaps = 0, refused = 0;
    for (std::uint32_t round = 0; round < rounds; ++round) {
        for (std::uint32_t i = 0; i < sensors; ++i) {
            const std::uint32_t adds = 3 + (i + round) % 5;
            for (std::uint32_t k = 0; k < adds; ++k) {
                const std::uint64_t seq = next[i];
                const int rc = is_ts(i) ? ss_ts_add(stores[i], value_of(i, seq))
                                        : ss_evt_add(stores[i], value_of(i, seq), time_of(i, seq));
                if (rc == 0) {
                    ++next[i];
                } else {
                    ++refused;
                    next[i] = next_seq_of(i); // a refused add skips its number
                }
            }
        }
        ss_manager_tick_at(now_ms += 100);
        // The tick synced the tier: every acknowledgement made before it is durable now.
        Line l;
        l << "D " << std::uint64_t{round};
        for (std::uint32_t i = 0; i < sensors; ++i) {
            std::uint64_t durable = 0;
            ss_get_durable_end(stores[i], &durable);
            l << " " << durable << " " << acked[i];
        }
        l.send();
        if (round % upload_every == upload_every - 1) {
            for (std::uint32_t i = 0; i < sensors; ++i) {
                acknowledge(i, expect[i], acked[i]); // what the last upload took: the cloud's ack
                const Served s = consume(i, expect[i], 1);
                bad += s.bad;
                gaps += s.gaps;
            }
        }
    }
    // The power-fail notice: everything sealed, spilled and synced.
    ss_set_shutdown(true);
    bool flushed = false;
    for (int t = 0; t < 50 && !flushed; ++t) {
        ss_manager_tick_at(now_ms += 100);
        flushed = ss_shutdown_complete();
    }
    check(flushed, "the shutdown flush completes");
    bool all_durable = true;
    Line l;
    l << "D " << std::uint64_t{rounds};
    for (std::uint32_t i = 0; i < sensors; ++i) {
        std::uint64_t durable = 0;
        ss_get_durable_end(stores[i], &durable);
        all_durable = all_durable && durable >= next[i];
        l << " " << durable << " " << acked[i];
    }
    l.send();
    check(all_durable, "after the flush every record is durable");
    ss::stm32::test::expect_eq("records served with a wrong value", 0, bad);
    figure("gaps (records lost at a cut before they were durable; checked by the driver)", gaps);
    ss::stm32::test::expect_eq("adds refused", 0, refused);
    ss::stm32::test::expect_eq("programs that would set a bit (NOR rule)", 0, device.violations());
    figure("device reads", device.reads());
    figure("device programs", device.programs());
    figure("device erases", device.erases());
    check(ss_deinit_system() == 0, "ss_deinit_system");
    return ss::stm32::test::finish("flash power cut firmware test");
}
