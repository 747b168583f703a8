// An upload path against its bare client library, in one run: records go from a store spilled to
// disk through the uploader's steps (consume, encode, send with the batch keys, erase exactly
// what was acknowledged) to a loopback receiver, against sending the very same bytes with the
// bare library (the baseline: what the network part costs by itself). Each round fills a fresh
// store, uploads it, then replays what was sent through the baseline (which needs it). Prints
// records per second and the ratio to the baseline (aims: >= 1 M records/s, >= 0.8x).
//
// --transport=http (the default): the HTTP transport POSTs to a libmicrohttpd receiver in this
// process that acknowledges at once (204); the baseline POSTs the same bodies with one bare
// libcurl handle, one request in flight on both sides.
// --transport=mqtt: the MQTT transport publishes each batch at QoS 1 to a real mosquitto started
// on a free loopback port in a temporary directory (tests/support/mosquitto_server.hpp),
// acknowledged on PUBACK, at most --window PUBLISHes in flight; the baseline publishes the same
// topics, payloads and properties with one bare libmosquitto client, QoS 1, the same window, and
// waits for every PUBACK. Same broker, same bytes.
//
//   cmake --build --preset default --target ss_bench_upload && ./build/default/bench/ss_bench_upload
//   options: --transport=http|mqtt --sensors=N (default 64) --records=N per sensor (default 100000)
//            --batch=N records (default 8192) --per-request=N batches per transport call (default
//            4; mqtt: the window) --window=N (mqtt, default 16) --broker-nodelay (mqtt: mosquitto's
//            set_tcp_nodelay true; its default is false) --codec=compact|json_lines|line_protocol
//            --rounds=N (default 3) --dir=PATH (the store; default under /tmp)
//            --per-send=N (http: batches per send_many call, several requests; default: one
//            request's worth, per-request; the uploader hands 16)
//            --compression=none|gzip|zstd (http; default none; the baseline then POSTs the same
//            compressed bodies, compressed outside its timing, so the ratio is the cost of
//            compressing on top of the rest)
#include <curl/curl.h>
#include <microhttpd.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "posix/upload/body_compression.hpp"
#include "posix/upload/codec_encoder.hpp"
#include "posix/upload/http_transport.hpp"
#include "posix/upload/mqtt_transport.hpp"
#include "ss/actors/storage_host.hpp"
#include "ss/config.hpp"

#include "bench_util.hpp"
#include "support/mosquitto_server.hpp"

namespace {

using ss_bench::Clock;

enum class Transport { http, mqtt };

struct Options {
    Transport transport = Transport::http;
    std::string dir;
    std::uint32_t sensors = 64;
    std::uint32_t records = 100'000;
    std::uint32_t batch = 8192;
    std::uint32_t per_request = 0; ///< 0: 4 over HTTP, the window over MQTT
    /// Batches per send_many call (HTTP: several requests, encoded while the one before is on
    /// the wire); 0: per_request, one request per call. The uploader's default is 16.
    std::uint32_t per_send = 0;
    std::uint32_t window = 16;     ///< MQTT: the transport's default
    bool broker_nodelay = false;   ///< MQTT: mosquitto's set_tcp_nodelay (off in its default config)
    ss::hal::WireCodec codec = ss::hal::WireCodec::compact;
    ss::hal::BodyCompression compression = ss::hal::BodyCompression::none; ///< HTTP
    int rounds = 3;
};

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&](const char* key) { return ss_bench::option_value(a, key); };
        const auto number = [](const char* v) { return static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10)); };
        if (const char* d = value("--dir=")) o.dir = d;
        else if (const char* s = value("--sensors=")) o.sensors = number(s);
        else if (const char* r = value("--records=")) o.records = number(r);
        else if (const char* b = value("--batch=")) o.batch = number(b);
        else if (const char* p = value("--per-request=")) o.per_request = number(p);
        else if (const char* g = value("--per-send=")) o.per_send = number(g);
        else if (const char* w = value("--window=")) o.window = number(w);
        else if (a == "--broker-nodelay") o.broker_nodelay = true;
        else if (const char* n = value("--rounds=")) o.rounds = std::atoi(n);
        else if (const char* t = value("--transport=")) {
            if (std::strcmp(t, "http") == 0) o.transport = Transport::http;
            else if (std::strcmp(t, "mqtt") == 0) o.transport = Transport::mqtt;
            else return false;
        }
        else if (const char* z = value("--compression=")) {
            if (std::strcmp(z, "none") == 0) o.compression = ss::hal::BodyCompression::none;
            else if (std::strcmp(z, "gzip") == 0) o.compression = ss::hal::BodyCompression::gzip;
            else if (std::strcmp(z, "zstd") == 0) o.compression = ss::hal::BodyCompression::zstd;
            else return false;
        } else if (const char* c = value("--codec=")) {
            if (std::strcmp(c, "compact") == 0) o.codec = ss::hal::WireCodec::compact;
            else if (std::strcmp(c, "json_lines") == 0) o.codec = ss::hal::WireCodec::json_lines;
            else if (std::strcmp(c, "line_protocol") == 0) o.codec = ss::hal::WireCodec::line_protocol;
            else return false;
        } else {
            return false;
        }
    }
    if (o.per_request == 0) o.per_request = o.transport == Transport::mqtt ? o.window : 4;
    if (o.per_send == 0 || o.transport == Transport::mqtt) o.per_send = o.per_request;
    return o.sensors > 0 && o.records > 0 && o.batch > 0 && o.per_request > 0 && o.window > 0 && o.rounds > 0;
}

