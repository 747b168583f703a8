#include "posix/upload/body_compression.hpp"

#include <zlib.h>
#include <zstd.h>

#include <limits>
#include <utility>

namespace ss::hal {

namespace {

// zlib's windowBits: 15 (a 32 KB window, the largest) plus 16 asks for a gzip header and
// trailer instead of a zlib one, which is what HTTP's "gzip" coding means.
constexpr int gzip_window_bits = 15 + 16;
constexpr int zlib_memory_level = 8; // zlib's default: 256 KB of state

CompressionError zlib_error(const char* what, int rc, const z_stream& z) {
    return CompressionError{std::string("zlib ") + what + ": " + (z.msg != nullptr ? z.msg : "error " + std::to_string(rc))};
}

CompressionError zstd_error(const char* what, std::size_t rc) {
    return CompressionError{std::string("zstd ") + what + ": " + ZSTD_getErrorName(rc)};
}

} // namespace

/// The library state of one compressor; only the one its kind needs is set up.
struct BodyCompressor::Contexts {
    z_stream gzip{};
    bool gzip_ready = false;
    ZSTD_CCtx* zstd = nullptr;

    ~Contexts() {
        if (gzip_ready) deflateEnd(&gzip);
        ZSTD_freeCCtx(zstd); // accepts nullptr
    }
};

std::string_view content_encoding_of(BodyCompression c) noexcept {
    switch (c) {
    case BodyCompression::gzip: return "gzip";
    case BodyCompression::zstd: return "zstd";
    case BodyCompression::none: break;
    }
    return "";
}

CompressionLevels levels_of(BodyCompression c) noexcept {
    switch (c) {
    case BodyCompression::gzip: return {1, 9, 6};
    case BodyCompression::zstd: return {1, 19, ZSTD_CLEVEL_DEFAULT};
    case BodyCompression::none: break;
    }
    return {0, 0, 0};
}

std::expected<BodyCompressor, CompressionError> BodyCompressor::create(BodyCompression kind, int level) {
    const CompressionLevels levels = levels_of(kind);
    if (level == 0) level = levels.fallback;
    if (level < levels.lowest || level > levels.highest)
        return std::unexpected(CompressionError{"level " + std::to_string(level) + " is outside " +
                                                std::to_string(levels.lowest) + ".." + std::to_string(levels.highest)});
    auto contexts = std::make_unique<Contexts>();
    if (kind == BodyCompression::gzip) {
        const int rc = deflateInit2(&contexts->gzip, level, Z_DEFLATED, gzip_window_bits, zlib_memory_level, Z_DEFAULT_STRATEGY);
        if (rc != Z_OK) return std::unexpected(zlib_error("deflateInit2", rc, contexts->gzip));
        contexts->gzip_ready = true;
    } else if (kind == BodyCompression::zstd) {
        contexts->zstd = ZSTD_createCCtx();
        if (contexts->zstd == nullptr) return std::unexpected(CompressionError{"zstd: cannot allocate a compression context"});
        if (const std::size_t rc = ZSTD_CCtx_setParameter(contexts->zstd, ZSTD_c_compressionLevel, level); ZSTD_isError(rc))
            return std::unexpected(zstd_error("compression level", rc));
        // A receiver that decodes a damaged body finds out from the frame's checksum (4 bytes)
        // instead of filing wrong values.
        if (const std::size_t rc = ZSTD_CCtx_setParameter(contexts->zstd, ZSTD_c_checksumFlag, 1); ZSTD_isError(rc))
            return std::unexpected(zstd_error("checksum flag", rc));
    }
    return BodyCompressor(kind, level, std::move(contexts));
}

BodyCompressor::BodyCompressor(BodyCompression kind, int level, std::unique_ptr<Contexts> contexts) noexcept
    : kind_(kind), level_(level), contexts_(std::move(contexts)) {}

BodyCompressor::BodyCompressor(BodyCompressor&&) noexcept = default;
BodyCompressor& BodyCompressor::operator=(BodyCompressor&&) noexcept = default;
BodyCompressor::~BodyCompressor() = default;

std::expected<void, CompressionError> BodyCompressor::compress(std::string_view body, std::string& out) {
    if (kind_ == BodyCompression::none) {
        out.assign(body);
        return {};
    }
    // resize_and_overwrite: the output is sized to the worst case without zero-filling it first.
    if (kind_ == BodyCompression::gzip) {
        z_stream& z = contexts_->gzip;
        if (body.size() > std::numeric_limits<uInt>::max())
            return std::unexpected(CompressionError{"gzip: a body over 4 GiB"});
        if (const int rc = deflateReset(&z); rc != Z_OK) return std::unexpected(zlib_error("deflateReset", rc, z));
        int rc = Z_OK;
        out.resize_and_overwrite(deflateBound(&z, static_cast<uLong>(body.size())), [&](char* data, std::size_t capacity) {
            // zlib does not write through next_in; its API predates const.
            z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
            z.avail_in = static_cast<uInt>(body.size());
            z.next_out = reinterpret_cast<Bytef*>(data);
            z.avail_out = static_cast<uInt>(capacity);
            // With deflateBound's room, one Z_FINISH call completes the member.
            rc = deflate(&z, Z_FINISH);
            return rc == Z_STREAM_END ? static_cast<std::size_t>(z.total_out) : std::size_t{0};
        });
        if (rc != Z_STREAM_END) return std::unexpected(zlib_error("deflate", rc, z));
        return {};
    }
    std::size_t written = 0;
    out.resize_and_overwrite(ZSTD_compressBound(body.size()), [&](char* data, std::size_t capacity) {
        // ZSTD_compress2 knows the whole input, so the frame header records the content size.
        written = ZSTD_compress2(contexts_->zstd, data, capacity, body.data(), body.size());
        return ZSTD_isError(written) ? std::size_t{0} : written;
    });
    if (ZSTD_isError(written)) return std::unexpected(zstd_error("compress", written));
    return {};
}

} // namespace ss::hal
