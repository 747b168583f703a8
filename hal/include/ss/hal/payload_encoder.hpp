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
    /// The batch's idempotency key (docs/upload-protocol.md): what a transport sends beside the
    /// payload (an HTTP header, an MQTT v5 user property). Empty if the batch is invalid.
    virtual std::string key(const UploadBatch& batch) const = 0;
};

} // namespace ss::hal
