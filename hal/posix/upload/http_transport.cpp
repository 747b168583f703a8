#include "posix/upload/http_transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <ctime>
#include <mutex>
#include <vector>

#include "posix/upload/http_response_rules.hpp"

namespace ss::hal {

namespace {

std::size_t discard_body(char*, std::size_t size, std::size_t n, void*) { return size * n; }

/// Transfer errors that mean the TLS layer refused (certificate, host name, handshake): nothing
/// was sent in clear, and the operator must see them apart from a receiver that is down.
bool is_tls_error(CURLcode rc) {
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
        return true;
    default:
        return false;
    }
}

UploadOutcome outcome_of(HttpVerdict v) {
    switch (v) {
    case HttpVerdict::acknowledged: return UploadOutcome::acknowledged;
    case HttpVerdict::too_large: return UploadOutcome::too_large;
    case HttpVerdict::rejected: return UploadOutcome::rejected;
    case HttpVerdict::retry: break;
    }
    return UploadOutcome::retry;
}

struct GlobalInit {
    GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

} // namespace

struct HttpTransport::Impl {
    /// One request: batches [first, first + count) of the send_many call.
    struct Request {
        std::size_t first = 0;
        std::size_t count = 0;
        std::vector<std::size_t> members; ///< the batches encoded into the body
        std::string body;       ///< as encoded
        std::string compressed; ///< body compressed, when the destination compresses
        std::string_view wire;  ///< what goes out: body or compressed
        std::string keys;
        curl_slist* headers = nullptr;
        CURL* easy = nullptr;
        bool ready = false; ///< prepared: encoded and set up, to be started
    };

    Settings settings;
    PayloadEncoder& encoder;
    std::expected<BodyCompressor, CompressionError> compressor;
    std::string content_encoding_header; ///< "Content-Encoding: gzip" or "zstd"; "" without compression
    CURLM* multi = nullptr;
    std::vector<CURL*> idle;   ///< easy handles kept for reuse (their connections stay in the multi's cache)
    std::vector<Request> requests;
    mutable std::mutex stats_lock;
    Stats stats{};

