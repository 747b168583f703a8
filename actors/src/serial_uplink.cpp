#include "ss/actors/serial_uplink.hpp"

#include <caf/all.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "posix/uplink/serial_port.hpp"
#include "ss/source_name.hpp"
#include "ss/upload/compact_codec.hpp"

namespace ss::actors {

namespace {

std::uint64_t now_monotonic_ms(const Engine& engine) {
    const std::uint64_t ms = engine.clock().monotonic_ms();
    if (ms != 0) return ms;
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

std::uint32_t boot_from_clock() {
    // Differs at every start (the sender only compares it with the last one it saw); never 0.
    const auto ns = std::chrono::system_clock::now().time_since_epoch().count() ^
                    std::chrono::steady_clock::now().time_since_epoch().count();
    const auto boot = static_cast<std::uint32_t>(ns ^ (ns >> 32)) ^ static_cast<std::uint32_t>(::getpid());
    return boot != 0 ? boot : 1;
}

/// Writes the whole payload as a new file in dir and makes it and its name durable.
int write_durably(const std::string& dir, const std::string& name, std::span<const std::byte> data) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return -ec.value();
    const std::string path = dir + "/" + name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return -errno;
    std::size_t done = 0;
    int rc = 0;
    while (done < data.size() && rc == 0) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno != EINTR) rc = -errno;
        if (n > 0) done += static_cast<std::size_t>(n);
    }
    if (rc == 0 && ::fsync(fd) != 0) rc = -errno;
    ::close(fd);
    if (rc != 0) return rc;
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return -errno;
    if (::fsync(dfd) != 0) rc = -errno;
    ::close(dfd);
    return rc;
}

} // namespace

SerialUplink::SerialUplink(Engine& engine, SerialUplinkSettings settings)
    : engine_(engine),
      settings_(std::move(settings)),
      frame_buffer_(uplink::LinkReceiver::frame_buffer_bytes(settings_.max_payload)),
      receiver_(*uplink::LinkReceiver::make(frame_buffer_, settings_.boot != 0 ? settings_.boot : boot_from_clock())) {}

SerialUplink::~SerialUplink() = default;

void SerialUplink::log(int level, const std::string& line) const {
    write_log(settings_.log, level, "uplink " + settings_.spec.name + ": " + line);
}

bool SerialUplink::ensure_port(std::uint64_t now_ms) {
    if (port_) return true;
    if (now_ms < retry_at_ms_) return false;
    retry_at_ms_ = now_ms + static_cast<std::uint64_t>(settings_.reopen_period.count());
    auto opened = hal::SerialPort::open({settings_.spec.device, settings_.spec.baud, settings_.spec.rtscts});
    if (!opened) {
        ++stats_.port_errors;
        // Once per outage: an unplugged adapter is retried every reopen_period without a flood.
        if (!port_failed_logged_) log(1, opened.error().message + "; retrying every " +
                                             std::to_string(settings_.reopen_period.count()) + " ms");
        port_failed_logged_ = true;
        return false;
    }
    port_ = std::make_unique<hal::SerialPort>(std::move(*opened));
    ++stats_.port_opens;
    port_failed_logged_ = false;
    log(2, "reading " + settings_.spec.device + " at " + std::to_string(settings_.spec.baud) + " baud");
    return true;
}

void SerialUplink::drop_port(const std::string& why) {
    ++stats_.port_errors;
    log(1, why + "; reopening");
    port_.reset();
    tx_.clear();
    tx_at_ = 0;
}

void SerialUplink::step(std::chrono::milliseconds wait) {
    const std::uint64_t now_ms = now_monotonic_ms(engine_);
    if (!ensure_port(now_ms)) {
        // Nothing to read: still make progress on what is durable (acks go out once it reopens).
        ::poll(nullptr, 0, static_cast<int>(wait.count()));
        flush_due(now_monotonic_ms(engine_));
        return;
    }
    pollfd pfd{port_->fd(), POLLIN, 0};
    // Waiting for durability, come back soon even without bytes: the ACK is what frees the MCU.
    const int timeout = unacked_.empty() ? static_cast<int>(wait.count()) : std::min<int>(static_cast<int>(wait.count()), 5);
    (void)::poll(&pfd, 1, timeout);
    receive(now_ms);
    const std::uint64_t after = now_monotonic_ms(engine_);
    flush_due(after);
    acknowledge_durable();
    transmit();
    stats_.unacked = unacked_.size();
    stats_.connected = port_ != nullptr;
    const auto& c = receiver_.counters();
    stats_.crc_failures = c.crc_failures;
    stats_.link_faults = c.malformed + c.out_of_order + c.resyncs;
}

