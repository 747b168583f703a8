// Decoders for compressed upload bodies in tests, on zlib's and libzstd's own decoding APIs (not
// the compressor under test): a gzip member and a zstd frame back to the bytes they hold.
#pragma once

#include <zlib.h>
#include <zstd.h>

#include <expected>
#include <string>
#include <string_view>

#include "posix/upload/body_compression.hpp"

namespace ss::test {

/// One gzip member (windowBits 15 + 16: gzip only, no zlib or raw stream), nothing after it.
inline std::expected<std::string, std::string> gunzip(std::string_view compressed) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) return std::unexpected("inflateInit2 failed");
    std::string out;
    char chunk[16384];
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    z.avail_in = static_cast<uInt>(compressed.size());
    int rc = Z_OK;
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(chunk, sizeof chunk - z.avail_out);
    }
    const std::string why = z.msg != nullptr ? z.msg : "inflate returned " + std::to_string(rc);
    const bool whole = rc == Z_STREAM_END && z.avail_in == 0;
    inflateEnd(&z);
    if (!whole) return std::unexpected("gzip: " + (rc == Z_STREAM_END ? std::string("bytes after the member") : why));
    return out;
}

/// One zstd frame whose header records its content size (as the compressor writes them).
inline std::expected<std::string, std::string> unzstd(std::string_view compressed) {
    const unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
    if (size == ZSTD_CONTENTSIZE_ERROR) return std::unexpected("zstd: not a frame");
    if (size == ZSTD_CONTENTSIZE_UNKNOWN) return std::unexpected("zstd: the frame does not record its content size");
    std::string out(size, '\0');
    const std::size_t n = ZSTD_decompress(out.data(), out.size(), compressed.data(), compressed.size());
    if (ZSTD_isError(n)) return std::unexpected(std::string("zstd: ") + ZSTD_getErrorName(n));
    out.resize(n);
    return out;
}

inline std::expected<std::string, std::string> decompress(hal::BodyCompression kind, std::string_view compressed) {
    switch (kind) {
    case hal::BodyCompression::gzip: return gunzip(compressed);
    case hal::BodyCompression::zstd: return unzstd(compressed);
    case hal::BodyCompression::none: break;
    }
    return std::string(compressed);
}

} // namespace ss::test