    Impl(Settings s, PayloadEncoder& e)
        : settings(std::move(s)), encoder(e), compressor(BodyCompressor::create(settings.compression, settings.compression_level)) {
        static GlobalInit once; // thread-safe static: curl_global_init exactly once
        if (settings.max_in_flight == 0) settings.max_in_flight = 1;
        if (settings.batches_per_request == 0) settings.batches_per_request = 1;
        if (settings.compression != BodyCompression::none)
            content_encoding_header = "Content-Encoding: " + std::string(content_encoding_of(settings.compression));
        multi = curl_multi_init();
        curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(settings.max_in_flight));
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(settings.max_in_flight));
    }

    ~Impl() {
        for (CURL* e : idle) curl_easy_cleanup(e);
        if (multi != nullptr) curl_multi_cleanup(multi);
    }

    CURL* take_easy() {
        if (!idle.empty()) {
            CURL* e = idle.back();
            idle.pop_back();
            return e;
        }
        CURL* e = curl_easy_init();
        if (e == nullptr) return nullptr;
        const Settings& s = settings;
        curl_easy_setopt(e, CURLOPT_URL, s.url.c_str());
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.connect_timeout_ms));
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(s.request_timeout_ms));
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, s.verify_tls ? 1L : 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, s.verify_tls ? 2L : 0L);
        if (!s.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, s.ca_file.c_str());
        if (!s.client_cert.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, s.client_cert.c_str());
        if (!s.client_key.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, s.client_key.c_str());
        if (s.use_put) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        return e;
    }

    /// Encodes (and compresses) the batches of one request and sets it up; false if none of
    /// them could be. `between` runs after each batch's encoding (to keep requests on the wire
    /// moving while this one is encoded).
    template <class Between>
    bool prepare(Request& r, std::span<const UploadBatch> batches, std::span<UploadResult> results, Between between) {
        r.body.clear();
        r.keys.clear();
        r.members.clear();
        if (!compressor) {
            // A level the library does not take will not change by retrying: like a batch that
            // cannot be encoded, quarantined and visible.
            for (std::size_t i = r.first; i < r.first + r.count; ++i) results[i] = UploadResult{UploadOutcome::rejected, 0};
            return false;
        }
        for (std::size_t i = r.first; i < r.first + r.count; ++i) {
            // An invalid description is never going to be accepted: quarantined, not retried.
            const std::string key = encoder.key(batches[i]);
            if (key.empty() || !encoder.append(batches[i], r.body)) {
                results[i] = UploadResult{UploadOutcome::rejected, 0};
                continue;
            }
            if (!r.keys.empty()) r.keys += ", ";
            r.keys += key;
            r.members.push_back(i);
            between();
        }
        if (r.keys.empty()) return false;
        r.wire = r.body;
        if (!content_encoding_header.empty()) {
            if (!compressor->compress(r.body, r.compressed)) {
                // Only a lack of memory makes a compressor fail on a body: nothing was sent, retry.
                std::lock_guard g(stats_lock);
                ++stats.compression_errors;
                return false;
            }
            r.wire = r.compressed;
            r.headers = curl_slist_append(r.headers, content_encoding_header.c_str());
        }
        r.headers = curl_slist_append(r.headers, ("Content-Type: " + std::string(encoder.content_type())).c_str());
        r.headers = curl_slist_append(r.headers, ("Idempotency-Key: " + r.keys).c_str());
        // Without this, curl waits for a 100 Continue before large bodies: a round trip lost.
        r.headers = curl_slist_append(r.headers, "Expect:");
        if (!settings.bearer_token.empty())
            r.headers = curl_slist_append(r.headers, ("Authorization: Bearer " + settings.bearer_token).c_str());
        r.easy = take_easy();
        if (r.easy == nullptr || r.headers == nullptr) return false;
        curl_easy_setopt(r.easy, CURLOPT_HTTPHEADER, r.headers);
        curl_easy_setopt(r.easy, CURLOPT_POSTFIELDS, r.wire.data());
        curl_easy_setopt(r.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.wire.size()));
        curl_easy_setopt(r.easy, CURLOPT_PRIVATE, &r);
        return true;
    }

    void finish(Request& r, CURLcode rc, std::span<UploadResult> results) {
        UploadResult verdict{UploadOutcome::retry, 0};
        {
            std::lock_guard g(stats_lock);
            ++stats.requests;
            stats.bytes_sent += r.wire.size();
            stats.bytes_encoded += r.body.size();
            if (rc != CURLE_OK) {
                ++stats.transfer_errors;
                if (is_tls_error(rc)) ++stats.tls_errors;
            }
        }
        if (rc == CURLE_OK) {
            long status = 0;
            curl_easy_getinfo(r.easy, CURLINFO_RESPONSE_CODE, &status);
            const HttpVerdict v = verdict_of_status(status);
            verdict.outcome = outcome_of(v);
            verdict.reason = static_cast<std::uint32_t>(status);
            if (v == HttpVerdict::retry || v == HttpVerdict::too_large) {
                curl_header* h = nullptr;
                if (curl_easy_header(r.easy, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h != nullptr) {
                    if (auto ms = retry_after_ms(h->value, std::time(nullptr), settings.max_retry_after_ms))
                        verdict.retry_after_ms = static_cast<std::uint32_t>(std::min<std::uint64_t>(*ms, UINT32_MAX));
                }
            }
            std::lock_guard g(stats_lock);
            switch (v) {
            case HttpVerdict::acknowledged: ++stats.acknowledged; break;
            case HttpVerdict::retry: ++stats.retryable; break;
            case HttpVerdict::too_large: ++stats.too_large; break;
            case HttpVerdict::rejected: ++stats.rejected; break;
            }
        }
        for (const std::size_t i : r.members) results[i] = verdict;
    }

    void release(Request& r) noexcept {
        if (r.easy != nullptr) {
            curl_easy_setopt(r.easy, CURLOPT_HTTPHEADER, nullptr);
            try {
                idle.push_back(r.easy);
            } catch (...) {
                curl_easy_cleanup(r.easy);
            }
            r.easy = nullptr;
        }
        curl_slist_free_all(r.headers);
        r.headers = nullptr;
    }

    /// After an allocation failure mid-call: no handle may stay in the multi pointing at a request.
    void abandon_all() noexcept {
        for (Request& r : requests) {
            if (r.easy != nullptr) curl_multi_remove_handle(multi, r.easy);
            release(r);
        }
        requests.clear();
    }

    std::size_t send_many(std::span<const UploadBatch> batches, std::span<UploadResult> results) {
        const std::size_t n = std::min(batches.size(), results.size());
        for (std::size_t i = 0; i < n; ++i) results[i] = UploadResult{UploadOutcome::retry, 0};
        // The requests of the previous call are reused: their body and compressed strings keep
        // their capacity, so a steady stream of batches encodes and compresses without allocating.
        const std::size_t count = (n + settings.batches_per_request - 1) / settings.batches_per_request;
        requests.resize(count);
        for (std::size_t k = 0; k < count; ++k) {
            Request& r = requests[k];
            r.first = k * settings.batches_per_request;
            r.count = std::min<std::size_t>(settings.batches_per_request, n - r.first);
            r.wire = {};
            r.headers = nullptr;
            r.easy = nullptr;
            r.ready = false;
        }
        std::size_t next = 0;     // the next request to start
        std::size_t prepared = 0; // requests below this are prepared (or failed to be)
        std::size_t active = 0;
        const auto drive = [this] {
            int running = 0;
            curl_multi_perform(multi, &running);
        };
        while (next < requests.size() || active > 0) {
            while (active < settings.max_in_flight && next < requests.size()) {
                Request& r = requests[next++];
                if (prepared < next) {
                    r.ready = prepare(r, batches, results, [] {});
                    prepared = next;
                }
                if (!r.ready) {
                    release(r);
                    continue;
                }
                r.ready = false;
                if (curl_multi_add_handle(multi, r.easy) != CURLM_OK) {
                    release(r);
                    continue;
                }
                ++active;
            }
            drive();
            int queued = 0;
            while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
                if (m->msg != CURLMSG_DONE) continue;
                Request* r = nullptr;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &r);
                const CURLcode rc = m->data.result;
                curl_multi_remove_handle(multi, m->easy_handle);
                finish(*r, rc, results);
                release(*r);
                --active;
            }
            // Wait for the network unless another request can start right away; while every
            // slot is busy, encode the next request meanwhile (driving the transfers between its
            // batches), so that it is ready the moment a slot frees.
            if (active > 0 && (active >= settings.max_in_flight || next >= requests.size())) {
                if (prepared == next && prepared < requests.size()) {
                    Request& r = requests[prepared++];
                    r.ready = prepare(r, batches, results, drive);
                    continue;
                }
                curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
            }
        }
        return n;
    }
};

HttpTransport::HttpTransport(Settings settings, PayloadEncoder& encoder)
    : impl_(std::make_unique<Impl>(std::move(settings), encoder)) {}

HttpTransport::~HttpTransport() = default;

UploadResult HttpTransport::send(const UploadBatch& batch) noexcept {
    UploadResult r{};
    send_many(std::span<const UploadBatch>(&batch, 1), std::span<UploadResult>(&r, 1));
    return r;
}

std::size_t HttpTransport::send_many(std::span<const UploadBatch> batches, std::span<UploadResult> results) noexcept {
    try {
        return impl_->send_many(batches, results);
    } catch (...) {
        // Out of memory building a request: nothing was acknowledged, everything is tried again.
        impl_->abandon_all();
        for (auto& r : results) r = UploadResult{UploadOutcome::retry, 0};
        return std::min(batches.size(), results.size());
    }
}

HttpTransport::Stats HttpTransport::stats() const noexcept {
    std::lock_guard g(impl_->stats_lock);
    return impl_->stats;
}

WireCounts HttpTransport::wire_counts() const noexcept {
    const Stats st = stats();
    return WireCounts{st.bytes_sent, st.bytes_encoded, st.tls_errors, st.compression_errors};
}

} // namespace ss::hal
