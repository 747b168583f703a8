#include "ss/uplink/frame_assembler.hpp"

namespace ss::uplink {

Assembled FrameAssembler::push(std::span<std::byte> buffer, std::span<const std::byte> in) noexcept {
    Assembled out;
    for (const std::byte b : in) {
        ++out.consumed;
        if (b != cobs::delimiter) {
            if (discarding_) continue;
            if (length_ == buffer.size()) {
                discarding_ = true;
                length_ = 0;
                out.status = AssembleStatus::overrun;
                return out;
            }
            buffer[length_++] = b;
            continue;
        }
        discarding_ = false;
        if (length_ == 0) continue; // back-to-back delimiters: the sender's resynchronising 0x00
        const auto f = decode_frame(buffer.first(length_));
        length_ = 0;
        if (f) {
            out.status = AssembleStatus::frame;
            out.frame = *f;
        } else {
            out.status = f.error() == Errc::io_error ? AssembleStatus::bad_crc : AssembleStatus::malformed;
        }
        return out;
    }
    return out;
}

} // namespace ss::uplink