/// A receiver that reads each body and acknowledges it at once (204).
class Receiver {
public:
    Receiver() {
        daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, nullptr, nullptr, &on_request, this,
                                   MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
        if (daemon_ != nullptr) port_ = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
    }
    ~Receiver() {
        if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
    }
    std::uint16_t port() const { return port_; }
    std::uint64_t bytes() const { return bytes_; }

private:
    static MHD_Result on_request(void* self, MHD_Connection* c, const char*, const char*, const char*, const char*,
                                 std::size_t* size, void** state) {
        auto* r = static_cast<Receiver*>(self);
        if (*state == nullptr) {
            *state = r;
            return MHD_YES;
        }
        if (*size != 0) {
            r->bytes_ += *size;
            *size = 0;
            return MHD_YES;
        }
        MHD_Response* response = MHD_create_response_from_buffer(0, nullptr, MHD_RESPMEM_PERSISTENT);
        const MHD_Result q = MHD_queue_response(c, MHD_HTTP_NO_CONTENT, response);
        MHD_destroy_response(response);
        return q;
    }
    MHD_Daemon* daemon_ = nullptr;
    std::uint16_t port_ = 0;
    std::atomic<std::uint64_t> bytes_{0};
};

SsInitCfg store_config(const Options& o, const std::string& root) {
    SsInitCfg cfg = ss::default_config(SS_TARGET_LINUX);
    cfg.max_sensors = o.sensors;
    cfg.ram_sector_bytes = 4096;
    cfg.ram_pool_bytes = std::uint64_t{o.sensors} * 4 * 4096; // most of the data goes to disk
    cfg.disk_quota_bytes = 4ull << 30;
    cfg.log = [](void*, int, const char*) {};
    cfg.disk_root = root.c_str();
    return cfg;
}

