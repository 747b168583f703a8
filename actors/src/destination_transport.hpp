// The transport a [destinations] entry describes (docs/configuration.md): its codec, with the
// gateway's name and the sensors' channels, and the HTTP or MQTT transport over it, with the
// secrets read from where the entry names them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "ss/actors/pipeline_spec.hpp"
#include "ss/hal/payload_encoder.hpp"
#include "ss/hal/upload_transport.hpp"
#include "posix/upload/codec_encoder.hpp"

namespace ss::actors {

struct DestinationTransport {
    std::unique_ptr<hal::PayloadEncoder> encoder;
    std::unique_ptr<hal::UploadTransport> transport; ///< uses *encoder
};

/// Builds the destination's transport; false with `why` if a secret cannot be read.
/// `channels` maps each sensor's (bus, id) to its channel name and unit.
bool make_destination_transport(const std::string& gateway, const DestinationSpec& d,
                                const hal::ChannelDirectory& channels,
                                DestinationTransport& out, std::string& why);

/// The first line of a secret's file (without its line end); false with `why` if it cannot be
/// read or is empty. The secret is never put into `why`.
bool read_secret_file(const std::string& path, std::string& secret, std::string& why);

} // namespace ss::actors