void SerialUplink::receive(std::uint64_t) {
    std::array<std::byte, 1024> chunk;
    // Bounded: a flood of bytes does not keep the acknowledgements from going out.
    for (int round = 0; round < 64 && port_; ++round) {
        auto n = port_->read(chunk);
        if (!n) {
            drop_port(n.error().message);
            return;
        }
        if (*n == 0) return;
        stats_.bytes_in += *n;
        std::span<const std::byte> in(chunk.data(), *n);
        while (!in.empty()) {
            const uplink::ReceiveStep got = receiver_.push(in);
            in = in.subspan(got.consumed);
            if (got.delivered) on_batch(got.session, got.seq, got.payload);
        }
    }
}

void SerialUplink::on_batch(std::uint32_t session, std::uint32_t seq, std::span<const std::byte> payload) {
    ++stats_.batches;
    std::string why;
    if (auto stored = store_batch(session, seq, payload, why)) {
        unacked_.push_back(*stored);
        return;
    }
    // Not storable: kept in the quarantine, then acknowledged, so the link goes on.
    if (quarantine(session, seq, payload, why)) {
        ++stats_.batches_quarantined;
        unacked_.push_back({session, seq, nullptr, 0});
    }
}

std::optional<SerialUplink::Unacked> SerialUplink::store_batch(std::uint32_t session, std::uint32_t seq,
                                                               std::span<const std::byte> payload, std::string& why) {
    auto bytes = upload::compact_records_bytes(payload);
    if (!bytes) {
        why = "the payload is no compact batch";
        return std::nullopt;
    }
    records_.resize(*bytes);
    auto decoded = upload::compact_decode(payload, records_);
    if (!decoded) {
        why = decoded.error() == Errc::io_error ? "the batch's CRC does not match" : "the compact batch is malformed";
        return std::nullopt;
    }
    const upload::Batch& b = decoded->batch;
    const UplinkSpec& spec = settings_.spec;
    if (b.sensor_id >= spec.ids) {
        why = "MCU sensor " + std::to_string(b.sensor_id) + " is outside the uplink's ids (0.." +
              std::to_string(spec.ids - 1) + ")";
        return std::nullopt;
    }
    const std::uint32_t id = spec.id_base + b.sensor_id;
    SensorStore* store = engine_.find(spec.bus, id);
    if (store == nullptr) {
        Text reason;
        auto made = engine_.register_sensor(spec.bus, id, b.type, reason);
        if (!made) {
            why = "sensor " + std::string(source_name(spec.bus)) + ":" + std::to_string(id) +
                  " could not be registered: " + std::string(reason.c_str());
            return std::nullopt;
        }
        store = *made;
        log(2, "MCU sensor " + std::to_string(b.sensor_id) + " (" + std::string(b.channel) + ") stored as " +
                   source_name(spec.bus) + ":" + std::to_string(id));
    }
    if (store->type() != b.type) {
        why = "MCU sensor " + std::to_string(b.sensor_id) + " sent " + (b.type == RecordType::ts ? "time-series" : "event") +
              " records to a store of the other type";
        return std::nullopt;
    }
    Relay& relay = relays_[store];
    const std::uint64_t end = b.first_seq + b.count;
    SsSensorStats held{};
    engine_.stats(*store, held);
    std::uint64_t next = held.next_seq;
    // The first batch of a run may go below the store's next number: after a crash the store
    // resumes past numbers it may have lost from RAM, and the MCU sends those records again.
    if (!relay.sought && b.first_seq < next) {
        const std::uint64_t floor = engine_.seek_floor(*store);
        const std::uint64_t to = std::max(b.first_seq, floor);
        if (to < next && engine_.seek(*store, to)) next = to;
    }
    relay.sought = true;
    if (end <= next) {
        stats_.records_skipped += b.count;
        return Unacked{session, seq, store, end};
    }
    std::uint32_t skip = 0;
    if (b.first_seq < next) {
        skip = static_cast<std::uint32_t>(next - b.first_seq);
    } else if (b.first_seq > next) {
        // Numbers the MCU dropped (or that were erased there): the store keeps the gap.
        if (auto moved = engine_.seek(*store, b.first_seq); !moved) {
            why = "could not start a sector at MCU seq " + std::to_string(b.first_seq);
            return std::nullopt;
        }
    }
    stats_.records_skipped += skip;
    const std::uint32_t n = b.count - skip;
    const std::byte* recs = b.records + std::size_t{skip} * b.record_bytes();
    std::uint64_t first_time = sector::time_unknown;
    if (b.type == RecordType::ts && b.first_time_us != sector::time_unknown) {
        first_time = map_time(b.boot, b.time_us(skip), b.time_us(b.count - 1));
        // A sector records one time base: where this batch does not continue it exactly, the
        // records start a sector of their own.
        if (b.period_us != relay.period_us) {
            (void)store->set_sample_period_us(engine_.context(), b.period_us);
            relay.period_us = b.period_us;
        } else if (first_time != relay.next_time) {
            store->start_new_sector(engine_.context());
        }
        relay.next_time = b.period_us != 0 ? first_time + std::uint64_t{n} * b.period_us : sector::time_unknown;
    }
    const std::uint32_t stored = store->add_many(engine_.context(), recs, n, first_time);
    stats_.records_stored += stored;
    stats_.records_dropped += n - stored;
    relay.dirty = true;
    return Unacked{session, seq, store, end};
}