/// Fills every sensor with o.records values (spilled to disk as the pool fills); the host stays open.
std::unique_ptr<ss::actors::StorageHost> fill(const Options& o, const std::string& root, std::vector<ss::SensorStore*>& stores) {
    std::filesystem::remove_all(root);
    ss::Text why;
    auto host = ss::actors::StorageHost::open(store_config(o, root), why);
    if (!host) {
        std::fprintf(stderr, "store: %s\n", why.c_str());
        return nullptr;
    }
    ss::Engine& e = (*host)->engine();
    stores.clear();
    for (std::uint32_t k = 0; k < o.sensors; ++k) {
        stores.push_back(*e.register_sensor(SS_SOURCE_HOST, k + 1, ss::RecordType::ts, why));
        // A 100 Hz sensor: every record has a time, which the line protocol needs (it refuses a
        // batch with unknown times).
        (void)stores.back()->set_sample_period_us(e.context(), 10'000);
    }
    std::uint64_t now = 1;
    for (std::uint32_t at = 0; at < o.records; at += 1000) {
        for (auto* s : stores)
            for (std::uint32_t i = at; i < std::min(o.records, at + 1000); ++i) {
                const std::uint32_t v = 2048 + (i * 37) % 2000;
                (void)s->add(e.context(), &v);
            }
        e.tick(now += 100);
    }
    for (int i = 0; i < 50; ++i) e.tick(now += 100);
    return std::move(*host);
}

struct Result {
    double seconds = -1;
    std::uint64_t records = 0;
};

/// Called, untimed, with each group before it is sent: keeps what the baseline will send again.
using KeepForBaseline = std::function<void(std::span<const ss::hal::UploadBatch>)>;

/// The upload path: consume, encode (inside the transport), send, erase what was acknowledged.
Result upload(const Options& o, ss::Engine& e, const std::vector<ss::SensorStore*>& stores, ss::hal::UploadTransport& t,
              const KeepForBaseline& keep) {
    std::vector<std::vector<std::byte>> buffers(o.per_send, std::vector<std::byte>(std::size_t{o.batch} * 4));
    std::vector<ss::hal::UploadBatch> group;
    std::vector<ss::SensorStore*> owners;
    std::vector<ss::hal::UploadResult> results(o.per_send);
    Result r;
    double untimed = 0;
    const auto t0 = Clock::now();
    for (bool more = true; more;) {
        more = false;
        for (std::size_t k = 0; k < stores.size();) {
            group.clear();
            owners.clear();
            for (; k < stores.size() && group.size() < o.per_send; ++k) {
                auto got = e.consume(*stores[k], buffers[group.size()].data(), o.batch, ss::BatchTime::first_segment);
                if (!got) continue;
                group.push_back(ss::hal::UploadBatch{SS_SOURCE_HOST, stores[k]->id(), ss::RecordType::ts, got->first_seq,
                                                     got->count, buffers[group.size()].data(), got->first_time,
                                                     got->period_us, got->boot});
                owners.push_back(stores[k]);
            }
            if (group.empty()) continue;
            more = true;
            // The baseline's copy of what is sent is not the upload's work: not timed.
            const auto copy_from = Clock::now();
            keep(group);
            untimed += std::chrono::duration<double>(Clock::now() - copy_from).count();
            if (t.send_many(group, results) != group.size()) return {};
            for (std::size_t i = 0; i < group.size(); ++i) {
                if (results[i].outcome != ss::hal::UploadOutcome::acknowledged) return {};
                if (!e.erase_pending_until(*owners[i], group[i].first_seq + group[i].count)) return {};
                r.records += group[i].count;
            }
        }
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count() - untimed;
    return r;
}

/// The HTTP upload path; one body per request is kept for the baseline.
Result upload_http(const Options& o, ss::Engine& e, const std::vector<ss::SensorStore*>& stores, std::uint16_t port,
                   std::vector<std::string>& bodies) {
    ss::hal::CodecEncoder encoder(o.codec, "bench-gw", {});
    ss::hal::HttpTransport::Settings s;
    s.url = "http://127.0.0.1:" + std::to_string(port) + "/ingest";
    s.max_in_flight = 1;
    s.batches_per_request = o.per_request;
    s.compression = o.compression;
    ss::hal::HttpTransport t(s, encoder);
    return upload(o, e, stores, t, [&](std::span<const ss::hal::UploadBatch> group) {
        // One body per request, as the transport cuts the group.
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (i % o.per_request == 0) bodies.emplace_back();
            encoder.append(group[i], bodies.back());
        }
    });
}

/// One PUBLISH as the MQTT transport makes it: what the baseline sends again.
struct Publication {
    std::string topic;
    std::string payload;
    std::string key;
};

const char* const mqtt_gateway = "bench-gw";

/// The MQTT upload path (v5, QoS 1, persistent session, the window); every PUBLISH is kept.
Result upload_mqtt(const Options& o, ss::Engine& e, const std::vector<ss::SensorStore*>& stores, std::uint16_t port,
                   std::vector<Publication>& publications) {
    ss::hal::CodecEncoder encoder(o.codec, mqtt_gateway, {});
    ss::hal::MqttTransport::Settings s;
    s.port = port;
    s.client_id = "bench-upload-path";
    s.gateway = mqtt_gateway;
    s.window = o.window;
    ss::hal::MqttTransport t(s, encoder);
    const Result r = upload(o, e, stores, t, [&](std::span<const ss::hal::UploadBatch> group) {
        for (const auto& b : group) {
            Publication p{t.topic_of(b), {}, encoder.key(b)};
            encoder.append(b, p.payload);
            publications.push_back(std::move(p));
        }
    });
    if (t.stats().published != publications.size()) return {}; // a batch went twice: not the same bytes
    return r;
}

/// The MQTT baseline: one bare libmosquitto client (v5, persistent session like the transport's)
/// publishes the same PUBLISHes at QoS 1 with the same properties, keeps at most `window` awaiting
/// their PUBACK, and waits for all of them. Seconds from connecting to the last PUBACK; -1 when
/// something failed or a PUBACK carried an error reason.
class PlainMosquitto {
public:
    static double publish_all(const std::vector<Publication>& publications, std::uint16_t port, std::uint32_t window,
                              std::string_view content_type) {
        PlainMosquitto c(window);
        if (c.mosq_ == nullptr) return -1;
        const std::string type(content_type);
        const auto t0 = Clock::now();
        if (!c.connect(port)) return -1;
        for (const auto& p : publications)
            if (!c.publish(p, type)) return -1;
        if (!c.wait_all_acknowledged()) return -1;
        return std::chrono::duration<double>(Clock::now() - t0).count();
    }

    ~PlainMosquitto() {
        if (mosq_ == nullptr) return;
        mosquitto_disconnect(mosq_);
        mosquitto_loop_stop(mosq_, false);
        mosquitto_destroy(mosq_);
    }

private:
    explicit PlainMosquitto(std::uint32_t window) : window_(window) {
        mosq_ = mosquitto_new("bench-plain-libmosquitto", false, this);
        if (mosq_ == nullptr) return;
        mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
        mosquitto_int_option(mosq_, MOSQ_OPT_SEND_MAXIMUM, static_cast<int>(window));
        mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
        mosquitto_connect_v5_callback_set(mosq_, [](mosquitto*, void* self, int rc, int, const mosquitto_property*) {
            auto* me = static_cast<PlainMosquitto*>(self);
            std::lock_guard g(me->lock_);
            me->connack_ = rc == 0 ? 1 : -1;
            me->changed_.notify_all();
        });
        mosquitto_disconnect_v5_callback_set(mosq_, [](mosquitto*, void* self, int, const mosquitto_property*) {
            auto* me = static_cast<PlainMosquitto*>(self);
            std::lock_guard g(me->lock_);
            me->failed_ = true; // a baseline that lost its connection measured nothing
            me->changed_.notify_all();
        });
        mosquitto_publish_v5_callback_set(mosq_, [](mosquitto* m, void* self, int, int reason, const mosquitto_property*) {
            auto* me = static_cast<PlainMosquitto*>(self);
            // The same socket tuning as the transport's (TCP_QUICKACK after each PUBACK read): without
            // it a broker with Nagle on stalls both for the delayed-ACK timer, and the ratio would
            // measure that timer, not the upload path.
            const int fd = mosquitto_socket(m);
            const int on = 1;
            if (fd >= 0) (void)::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
            std::lock_guard g(me->lock_);
            --me->in_flight_;
            // No subscriber on the broker: it has the message all the same (as the transport counts it).
            if (reason != MQTT_RC_SUCCESS && reason != MQTT_RC_NO_MATCHING_SUBSCRIBERS) me->failed_ = true;
            me->changed_.notify_all();
        });
    }

    bool connect(std::uint16_t port) {
        mosquitto_property* props = nullptr;
        mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, 3600);
        int rc = mosquitto_connect_bind_v5(mosq_, "127.0.0.1", port, 30, nullptr, props);
        mosquitto_property_free_all(&props);
        if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_start(mosq_);
        if (rc != MOSQ_ERR_SUCCESS) return false;
        std::unique_lock g(lock_);
        return changed_.wait_for(g, std::chrono::seconds(10), [&] { return connack_ != 0; }) && connack_ == 1;
    }

    bool publish(const Publication& p, const std::string& content_type) {
        {
            std::unique_lock g(lock_);
            if (!changed_.wait_for(g, std::chrono::seconds(30), [&] { return in_flight_ < window_ || failed_; }) || failed_)
                return false;
            ++in_flight_; // counted before the call: its PUBACK may come back before publish returns
        }
        mosquitto_property* props = nullptr;
        mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, "Idempotency-Key", p.key.c_str());
        mosquitto_property_add_string(&props, MQTT_PROP_CONTENT_TYPE, content_type.c_str());
        const int rc = mosquitto_publish_v5(mosq_, nullptr, p.topic.c_str(), static_cast<int>(p.payload.size()),
                                            p.payload.data(), 1, false, props);
        mosquitto_property_free_all(&props);
        return rc == MOSQ_ERR_SUCCESS;
    }

    bool wait_all_acknowledged() {
        std::unique_lock g(lock_);
        return changed_.wait_for(g, std::chrono::seconds(60), [&] { return in_flight_ == 0 || failed_; }) && !failed_;
    }

    mosquitto* mosq_ = nullptr;
    std::uint32_t window_;
    std::mutex lock_;
    std::condition_variable changed_;
    int connack_ = 0; ///< 0 none yet, 1 accepted, -1 refused
    std::uint32_t in_flight_ = 0;
    bool failed_ = false;
};

