#include "ss/upload/idempotency_key.hpp"

#include "key_text.hpp"
#include "output.hpp"
#include "ss/source_name.hpp"

namespace ss::upload {

void detail::write_idempotency_key(const Batch& b, Output& o) noexcept {
    o.text(b.gateway);
    o.chr(':');
    o.text(source_name(b.source));
    o.chr(':');
    o.decimal(b.sensor_id);
    o.chr(':');
    o.decimal(b.first_seq);
    o.chr(':');
    o.decimal(b.count);
}

Expected<std::size_t> format_idempotency_key(const Batch& b, std::span<char> out) noexcept {
    if (auto ok = check(b); !ok) return std::unexpected(ok.error());
    detail::Output count;
    detail::write_idempotency_key(b, count);
    if (count.size() + 1 > out.size()) return std::unexpected(Errc::no_space);
    detail::Output o(reinterpret_cast<std::byte*>(out.data()), out.size());
    detail::write_idempotency_key(b, o);
    out[o.size()] = '\0';
    return o.size();
}

} // namespace ss::upload
