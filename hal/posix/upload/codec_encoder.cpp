#include "posix/upload/codec_encoder.hpp"

#include <algorithm>
#include <span>

#include "ss/source_name.hpp"
#include "ss/upload/compact_codec.hpp"
#include "ss/upload/idempotency_key.hpp"
#include "ss/upload/influx_line.hpp"
#include "ss/upload/json_lines.hpp"

namespace ss::hal {

namespace {

/// The wire batch of a store's batch: its names point into `fallback` or the directory.
upload::Batch wire_batch(const UploadBatch& b, const std::string& gateway, const ChannelDirectory& channels,
                         std::string& fallback) {
    upload::Batch w;
    w.gateway = gateway;
    w.boot = b.boot;
    w.source = b.source;
    w.sensor_id = b.sensor_id;
    w.type = b.type;
    w.first_seq = b.first_seq;
    w.count = b.count;
    w.records = b.records;
    // Events carry their own times; a series its time base.
    if (b.type == RecordType::ts) {
        w.first_time_us = b.first_time;
        w.period_us = b.period_us;
    } else {
        w.first_time_us = sector::time_unknown;
        w.period_us = 0;
    }
    if (auto it = channels.find({b.source, b.sensor_id}); it != channels.end()) {
        w.channel = it->second.name;
        w.unit = it->second.unit;
    } else {
        fallback = std::string(source_name(b.source)) + "-" + std::to_string(b.sensor_id);
        w.channel = fallback;
    }
    return w;
}

} // namespace

CodecEncoder::CodecEncoder(WireCodec codec, std::string gateway, ChannelDirectory channels)
    : codec_(codec), gateway_(std::move(gateway)), channels_(std::move(channels)) {}

std::string_view CodecEncoder::content_type() const noexcept {
    switch (codec_) {
    case WireCodec::json_lines: return "application/x-ndjson";
    case WireCodec::line_protocol: return "text/plain; charset=utf-8";
    case WireCodec::compact: break;
    }
    return "application/vnd.sensor-storage.compact";
}

bool CodecEncoder::append(const UploadBatch& batch, std::string& out) {
    std::string fallback;
    const upload::Batch w = wire_batch(batch, gateway_, channels_, fallback);
    using Size = Expected<std::size_t> (*)(const upload::Batch&) noexcept;
    using Encode = Expected<std::size_t> (*)(const upload::Batch&, std::span<std::byte>) noexcept;
    Size size = upload::json_lines_size;
    Encode encode = upload::json_lines_encode;
    if (codec_ == WireCodec::line_protocol) {
        size = upload::influx_line_size;
        encode = upload::influx_line_encode;
    } else if (codec_ == WireCodec::compact) {
        size = upload::compact_size;
        encode = upload::compact_encode;
    }
    // Encoded into room for what the last batch took per record (an eighth more, and the header),
    // at most once sized first: sizing a text codec costs as much as encoding it.
    const std::size_t at = out.size();
    const auto encode_into = [&](std::size_t room) {
        Expected<std::size_t> wrote = std::unexpected(Errc::no_space);
        // Without zero-filling the room first: the encoder writes what it keeps.
        out.resize_and_overwrite(at + room, [&](char* p, std::size_t) {
            wrote = encode(w, std::as_writable_bytes(std::span<char>(p + at, room)));
            return at + (wrote ? *wrote : 0);
        });
        return wrote;
    };
    if (bytes_per_record_ != 0) {
        const std::size_t guess = std::size_t{w.count} * (bytes_per_record_ + bytes_per_record_ / 8) + 256;
        const auto wrote = encode_into(std::max(guess, out.capacity() - at));
        if (wrote) {
            bytes_per_record_ = std::max<std::size_t>(1, *wrote / w.count);
            return true;
        }
        if (wrote.error() != Errc::no_space) return false;
    }
    const auto need = size(w);
    if (!need) return false;
    const auto wrote = encode_into(*need);
    if (!wrote) return false;
    bytes_per_record_ = std::max<std::size_t>(1, *wrote / w.count);
    return true;
}

std::string CodecEncoder::key(const UploadBatch& batch) const {
    std::string fallback;
    const upload::Batch w = wire_batch(batch, gateway_, channels_, fallback);
    char text[upload::idempotency_key_capacity];
    const auto n = upload::format_idempotency_key(w, text);
    return n ? std::string(text, *n) : std::string();
}

} // namespace ss::hal