/// The baseline: the same bodies POSTed by one bare libcurl handle, kept alive.
double plain_curl(const std::vector<std::string>& bodies, std::uint16_t port, const char* content_type,
                  const std::string& coding) {
    CURL* c = curl_easy_init();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/ingest";
    curl_slist* headers = curl_slist_append(nullptr, (std::string("Content-Type: ") + content_type).c_str());
    if (!coding.empty()) headers = curl_slist_append(headers, ("Content-Encoding: " + coding).c_str());
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char*, std::size_t n, std::size_t m, void*) { return n * m; });
    const auto t0 = Clock::now();
    bool ok = true;
    for (const auto& b : bodies) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, b.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(b.size()));
        long status = 0;
        ok = ok && curl_easy_perform(c) == CURLE_OK && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
             status == 204;
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    return ok ? s : -1;
}


/// The figures of every round of one transport: upload path and baseline, both in one round.
struct Rounds {
    std::vector<double> ours, base;
    std::uint64_t records = 0, wire_bytes = 0, sends = 0;

    /// Round r's times, and what it sent (`sends` requests or PUBLISHes of `wire_bytes` in all).
    void add(int r, const Result& u, double baseline_s, const SsSystemStats& sys, std::uint64_t sends_, std::uint64_t bytes) {
        if (r == 0) std::printf("round 1: %llu records, %.1f MiB of them on disk before the upload\n",
                                static_cast<unsigned long long>(u.records),
                                static_cast<double>(sys.disk_bytes_used) / (1 << 20));
        ours.push_back(u.seconds);
        base.push_back(baseline_s);
        records = u.records;
        sends = sends_;
        wire_bytes = bytes;
    }
};

