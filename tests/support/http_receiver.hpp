// The HTTP(S) test receiver (http_receiver.py, Python's standard library) for a test: an
// ingestion endpoint on a free loopback port that records every upload, keeps accepted bodies,
// counts duplicates by Idempotency-Key and answers as the test scripts it (429 with
// Retry-After, 503, 413, 400, resets, slow answers). With Options::tls it serves HTTPS with a
// certificate from make_test_pki; the control port stays plain HTTP, so the test scripts and
// reads a TLS receiver the same way. The script's own documentation has the fault syntax and
// the files it writes.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/http_client.hpp"
#include "support/json_reader.hpp"
#include "support/local_server.hpp"
#include "support/test_pki.hpp"

#ifndef SS_HTTP_RECEIVER_SCRIPT
#error "SS_HTTP_RECEIVER_SCRIPT (the path of tests/support/http_receiver.py) is set by tests/CMakeLists.txt"
#endif

namespace ss::test {

class HttpReceiver {
public:
    struct Options {
        bool tls = false;            ///< HTTPS on the upload port, certificates in the receiver's directory
        std::string faults;          ///< a fault script for the first requests (the script's syntax)
        std::string bearer_token;    ///< when set, uploads without "Authorization: Bearer <it>" get 401
        int default_status = 200;    ///< the answer when nothing is scripted
        std::chrono::milliseconds ready_timeout{10000};
    };

    /// GET /stats: what the receiver counted (http_receiver.py says what each count holds).
    struct Stats {
        std::uint64_t requests = 0, accepted = 0, unique_keys = 0, duplicates = 0, without_key = 0;
        std::uint64_t bytes_received = 0, bytes_accepted = 0, bytes_unique = 0;
        std::uint64_t resets = 0, unauthorized = 0, tls_handshake_failures = 0, faults_pending = 0;
        std::uint64_t unsupported_encoding = 0, undecodable = 0; ///< answered 415, 400 for the Content-Encoding
        std::map<std::string, std::uint64_t> statuses; ///< "200", "429", "reset", ... to how many
        std::string last_tls_failure;
    };

    /// One line of requests.jsonl: an upload as the receiver saw it.
    struct RecordedRequest {
        std::uint64_t seq = 0;
        std::string method, path;
        std::optional<std::string> idempotency_key;
        bool authorization = false;       ///< the header was present (its value is never recorded)
        std::string content_type, content_encoding;
        /// Every request header as sent (names as sent); credentials' values read "<redacted>".
        std::map<std::string, std::string> headers;
        std::uint64_t body_bytes = 0;     ///< as received on the wire
        std::optional<std::uint64_t> decoded_bytes; ///< after Content-Encoding; none when it did not decode
        std::string status;               ///< "200", "429", ... or "reset"
        std::uint64_t delay_ms = 0;
        bool duplicate = false;
        std::filesystem::path body_file;  ///< absolute; empty unless the upload was accepted; decoded
        std::filesystem::path wire_file;  ///< the accepted body as received, when it had a Content-Encoding
    };

    static std::expected<std::unique_ptr<HttpReceiver>, std::string> start() { return start(Options{}); }

    static std::expected<std::unique_ptr<HttpReceiver>, std::string> start(const Options& options) {
        auto receiver = std::unique_ptr<HttpReceiver>(new HttpReceiver(options));
        LocalServerSpec spec;
        // Debian's interpreter, which scripts/install-deps.sh installs, before one on PATH: a
        // version manager's shim there (pyenv) takes half a second to start each time.
        spec.program = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
        spec.name = "http-receiver";
        spec.port_count = 2; // uploads, control
        spec.prepare = [receiver = receiver.get()](const LocalServer& server) { return receiver->prepare(server); };
        // The control port is plain HTTP; a TCP probe of a TLS upload port would count as a
        // failed handshake. The script listens on both before it serves either.
        spec.ready = answers_http("/stats", 200, 1);
        spec.ready_timeout = options.ready_timeout;
        auto server = LocalServer::start(std::move(spec));
        if (!server) return std::unexpected(server.error());
        receiver->server_ = std::move(*server);
        return receiver;
    }

    std::uint16_t port() const { return server_->port(0); }
    std::uint16_t control_port() const { return server_->port(1); }
    /// The upload URL for path, http or https.
    std::string url(std::string_view path = "/ingest") const {
        return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) + std::string(path);
    }
    /// The certificates of Options::tls: clients trust pki().ca_cert.
    const TestPki& pki() const { return pki_.value(); }
    const std::filesystem::path& directory() const { return server_->directory(); }
    std::string log() const { return server_->log(); }
    std::string log_tail() const { return server_->log_tail(); }
    int stop() { return server_->stop(); }
    int kill() { return server_->kill(); }
    /// After a kill(), its counts and accepted keys come back from its request log.
    std::expected<void, std::string> restart() { return server_->restart(); }

    /// Queues answers for the next uploads, after those already queued (the script's syntax,
    /// e.g. "429 retry-after=1\n503 times=2\nreset\n"). Queued when this returns.
    std::expected<void, std::string> script_faults(std::string_view script) const {
        auto response = http_request("127.0.0.1", control_port(), "POST", "/faults", script);
        if (!response) return std::unexpected("scripting faults: " + response.error());
        if (response->status != 200) return std::unexpected("scripting faults: HTTP " + std::to_string(response->status) + ": " + response->body);
        return {};
    }

