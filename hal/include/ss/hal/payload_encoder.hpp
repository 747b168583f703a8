// How a network transport turns batches into bytes: one of the wire codecs of
// docs/upload-protocol.md (JSON lines, InfluxDB line protocol, the compact binary codec), chosen
// by configuration. A transport that carries several batches in one message concatenates their
// encodings, which every codec allows (each batch's encoding is self-delimiting).
#pragma once

#include <string>
#include <string_view>

#include "ss/hal/upload_transport.hpp"

namespace ss::hal {

class PayloadEncoder {
public:
    virtual ~PayloadEncoder() = default;
    /// The media type of an encoded message, e.g. "application/x-ndjson".
    virtual std::string_view content_type() const noexcept = 0;
    /// Appends the encoding of one batch to out; false, with out as it was, if the batch cannot
    /// be encoded (its description is invalid).
    virtual bool append(const UploadBatch& batch, std::string& out) = 0;
};

} // namespace ss::hal
