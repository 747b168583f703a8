// Linux SocketCAN. The error paths run everywhere, and so does the receive thread, fed through an
// adopted UNIX datagram socket that carries struct can_frame as a CAN_RAW socket does (with kernel
// timestamps). The loopback test needs a real CAN interface that is up (vcan0, or the one
// SS_TEST_CAN_IFACE names) and is skipped, with the reason, where the kernel has none. Creating one needs root and the vcan module:
//   modprobe vcan && ip link add dev vcan0 type vcan && ip link set up vcan0
#include <doctest/doctest.h>

#include <linux/can.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "capture/source_test_support.hpp"
#include "ss/hal/capture/clock.hpp"
#include "ss/hal/capture/socket_can.hpp"

using namespace ss::capture;

namespace {

std::string can_interface() {
    const char* name = std::getenv("SS_TEST_CAN_IFACE");
    return name != nullptr && *name != '\0' ? name : "vcan0";
}

// Why the loopback test cannot run here, or "" if it can.
std::string can_unavailable_reason() {
    const std::string name = can_interface();
    if (if_nametoindex(name.c_str()) == 0) return "no interface " + name + " (the kernel has no vcan here)";
    std::ifstream type("/sys/class/net/" + name + "/type");
    int arp_type = 0;
    if (!(type >> arp_type) || arp_type != 280) return name + " is not a CAN interface (ARPHRD_CAN)";
    std::ifstream flags("/sys/class/net/" + name + "/flags");
    std::string hex;
    if (!(flags >> hex) || (std::stoul(hex, nullptr, 16) & IFF_UP) == 0) return name + " is down";
    SocketCan probe(name);
    if (const int rc = probe.open(); rc != 0) return "cannot open a CAN socket on " + name + ": errno " + std::to_string(-rc);
    return "";
}

const bool can_available = can_unavailable_reason().empty();

void ignore_frame(void*, const CanFrame&) noexcept {}

struct Log {
    std::vector<CanFrame> frames = std::vector<CanFrame>(256);
    std::vector<std::uint64_t> delivered_us = std::vector<std::uint64_t>(256);
    std::atomic<std::size_t> count{0};
    SocketCan* stop_after_3 = nullptr;

    static void on_frame(void* p, const CanFrame& f) noexcept {
        auto& l = *static_cast<Log*>(p);
        const std::size_t i = l.count.load(std::memory_order_relaxed);
        if (i < l.frames.size()) {
            l.frames[i] = f;
            l.delivered_us[i] = posix_monotonic_now_us();
        }
        l.count.store(i + 1, std::memory_order_release);
        if (i + 1 == 3 && l.stop_after_3 != nullptr) l.stop_after_3->stop();
    }
};

// A mix of standard, extended and remote frames of every length.
std::vector<CanFrame> test_frames(std::uint32_t n) {
    std::vector<CanFrame> out;
    for (std::uint32_t i = 0; i < n; ++i) {
        CanFrame f;
        f.extended = i % 3 == 1;
        f.remote = i % 7 == 6;
        f.id = f.extended ? 0x1000'0000u + i : 0x100u + i;
        f.dlc = static_cast<std::uint8_t>(i % 9);
        if (!f.remote)
            for (std::uint8_t b = 0; b < f.dlc; ++b) f.data[b] = static_cast<std::uint8_t>(i * 16 + b);
        out.push_back(f);
    }
    return out;
}

void check_same(const CanFrame& got, const CanFrame& sent) {
    CHECK(got.id == sent.id);
    CHECK(got.extended == sent.extended);
    CHECK(got.remote == sent.remote);
    CHECK(got.dlc == sent.dlc);
    for (std::uint8_t b = 0; b < 8; ++b) CHECK(got.data[b] == (b < got.dlc && !got.remote ? sent.data[b] : 0));
}

// Two connected UNIX datagram sockets: one end adopted by the receiver, one by the sender.
struct SocketPair {
    int fd[2] = {-1, -1};
    SocketPair() { REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fd) == 0); }
};

} // namespace

