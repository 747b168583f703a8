// Certificates for TLS tests, made by the openssl command line in a directory the caller owns
// (a LocalServer's): a CA, a server certificate it signs for 127.0.0.1 and localhost, and a
// second, unrelated CA for "the client trusts the wrong CA" tests. EC P-256 keys: quick to make,
// accepted by OpenSSL 3, Python's ssl, libcurl and mosquitto. Valid for two days, so a clock
// a little off does not matter and nothing outlives a test run.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace ss::test {

struct TestPki {
    std::filesystem::path ca_cert;        ///< the CA that signed server_cert: clients trust this
    std::filesystem::path server_cert;    ///< CN and subjectAltName 127.0.0.1, DNS localhost
    std::filesystem::path server_key;     ///< unencrypted PEM
    std::filesystem::path wrong_ca_cert;  ///< a CA that signed nothing here: a client trusting it must refuse the server
};

namespace pki_detail {

// Our own openssl config, so the extensions do not depend on the system's openssl.cnf. The
// authority and subject key identifiers are there because strict verifiers (Python 3.13's
// default VERIFY_X509_STRICT) require them.
inline constexpr const char* openssl_config = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = ss-test
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
)";

inline std::expected<void, std::string> run_openssl(const std::filesystem::path& openssl,
                                                    const std::filesystem::path& directory,
                                                    const std::vector<std::string>& args) {
    auto run = run_to_completion(openssl, args, {}, directory / "openssl.log", std::chrono::seconds(30));
    if (!run) return std::unexpected(run.error());
    if (run->status != 0) {
        std::string command = "openssl";
        for (const auto& a : args) command += " " + a;
        return std::unexpected(command + " exited with " + std::to_string(run->status) + ": " + run->output);
    }
    return {};
}

inline std::expected<void, std::string> make_ca(const std::filesystem::path& openssl, const std::filesystem::path& directory,
                                                const std::string& stem, const std::string& common_name) {
    const auto dir = directory.string() + "/";
    return run_openssl(openssl, directory,
                       {"req", "-x509", "-config", dir + "pki.cnf", "-extensions", "ca_ext", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir + stem + ".key", "-out", dir + stem + ".crt",
                        "-days", "2", "-subj", "/CN=" + common_name});
}

} // namespace pki_detail

/// Makes the CA, the server certificate and the wrong CA in directory (ca.crt, ca.key,
/// server.crt, server.key, wrong-ca.crt, wrong-ca.key, pki.cnf, openssl.log). The error
/// carries openssl's output.
inline std::expected<TestPki, std::string> make_test_pki(const std::filesystem::path& directory) {
    const std::filesystem::path openssl = find_on_path("openssl");
    if (openssl.empty()) return std::unexpected(std::string("openssl is not on PATH (scripts/install-deps.sh installs it)"));
    {
        std::ofstream config(directory / "pki.cnf");
        config << pki_detail::openssl_config;
        if (!config) return std::unexpected("cannot write " + (directory / "pki.cnf").string());
    }
    const auto dir = directory.string() + "/";
    if (auto made = pki_detail::make_ca(openssl, directory, "ca", "ss-test-ca"); !made) return std::unexpected(made.error());
    if (auto made = pki_detail::make_ca(openssl, directory, "wrong-ca", "ss-test-wrong-ca"); !made)
        return std::unexpected(made.error());
    if (auto request = pki_detail::run_openssl(openssl, directory,
                                               {"req", "-new", "-config", dir + "pki.cnf", "-newkey", "ec", "-pkeyopt",
                                                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir + "server.key",
                                                "-out", dir + "server.csr", "-subj", "/CN=127.0.0.1"});
        !request)
        return std::unexpected(request.error());
    if (auto signed_cert = pki_detail::run_openssl(openssl, directory,
                                                   {"x509", "-req", "-in", dir + "server.csr", "-CA", dir + "ca.crt", "-CAkey",
                                                    dir + "ca.key", "-CAcreateserial", "-out", dir + "server.crt", "-days", "2",
                                                    "-extfile", dir + "pki.cnf", "-extensions", "server_ext"});
        !signed_cert)
        return std::unexpected(signed_cert.error());
    return TestPki{directory / "ca.crt", directory / "server.crt", directory / "server.key", directory / "wrong-ca.crt"};
}

} // namespace ss::test