void print(const char* title, const Rounds& r, const char* baseline_name, const char* path_name) {
    const double mo = ss_bench::median(r.ours), mb = ss_bench::median(r.base);
    std::printf("%s\n", title);
    std::printf("%.2f bytes per record on the wire (payload), %llu requests or PUBLISHes a round\n",
                static_cast<double>(r.wire_bytes) / static_cast<double>(r.records), static_cast<unsigned long long>(r.sends));
    std::printf("%-52s %10s %14s %8s\n", "way", "median s", "records / s", "ratio");
    std::printf("%-52s %10.3f %14.0f %7.2fx\n", baseline_name, mb, static_cast<double>(r.records) / mb, 1.0);
    std::printf("%-52s %10.3f %14.0f %7.2fx\n", path_name, mo, static_cast<double>(r.records) / mo, mb / mo);
}

int run_http(const Options& o, const std::string& root) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Receiver receiver;
    if (receiver.port() == 0) {
        std::fprintf(stderr, "the receiver did not start\n");
        return 1;
    }
    ss::hal::CodecEncoder probe(o.codec, "bench-gw", {});
    const std::string content_type(probe.content_type());
    auto compressor = ss::hal::BodyCompressor::create(o.compression);
    if (!compressor) {
        std::fprintf(stderr, "compressor: %s\n", compressor.error().message.c_str());
        return 1;
    }
    const std::string coding(ss::hal::content_encoding_of(o.compression));
    std::uint64_t encoded_bytes = 0;
    Rounds all;
    for (int r = 0; r < o.rounds; ++r) {
        std::vector<ss::SensorStore*> stores;
        auto host = fill(o, root, stores);
        if (!host) return 1;
        SsSystemStats sys{};
        host->engine().system_stats(sys);
        std::vector<std::string> bodies;
        const Result u = upload_http(o, host->engine(), stores, receiver.port(), bodies);
        if (u.seconds < 0) {
            std::fprintf(stderr, "an upload was not acknowledged\n");
            return 1;
        }
        encoded_bytes = 0;
        for (auto& x : bodies) {
            // The baseline sends what the transport sent: compressed here, outside any timing.
            encoded_bytes += x.size();
            std::string compressed;
            if (!compressor->compress(x, compressed)) {
                std::fprintf(stderr, "compressing a baseline body failed\n");
                return 1;
            }
            x.swap(compressed);
        }
        const double b = plain_curl(bodies, receiver.port(), content_type.c_str(), coding);
        if (b < 0) {
            std::fprintf(stderr, "a plain libcurl POST failed\n");
            return 1;
        }
        std::uint64_t bytes = 0;
        for (const auto& x : bodies) bytes += x.size();
        all.add(r, u, b, sys, bodies.size(), bytes);
    }
    char title[240];
    std::snprintf(title, sizeof title,
                  "HTTP upload to a loopback receiver, %u sensors x %u records, batches of %u, %u per request, %u per "
                  "send_many, %d rounds, compression %s (%.2f bytes per record encoded)",
                  o.sensors, o.records, o.batch, o.per_request, o.per_send, o.rounds, coding.empty() ? "none" : coding.c_str(),
                  static_cast<double>(encoded_bytes) / static_cast<double>(all.records));
    print(title, all, "plain libcurl, the same bodies (baseline)", "store on disk -> consume, encode, POST, erase");
    return 0;
}