    std::expected<Stats, std::string> stats() const {
        auto response = http_get("127.0.0.1", control_port(), "/stats");
        if (!response) return std::unexpected("stats: " + response.error());
        auto document = parse_json(response->body);
        if (!document) return std::unexpected("stats: not JSON (" + document.error() + "): " + response->body);
        Stats s;
        const auto count = [&](const char* name) {
            const JsonValue* v = document->find(name);
            return v == nullptr ? std::uint64_t{0} : static_cast<std::uint64_t>(v->number);
        };
        s.requests = count("requests");
        s.accepted = count("accepted");
        s.unique_keys = count("unique_keys");
        s.duplicates = count("duplicates");
        s.without_key = count("without_key");
        s.bytes_received = count("bytes_received");
        s.bytes_accepted = count("bytes_accepted");
        s.bytes_unique = count("bytes_unique");
        s.resets = count("resets");
        s.unauthorized = count("unauthorized");
        s.tls_handshake_failures = count("tls_handshake_failures");
        s.faults_pending = count("faults_pending");
        s.unsupported_encoding = count("unsupported_encoding");
        s.undecodable = count("undecodable");
        if (const JsonValue* statuses = document->find("statuses"))
            for (std::size_t i = 0; i < statuses->keys.size(); ++i)
                s.statuses[statuses->keys[i]] = static_cast<std::uint64_t>(statuses->items[i].number);
        if (const JsonValue* reason = document->find("last_tls_failure")) s.last_tls_failure = reason->string;
        return s;
    }

    /// Every upload so far, in the order the receiver answered them (requests.jsonl). Complete
    /// for every upload whose client has seen its answer: the line is written before it.
    std::expected<std::vector<RecordedRequest>, std::string> requests() const {
        std::ifstream log(directory() / "requests.jsonl");
        std::vector<RecordedRequest> all;
        std::string line;
        while (std::getline(log, line)) {
            auto entry = parse_json(line);
            if (!entry) return std::unexpected("requests.jsonl: " + entry.error() + ": " + line);
            const auto text = [&](const char* name) {
                const JsonValue* v = entry->find(name);
                if (v == nullptr) return std::string();
                return v->kind == JsonValue::Kind::number ? v->number_text : v->string;
            };
            const auto number = [&](const char* name) {
                const JsonValue* v = entry->find(name);
                return v == nullptr ? std::uint64_t{0} : static_cast<std::uint64_t>(v->number);
            };
            const auto flag = [&](const char* name) {
                const JsonValue* v = entry->find(name);
                return v != nullptr && v->boolean;
            };
            RecordedRequest r;
            r.seq = number("seq");
            r.method = text("method");
            r.path = text("path");
            if (const JsonValue* key = entry->find("idempotency_key"); key != nullptr && key->kind == JsonValue::Kind::string)
                r.idempotency_key = key->string;
            r.authorization = flag("authorization");
            r.content_type = text("content_type");
            r.content_encoding = text("content_encoding");
            if (const JsonValue* headers = entry->find("headers"))
                for (std::size_t i = 0; i < headers->keys.size(); ++i) r.headers[headers->keys[i]] = headers->items[i].string;
            r.body_bytes = number("body_bytes");
            if (const JsonValue* decoded = entry->find("decoded_bytes"); decoded != nullptr && decoded->kind == JsonValue::Kind::number)
                r.decoded_bytes = static_cast<std::uint64_t>(decoded->number);
            r.status = text("status");
            r.delay_ms = number("delay_ms");
            r.duplicate = flag("duplicate");
            if (const std::string body = text("body_file"); !body.empty()) r.body_file = directory() / body;
            if (const std::string wire = text("wire_file"); !wire.empty()) r.wire_file = directory() / wire;
            all.push_back(std::move(r));
        }
        return all;
    }

private:
    explicit HttpReceiver(Options options) : options_(std::move(options)) {}

    std::expected<std::vector<std::string>, std::string> prepare(const LocalServer& server) {
        const auto& dir = server.directory();
        std::vector<std::string> args{SS_HTTP_RECEIVER_SCRIPT,
                                      "--port",
                                      std::to_string(server.port(0)),
                                      "--control-port",
                                      std::to_string(server.port(1)),
                                      "--directory",
                                      dir.string(),
                                      "--default-status",
                                      std::to_string(options_.default_status)};
        if (options_.tls) {
            if (!pki_) {
                auto pki = make_test_pki(dir);
                if (!pki) return std::unexpected(pki.error());
                pki_ = std::move(*pki);
            }
            args.insert(args.end(), {"--tls-cert", pki_->server_cert.string(), "--tls-key", pki_->server_key.string()});
        }
        if (!options_.faults.empty()) {
            if (auto written = write_file(dir / "initial-faults.txt", options_.faults); !written) return std::unexpected(written.error());
            args.insert(args.end(), {"--faults", (dir / "initial-faults.txt").string()});
        }
        if (!options_.bearer_token.empty()) {
            if (auto written = write_file(dir / "bearer-token", options_.bearer_token + "\n"); !written)
                return std::unexpected(written.error());
            args.insert(args.end(), {"--bearer-token-file", (dir / "bearer-token").string()});
        }
        return args;
    }

    static std::expected<void, std::string> write_file(const std::filesystem::path& path, std::string_view text) {
        std::ofstream out(path, std::ios::binary);
        out << text;
        out.close();
        if (!out) return std::unexpected("cannot write " + path.string());
        return {};
    }

    Options options_;
    std::optional<TestPki> pki_;
    std::unique_ptr<LocalServer> server_;
};

} // namespace ss::test
