// The PayloadEncoder of the wire codecs (core/include/ss/upload/): it completes a store's batch
// with what the receiver files it under — the gateway's name and the sensor's channel name and
// unit — and encodes it as JSON lines, InfluxDB line protocol or the compact binary codec.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "ss/hal/payload_encoder.hpp"

namespace ss::hal {

enum class WireCodec : std::uint8_t { json_lines, line_protocol, compact };

/// A sensor's channel as the receiver sees it.
struct Channel {
    std::string name; ///< 1..255 bytes
    std::string unit; ///< 0..255 bytes
};

/// Channels by (source, sensor id). A sensor missing from it is named "<source>-<id>", no unit.
using ChannelDirectory = std::map<std::pair<SsSource, std::uint32_t>, Channel>;

class CodecEncoder final : public PayloadEncoder {
public:
    CodecEncoder(WireCodec codec, std::string gateway, ChannelDirectory channels);

    std::string_view content_type() const noexcept override;
    bool append(const UploadBatch& batch, std::string& out) override;
    std::string key(const UploadBatch& batch) const override;

    WireCodec codec() const noexcept { return codec_; }

private:
    WireCodec codec_;
    std::string gateway_;
    ChannelDirectory channels_;
    /// Bytes per record of the last batch encoded (0: none yet): what the next one is given
    /// room for, so that it is encoded in one pass rather than sized first.
    std::size_t bytes_per_record_ = 0;
};

} // namespace ss::hal