TEST_CASE("a missing interface is a clean -ENODEV and leaves nothing open or running") {
    SocketCan can("ss_nocan9");
    CHECK(can.start(ignore_frame, nullptr) == -ENODEV);
    CHECK_FALSE(can.running());
    CHECK_FALSE(can.is_open());
    CHECK(can.open() == -ENODEV);
    CHECK_FALSE(can.is_open());
    can.stop(); // harmless
    CHECK(can.stats().frames == 0);
}

TEST_CASE("bad names and null callbacks are -EINVAL; sending before open is -ENOTCONN") {
    CHECK(SocketCan("").open() == -EINVAL);
    CHECK(SocketCan("a_name_far_too_long_for_ifnamsiz").open() == -EINVAL);
    CHECK(SocketCan(std::string_view("vc\0an0", 6)).open() == -EINVAL);
    SocketCan can("ss_nocan9");
    CHECK(can.start(nullptr, nullptr) == -EINVAL);
    CanFrame f;
    CHECK(can.send(f) == -ENOTCONN);
}

TEST_CASE("an interface that exists but cannot carry CAN is refused cleanly") {
    // "lo" exists everywhere: a kernel without CAN says -EAFNOSUPPORT (this machine and CI), one
    // with CAN refuses to bind a CAN socket to a non-CAN device (-ENODEV); either way: an error.
    SocketCan can("lo");
    const int rc = can.start(ignore_frame, nullptr);
    MESSAGE("start on lo: " << rc);
    CHECK(rc < 0);
    CHECK((rc == -EAFNOSUPPORT || rc == -ENODEV || rc == -EINVAL || rc == -EPROTONOSUPPORT));
    CHECK_FALSE(can.running());
    CHECK_FALSE(can.is_open());
}

TEST_CASE("SocketCAN loopback availability") {
    if (can_available)
        MESSAGE("CAN interface " << can_interface() << " is up: the loopback test runs");
    else
        MESSAGE("SKIPPING the SocketCAN loopback test: " << can_unavailable_reason()
                                                         << ". Set SS_TEST_CAN_IFACE to use another interface.");
}

TEST_CASE("the receive thread delivers frames with kernel timestamps; stop wakes it at once") {
    SocketPair pair;
    SocketCan rx("adopted");
    REQUIRE(rx.adopt(pair.fd[0]) == 0);
    CHECK(rx.adopt(-1) == -EBADF);
    SocketCan tx("adopted");
    REQUIRE(tx.adopt(pair.fd[1]) == 0);
    Log log;
    REQUIRE(rx.start(Log::on_frame, &log) == 0);
    CHECK(rx.running());

    const std::vector<CanFrame> sent = test_frames(40);
    const std::uint64_t before = posix_monotonic_now_us();
    for (std::size_t i = 0; i < 20; ++i) REQUIRE(tx.send(sent[i]) == 0);
    // What a CAN_RAW socket may also hand over: an error frame (not data: skipped) and, from a
    // misbehaving peer, a datagram of the wrong size (counted as an error, nothing delivered).
    can_frame err{};
    err.can_id = CAN_ERR_FLAG | 0x4;
    err.len = 8;
    REQUIRE(::write(pair.fd[1], &err, sizeof err) == static_cast<ssize_t>(sizeof err));
    const char junk[5] = {};
    REQUIRE(::write(pair.fd[1], junk, sizeof junk) == static_cast<ssize_t>(sizeof junk));
    for (std::size_t i = 20; i < sent.size(); ++i) REQUIRE(tx.send(sent[i]) == 0);
    REQUIRE(ss_test::wait_for([&] { return log.count.load(std::memory_order_acquire) >= sent.size(); }));
    const std::uint64_t after = posix_monotonic_now_us();

    const auto t0 = std::chrono::steady_clock::now();
    rx.stop(); // the thread sleeps in poll(); the eventfd ends it without a timeout
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
    CHECK_FALSE(rx.running());
    CHECK_FALSE(rx.is_open());
    REQUIRE(log.count.load(std::memory_order_acquire) == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        CAPTURE(i);
        check_same(log.frames[i], sent[i]);
        CHECK(log.frames[i].timestamp_us + 1 >= before);
        CHECK(log.frames[i].timestamp_us <= after + 1);
        CHECK(log.frames[i].timestamp_us <= log.delivered_us[i] + 1);
        if (i > 0) CHECK(log.frames[i].timestamp_us + 1 >= log.frames[i - 1].timestamp_us);
    }
    const CanStats st = rx.stats();
    CHECK(st.frames == sent.size());
    CHECK(st.errors == 1);
    CHECK(st.last_error == -EIO);
    CHECK(rx.unstamped_frames() == 0);
    CHECK(tx.send(CanFrame{.id = 0x800}) == -EINVAL); // 11-bit id out of range
    CHECK(tx.send(CanFrame{.id = 0x800, .extended = true, .dlc = 9}) == -EINVAL);
}

