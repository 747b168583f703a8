// Optional compression of an upload body on top of its codec (JSON lines, line protocol,
// compact): gzip (RFC 1952, through zlib) or zstd (RFC 8878, through libzstd), as a
// destination's configuration asks. The receiver learns it from the transport (HTTP
// Content-Encoding, an MQTT v5 property, or for MQTT 3.1.1 only by its own configuration;
// docs/upload-protocol.md).
//
// A BodyCompressor keeps its library context (zlib stream, zstd context) from one body to the
// next and writes into a string the caller keeps, so a transport that holds on to its output
// strings compresses without allocating once they have grown to its body size.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace ss::hal {

enum class BodyCompression : std::uint8_t { none, gzip, zstd };

/// The token of HTTP's Content-Encoding for a compression ("" for none).
std::string_view content_encoding_of(BodyCompression c) noexcept;

/// The levels a compression takes: gzip 1..9, zstd 1..19 (zstd's 20..22 need far more memory
/// than a gateway should spend on a request), none only 0.
struct CompressionLevels {
    int lowest = 0, highest = 0, fallback = 0; ///< fallback: the library's own default
};
CompressionLevels levels_of(BodyCompression c) noexcept;

/// Why a body could not be compressed: the library and what it said.
struct CompressionError {
    std::string message;
};

class BodyCompressor {
public:
    /// level 0 = the library's default (gzip 6, zstd 3); otherwise within levels_of(kind).
    static std::expected<BodyCompressor, CompressionError> create(BodyCompression kind, int level = 0);

    BodyCompressor(BodyCompressor&&) noexcept;
    BodyCompressor& operator=(BodyCompressor&&) noexcept;
    ~BodyCompressor();

    /// Replaces out with the compressed body (one complete gzip member or zstd frame, the
    /// content size recorded in the zstd frame header). out's capacity is reused. For none,
    /// out becomes a copy of body.
    std::expected<void, CompressionError> compress(std::string_view body, std::string& out);

    BodyCompression kind() const noexcept { return kind_; }
    int level() const noexcept { return level_; }

private:
    struct Contexts;
    BodyCompressor(BodyCompression kind, int level, std::unique_ptr<Contexts> contexts) noexcept;

    BodyCompression kind_;
    int level_;
    std::unique_ptr<Contexts> contexts_;
};

} // namespace ss::hal