std::uint64_t SerialUplink::map_time(std::uint32_t mcu_boot, std::uint64_t first_time, std::uint64_t last_time) {
    if ((first_time & sector::utc_flag) != 0) return first_time; // the MCU knew UTC
    const std::uint64_t utc = engine_.clock().utc_now_us();
    const std::uint64_t here = utc != 0 ? utc : now_monotonic_ms(engine_) * 1000;
    // The MCU's monotonic clock against ours, from the first batch of its boot this run: its
    // last record was taken at most the link's latency ago (later batches may come from a
    // backlog, so they do not move it).
    auto [at, fresh] = time_offsets_.try_emplace(mcu_boot, 0);
    if (fresh) at->second = static_cast<std::int64_t>(here) - static_cast<std::int64_t>(last_time);
    const std::uint64_t mapped = static_cast<std::uint64_t>(static_cast<std::int64_t>(first_time) + at->second);
    return utc != 0 ? (mapped | sector::utc_flag) : mapped;
}

bool SerialUplink::quarantine(std::uint32_t session, std::uint32_t seq, std::span<const std::byte> payload,
                              const std::string& why) {
    if (settings_.quarantine_dir.empty()) {
        log(0, "batch " + std::to_string(seq) + " of MCU session " + std::to_string(session) + " cannot be stored (" +
                   why + ") and there is no quarantine: it stays with the MCU");
        return false;
    }
    char name[96];
    std::snprintf(name, sizeof name, "%s-%08x-%010u.bin", settings_.spec.name.c_str(), session, seq);
    if (const int rc = write_durably(settings_.quarantine_dir, name, payload); rc != 0) {
        log(0, "batch " + std::to_string(seq) + " cannot be stored (" + why + ") nor quarantined: " +
                   std::strerror(-rc) + "; it stays with the MCU");
        return false;
    }
    log(1, "batch " + std::to_string(seq) + " quarantined as " + settings_.quarantine_dir + "/" + name + ": " + why);
    return true;
}

void SerialUplink::flush_due(std::uint64_t now_ms) {
    if (now_ms < flushed_ms_ + static_cast<std::uint64_t>(settings_.flush_period.count())) return;
    flushed_ms_ = now_ms;
    for (auto& [store, relay] : relays_) {
        if (!relay.dirty) continue;
        relay.dirty = false;
        engine_.flush(*store);
    }
}

void SerialUplink::acknowledge_durable() {
    // In delivery order: an ACK says "everything below", so one batch not yet durable holds
    // back those after it even if theirs are.
    while (!unacked_.empty()) {
        const Unacked& u = unacked_.front();
        if (u.store != nullptr && engine_.durable_end(*u.store) < u.end) break;
        (void)receiver_.mark_durable(u.session, u.seq);
        ++stats_.batches_acked;
        unacked_.pop_front();
    }
}

void SerialUplink::transmit() {
    if (!port_) return;
    std::array<std::byte, 256> out;
    for (;;) {
        if (tx_at_ == tx_.size()) {
            tx_.clear();
            tx_at_ = 0;
            const std::size_t n = receiver_.pull(out);
            if (n == 0) return;
            tx_.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
        }
        auto wrote = port_->write(std::span<const std::byte>(tx_).subspan(tx_at_));
        if (!wrote) {
            drop_port(wrote.error().message);
            return;
        }
        if (*wrote == 0) return; // the driver is full: the rest goes at the next step
        tx_at_ += *wrote;
        stats_.bytes_out += *wrote;
    }
}

serial_uplink_actor::behavior_type serial_uplink(serial_uplink_actor::stateful_pointer<SerialUplinkState> self,
                                                 Engine* engine, SerialUplinkSettings settings, StageBoard* board) {
    auto& st = self->state;
    st.uplink = std::make_unique<SerialUplink>(*engine, std::move(settings));
    st.board = board;
    st.uplink_name = st.uplink->name();
    st.stage_name = "uplink:" + st.uplink_name;
    self->send(self, caf::tick_atom::value);
    return {
        [self](caf::tick_atom) {
            auto& s = self->state;
            // A short wait: the actor's own mailbox (an exit) is looked at between steps.
            s.uplink->step(std::chrono::milliseconds(20));
            if (s.board != nullptr) {
                s.board->set_uplink(s.uplink_name, s.uplink->stats());
                s.board->set_mailbox(s.stage_name, self->mailbox().size());
            }
            self->send(self, caf::tick_atom::value);
        },
    };
}

} // namespace ss::actors