TEST_CASE("a callback may stop its SocketCAN source; a restart receives on the same socket") {
    SocketPair pair;
    SocketCan rx("adopted");
    REQUIRE(rx.adopt(pair.fd[0]) == 0);
    SocketCan tx("adopted");
    REQUIRE(tx.adopt(pair.fd[1]) == 0);
    Log log;
    log.stop_after_3 = &rx;
    REQUIRE(rx.start(Log::on_frame, &log) == 0);
    const std::vector<CanFrame> sent = test_frames(8);
    for (std::size_t i = 0; i < 5; ++i) REQUIRE(tx.send(sent[i]) == 0);
    REQUIRE(ss_test::wait_for([&] { return log.count.load(std::memory_order_acquire) >= 3 && !rx.running(); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(log.count.load(std::memory_order_acquire) == 3);
    CHECK(rx.is_open()); // the frames the callback did not take are still queued

    log.stop_after_3 = nullptr;
    log.count.store(0, std::memory_order_relaxed);
    REQUIRE(rx.start(Log::on_frame, &log) == 0);
    for (std::size_t i = 5; i < 8; ++i) REQUIRE(tx.send(sent[i]) == 0);
    REQUIRE(ss_test::wait_for([&] { return log.count.load(std::memory_order_acquire) >= 5; }));
    rx.stop();
    REQUIRE(log.count.load(std::memory_order_acquire) == 5);
    for (std::size_t i = 0; i < 5; ++i) check_same(log.frames[i], sent[3 + i]);
}

TEST_CASE("frames sent on a CAN interface arrive in order with kernel timestamps" * doctest::skip(!can_available)) {
    const std::string name = can_interface();
    Log log;
    SocketCan rx(name);
    REQUIRE(rx.start(Log::on_frame, &log) == 0);
    CHECK(rx.running());
    SocketCan tx(name); // a second socket: a raw socket does not receive its own frames
    REQUIRE(tx.open() == 0);

    const std::vector<CanFrame> sent = test_frames(60);
    const std::uint64_t before = posix_monotonic_now_us();
    for (const CanFrame& f : sent) REQUIRE(tx.send(f) == 0);
    REQUIRE(ss_test::wait_for([&] { return log.count.load(std::memory_order_acquire) >= sent.size(); }, std::chrono::seconds(5)));
    const std::uint64_t after = posix_monotonic_now_us();
    rx.stop();
    CHECK_FALSE(rx.running());
    CHECK(log.count.load(std::memory_order_acquire) == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        CAPTURE(i);
        const CanFrame& got = log.frames[i];
        check_same(got, sent[i]);
        // Kernel stamps, carried to the monotonic clock: inside the send/receive window, in order.
        CHECK(got.timestamp_us + 1 >= before);
        CHECK(got.timestamp_us <= after + 1);
        if (i > 0) CHECK(got.timestamp_us + 1 >= log.frames[i - 1].timestamp_us);
    }
    const CanStats st = rx.stats();
    CHECK(st.frames == sent.size());
    CHECK(st.errors == 0);
    CHECK(rx.unstamped_frames() == 0);
    MESSAGE("delivery after kernel stamp: max " << st.lateness.max_us << " us, mean " << st.lateness.mean_us() << " us");
    CHECK(tx.send(CanFrame{.id = 0x800}) == -EINVAL); // 11-bit id out of range
}