int run_mqtt(const Options& o, const std::string& root) {
    mosquitto_lib_init(); // the baseline's client may be the first of the process
    ss::test::MosquittoServer::Options broker_options;
    // Nobody subscribes, so the broker stores no message; saving after every change would only
    // add its session writes to both sides' times.
    broker_options.save_after_every_change = false;
    broker_options.tcp_nodelay = o.broker_nodelay;
    auto broker = ss::test::MosquittoServer::start(broker_options);
    if (!broker) {
        std::fprintf(stderr, "mosquitto: %s\n", broker.error().c_str());
        return 1;
    }
    const std::uint16_t port = (*broker)->port();
    ss::hal::CodecEncoder probe(o.codec, mqtt_gateway, {});
    const std::string content_type(probe.content_type());
    Rounds all;
    for (int r = 0; r < o.rounds; ++r) {
        std::vector<ss::SensorStore*> stores;
        auto host = fill(o, root, stores);
        if (!host) return 1;
        SsSystemStats sys{};
        host->engine().system_stats(sys);
        std::vector<Publication> publications;
        const Result u = upload_mqtt(o, host->engine(), stores, port, publications);
        if (u.seconds < 0) {
            std::fprintf(stderr, "an upload was not acknowledged (or went twice); mosquitto's log ends:\n%s\n",
                         (*broker)->log_tail().c_str());
            return 1;
        }
        const double b = PlainMosquitto::publish_all(publications, port, o.window, content_type);
        if (b < 0) {
            std::fprintf(stderr, "a plain libmosquitto PUBLISH failed; mosquitto's log ends:\n%s\n", (*broker)->log_tail().c_str());
            return 1;
        }
        std::uint64_t bytes = 0;
        for (const auto& p : publications) bytes += p.payload.size();
        all.add(r, u, b, sys, publications.size(), bytes);
    }
    char title[240];
    std::snprintf(title, sizeof title,
                  "MQTT upload to mosquitto on loopback (v5, QoS 1), %u sensors x %u records, batches of %u, %u per call, "
                  "window %u, %d rounds%s",
                  o.sensors, o.records, o.batch, o.per_request, o.window, o.rounds,
                  o.broker_nodelay ? ", broker set_tcp_nodelay" : "");
    print(title, all, "plain libmosquitto, the same PUBLISHes (baseline)", "store on disk -> consume, encode, PUBLISH, erase");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr, "usage: ss_bench_upload [--transport=http|mqtt] [--window=N] [--broker-nodelay] [--sensors=N] "
                             "[--records=N] [--batch=N] [--per-request=N] [--codec=compact|json_lines|line_protocol] "
                             "[--compression=none|gzip|zstd] [--rounds=N] [--dir=PATH]\n");
        return 2;
    }
    ss_bench::WorkDir work;
    if (!work.open(o.dir, "ss-bench-upload")) return 1;
    const std::string root = work.path() + "/store";
    return o.transport == Transport::mqtt ? run_mqtt(o, root) : run_http(o, root);
}
