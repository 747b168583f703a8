// The HTTP upload path against plain libcurl, in one run: records go from a store spilled to
// disk through the uploader's steps (consume, encode, POST with the batch keys, erase exactly
// what was acknowledged) to a loopback receiver that acknowledges at once (libmicrohttpd in this
// process), against POSTing the very same bodies with a bare libcurl handle (the baseline: what
// the network part costs by itself). Each round fills a fresh store, uploads it, then replays its
// bodies through the baseline (which needs them). Prints records per second and
// the ratio to the baseline (aims: >= 1 M records/s, >= 0.8x).
//
//   cmake --build --preset default --target ss_bench_upload && ./build/default/bench/ss_bench_upload
//   options: --sensors=N (default 64) --records=N per sensor (default 100000) --batch=N records
//            (default 8192) --per-request=N batches (default 4) --codec=compact|json_lines|line_protocol
//            --rounds=N (default 3) --dir=PATH (the store; default under /tmp)
//            --compression=none|gzip|zstd (default none; the baseline then POSTs the same
//            compressed bodies, compressed outside its timing, so the ratio is the cost of
//            compressing on top of the rest)
#include <curl/curl.h>
#include <microhttpd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "posix/upload/body_compression.hpp"
#include "posix/upload/codec_encoder.hpp"
#include "posix/upload/http_transport.hpp"
#include "ss/actors/storage_host.hpp"
#include "ss/config.hpp"

#include "bench_util.hpp"

namespace {

using ss_bench::Clock;

struct Options {
    std::string dir;
    std::uint32_t sensors = 64;
    std::uint32_t records = 100'000;
    std::uint32_t batch = 8192;
    std::uint32_t per_request = 4;
    ss::hal::WireCodec codec = ss::hal::WireCodec::compact;
    ss::hal::BodyCompression compression = ss::hal::BodyCompression::none;
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
        else if (const char* n = value("--rounds=")) o.rounds = std::atoi(n);
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
            std::fprintf(stderr, "usage: ss_bench_upload [--sensors=N] [--records=N] [--batch=N] [--per-request=N] "
                                 "[--codec=compact|json_lines|line_protocol] [--compression=none|gzip|zstd] [--rounds=N] "
                                 "[--dir=PATH]\n");
            return false;
        }
    }
    return o.sensors > 0 && o.records > 0 && o.batch > 0 && o.per_request > 0 && o.rounds > 0;
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
    for (std::uint32_t k = 0; k < o.sensors; ++k) stores.push_back(*e.register_sensor(SS_SOURCE_HOST, k + 1, ss::RecordType::ts, why));
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

/// The upload path: consume, encode, POST, erase what was acknowledged; the bodies are kept for the baseline.
Result upload(const Options& o, ss::Engine& e, const std::vector<ss::SensorStore*>& stores, std::uint16_t port,
              std::vector<std::string>* bodies) {
    ss::hal::CodecEncoder encoder(o.codec, "bench-gw", {});
    ss::hal::HttpTransport::Settings s;
    s.url = "http://127.0.0.1:" + std::to_string(port) + "/ingest";
    s.max_in_flight = 1;
    s.batches_per_request = o.per_request;
    s.compression = o.compression;
    ss::hal::HttpTransport t(s, encoder);
    std::vector<std::vector<std::byte>> buffers(o.per_request, std::vector<std::byte>(std::size_t{o.batch} * 4));
    std::vector<ss::hal::UploadBatch> group;
    std::vector<ss::SensorStore*> owners;
    std::vector<ss::hal::UploadResult> results(o.per_request);
    Result r;
    double untimed = 0;
    const auto t0 = Clock::now();
    for (bool more = true; more;) {
        more = false;
        for (std::size_t k = 0; k < stores.size();) {
            group.clear();
            owners.clear();
            for (; k < stores.size() && group.size() < o.per_request; ++k) {
                auto got = e.consume(*stores[k], buffers[group.size()].data(), o.batch, ss::BatchTime::first_segment);
                if (!got) continue;
                group.push_back(ss::hal::UploadBatch{SS_SOURCE_HOST, stores[k]->id(), ss::RecordType::ts, got->first_seq,
                                                     got->count, buffers[group.size()].data(), got->first_time,
                                                     got->period_us, got->boot});
                owners.push_back(stores[k]);
            }
            if (group.empty()) continue;
            more = true;
            if (bodies != nullptr) {
                // The baseline's copy of the bodies is not the upload's work: not timed.
                const auto copy_from = Clock::now();
                bodies->emplace_back();
                for (const auto& b : group) encoder.append(b, bodies->back());
                untimed += std::chrono::duration<double>(Clock::now() - copy_from).count();
            }
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

} // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) return 2;
    ss_bench::WorkDir work;
    if (!work.open(o.dir, "ss-bench-upload")) return 1;
    const std::string root = work.path() + "/store";
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
    std::vector<double> ours, base;
    std::uint64_t records = 0, body_bytes = 0, encoded_bytes = 0;
    for (int r = 0; r < o.rounds; ++r) {
        std::vector<ss::SensorStore*> stores;
        auto host = fill(o, root, stores);
        if (!host) return 1;
        SsSystemStats sys{};
        host->engine().system_stats(sys);
        std::vector<std::string> bodies;
        const Result u = upload(o, host->engine(), stores, receiver.port(), &bodies);
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
        if (r == 0) std::printf("round 1: %llu records, %.1f MiB of them on disk before the upload\n",
                                static_cast<unsigned long long>(u.records),
                                static_cast<double>(sys.disk_bytes_used) / (1 << 20));
        ours.push_back(u.seconds);
        base.push_back(b);
        records = u.records;
        body_bytes = 0;
        for (const auto& x : bodies) body_bytes += x.size();
    }
    const double mo = ss_bench::median(ours), mb = ss_bench::median(base);
    std::printf("HTTP upload to a loopback receiver, %u sensors x %u records, batches of %u, %u per request, %d rounds, "
                "compression %s\n",
                o.sensors, o.records, o.batch, o.per_request, o.rounds, coding.empty() ? "none" : coding.c_str());
    std::printf("%.2f bytes per record on the wire (body), %.2f encoded\n", static_cast<double>(body_bytes) / static_cast<double>(records),
                static_cast<double>(encoded_bytes) / static_cast<double>(records));
    std::printf("%-44s %10s %14s %8s\n", "way", "median s", "records / s", "ratio");
    std::printf("%-44s %10.3f %14.0f %7.2fx\n", "plain libcurl, the same bodies (baseline)", mb, static_cast<double>(records) / mb, 1.0);
    std::printf("%-44s %10.3f %14.0f %7.2fx\n", "store on disk -> consume, encode, POST, erase", mo, static_cast<double>(records) / mo, mb / mo);
    return 0;
}
