// A RecordSink for tests: keeps every record it took, and takes only as many as it has room for,
// so a test can make a producer meet a sink that refuses records (fewer stored than offered) or
// refuses a call outright (invalid_argument), and check what the producer counted.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "ss/record_sink.hpp"

namespace ss::test {

/// Not thread-safe: one producer at a time, as the pipeline's processing side is.
class RecordingSink final : public RecordSink {
public:
    explicit RecordingSink(RecordType type = RecordType::ts) : type_(type) {}

    RecordType record_type() const noexcept override { return type_; }

    Expected<std::uint32_t> add_values_at(const std::uint32_t* v, std::uint32_t n,
                                          std::uint64_t first_time) noexcept override {
        if (type_ != RecordType::ts) return refused_call(n);
        first_times.push_back(first_time);
        return take(values, v, n);
    }

    Expected<std::uint32_t> add_events(const SsEventRecord* e, std::uint32_t n) noexcept override {
        if (type_ != RecordType::evt) return refused_call(n);
        return take(events, e, n);
    }

    // ---- what the test sets ----
    /// Records it still takes; once they are used up it stores a prefix and drops the rest, as a
    /// full store does.
    std::uint64_t room = std::numeric_limits<std::uint64_t>::max();
    /// Refuse every call with invalid_argument (storing nothing), as a store that is gone does.
    bool refuse_calls = false;

    // ---- what it saw ----
    std::vector<std::uint32_t> values;   ///< TS records stored, in order
    std::vector<SsEventRecord> events;   ///< EVT records stored, in order
    std::vector<std::uint64_t> first_times; ///< the time each add_values call gave its first value
    std::vector<std::uint32_t> offered;  ///< n of every call, refused ones included
    std::uint64_t dropped = 0;           ///< records refused for lack of room
    std::uint64_t refused_calls = 0;     ///< calls answered with invalid_argument

private:
    Expected<std::uint32_t> refused_call(std::uint32_t n) noexcept {
        offered.push_back(n);
        ++refused_calls;
        return std::unexpected(Errc::invalid_argument);
    }

    template <class Record>
    Expected<std::uint32_t> take(std::vector<Record>& into, const Record* records, std::uint32_t n) noexcept {
        if (refuse_calls || (records == nullptr && n != 0)) return refused_call(n);
        offered.push_back(n);
        const auto stored = static_cast<std::uint32_t>(n < room ? n : room);
        into.insert(into.end(), records, records + stored);
        room -= stored;
        dropped += n - stored;
        return stored;
    }

    RecordType type_;
};

} // namespace ss::test
