// Recovery reads many sensors' files at once on a few threads (where the file system allows it):
// what it finds must be what reading them one by one finds. Every sensor gets exactly its own
// records and its own losses, and the log reports the losses in file order, whichever thread
// read which file. Through the C API, on real files.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ss/sensor_storage.h"

namespace fs = std::filesystem;

namespace {

std::vector<std::string>* g_log = nullptr;
void capture(void*, int, const char* msg) {
    if (g_log != nullptr) g_log->push_back(msg);
}

constexpr std::uint32_t unit_bytes = 256; // 60 TS records a unit
constexpr std::uint32_t per_unit = 60;
constexpr std::uint32_t sensors = 48;
constexpr std::uint32_t units_each = 6;

std::uint32_t value_of(std::uint32_t sensor, std::uint64_t seq) { return sensor * 1'000'000u + static_cast<std::uint32_t>(seq) * 7u + 3u; }

/// The sensors whose files get a bad unit, and which unit of theirs (by index).
bool damaged(std::uint32_t id) { return id % 9 == 2; }
std::uint32_t bad_unit(std::uint32_t id) { return id % units_each; }

struct Store {
    Store() {
        char tmpl[] = "/tmp/ss-recovery-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        root = std::string(tmpl) + "/data";
        REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
        cfg.ram_sector_bytes = unit_bytes;
        cfg.disk_sector_bytes = 4096;
        cfg.max_sensors = sensors;
        cfg.ram_pool_bytes = std::size_t{sensors} * (units_each + 2) * unit_bytes;
        cfg.disk_root = root.c_str();
        cfg.force_seal_interval_ms = 0;
        cfg.log = capture;
        g_log = &log;
    }
    ~Store() {
        if (running) ss_deinit_system();
        g_log = nullptr;
        fs::remove_all(fs::path(root).parent_path());
    }
    void start() {
        log.clear();
        REQUIRE(ss_init_system(&cfg) == 0);
        running = true;
        for (std::uint32_t id = 1; id <= sensors; ++id) REQUIRE(ss_sensor_init(id, SENSOR_TS, &s[id - 1]) == 0);
        ss_manager_tick_at(now += 100);
    }
    void stop() {
        ss_manager_tick_at(now += 100);
        ss_set_shutdown(true);
        for (int t = 1; t < 50 && !ss_shutdown_complete(); ++t) ss_manager_tick_at(now += 100);
        REQUIRE(ss_shutdown_complete());
        REQUIRE(ss_deinit_system() == 0);
        running = false;
    }
    std::string dat(std::uint32_t id) const {
        char name[40];
        std::snprintf(name, sizeof name, "/host/sensor_%010u.dat", id);
        return root + name;
    }
    /// Consumes everything unsent of sensor id; checks every value and returns the sequence
    /// numbers served.
    std::vector<std::uint64_t> drain(std::uint32_t id) {
        std::vector<std::uint64_t> seqs;
        std::vector<std::uint32_t> buf(500);
        for (int k = 0; k < 100; ++k) {
            std::uint32_t n = 0;
            std::uint64_t first = 0;
            const int rc = ss_consume_batch_ex(s[id - 1], buf.data(), 500, &n, &first);
            if (rc == -EAGAIN) break;
            REQUIRE(rc == 0);
            for (std::uint32_t j = 0; j < n; ++j) {
                REQUIRE(buf[j] == value_of(id, first + j));
                seqs.push_back(first + j);
            }
        }
        return seqs;
    }

    std::string root;
    SsInitCfg cfg{};
    bool running = false;
    SensorStore* s[sensors] = {};
    std::vector<std::string> log;
    std::uint64_t now = 0;
};

void flip_byte(const std::string& path, off_t at) {
    const int fd = open(path.c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    unsigned char b = 0;
    REQUIRE(pread(fd, &b, 1, at) == 1);
    b ^= 0x10;
    REQUIRE(pwrite(fd, &b, 1, at) == 1);
    close(fd);
}

/// The sensor id a log line names ("host/sensor_0000000029.dat: ..."), or 0.
std::uint32_t sensor_in(const std::string& line) {
    const auto at = line.find("sensor_");
    return at == std::string::npos ? 0 : static_cast<std::uint32_t>(std::strtoul(line.c_str() + at + 7, nullptr, 10));
}

} // namespace

TEST_CASE("many sensors recovered at once: each gets its own records and losses, the log in file order") {
    Store st;
    st.start();
    for (std::uint32_t id = 1; id <= sensors; ++id)
        for (std::uint64_t q = 0; q < units_each * per_unit; ++q) REQUIRE(ss_ts_add(st.s[id - 1], value_of(id, q)) == 0);
    st.stop();
    std::vector<std::uint32_t> expect_logged;
    for (std::uint32_t id = 1; id <= sensors; ++id) {
        REQUIRE(fs::file_size(st.dat(id)) == units_each * unit_bytes);
        if (!damaged(id)) continue;
        flip_byte(st.dat(id), static_cast<off_t>(bad_unit(id) * unit_bytes + 40));
        expect_logged.push_back(id);
    }
    REQUIRE(expect_logged.size() >= 4);

    for (int restart = 0; restart < 2; ++restart) {
        CAPTURE(restart);
        st.start();
        std::vector<std::uint32_t> logged;
        for (const std::string& l : st.log)
            if (l.find("failed its CRC check") != std::string::npos) logged.push_back(sensor_in(l));
        // A loss is logged when it is found; the next restart knows it already (from the meta).
        CHECK(logged == (restart == 0 ? expect_logged : std::vector<std::uint32_t>{}));
        SsSystemStats sys{};
        REQUIRE(ss_get_system_stats(&sys) == 0);
        CHECK(sys.lost_units == expect_logged.size());
        CHECK((sys.health_flags & SS_HEALTH_CORRUPTION) != 0);
        for (std::uint32_t id = 1; id <= sensors; ++id) {
            CAPTURE(id);
            SsSensorStats ss{};
            REQUIRE(ss_get_sensor_stats(st.s[id - 1], &ss) == 0);
            CHECK(ss.lost_units == (damaged(id) ? 1u : 0u));
            CHECK(ss.retained == (units_each - (damaged(id) ? 1 : 0)) * per_unit);
            // Its own records, in order, with the bad unit's records as the only gap.
            std::vector<std::uint64_t> want;
            for (std::uint64_t q = 0; q < units_each * per_unit; ++q)
                if (!damaged(id) || q / per_unit != bad_unit(id)) want.push_back(q);
            CHECK(st.drain(id) == want);
        }
        st.stop();
    }
}
