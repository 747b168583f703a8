// dump: live records (what a restart would serve) as tab-separated text or JSON lines.
#include <cstdio>

#include "commands/commands.hpp"
#include "commands/exit_status.hpp"
#include "commands/json_text.hpp"
#include "store/store_open.hpp"
#include "commands/time_text.hpp"
#include "ss/source_name.hpp"

namespace ss::store_tool {

int run_dump(const DumpOptions& o) {
    auto store = open_store(o.dir, o.unit_bytes);
    if (!store) {
        std::fprintf(stderr, "ss-store dump: %s\n", store.error().message.c_str());
        return exit_error;
    }
    if (o.sensor && store->root.find(*o.sensor) == nullptr) {
        std::fprintf(stderr, "ss-store dump: %s: no sensor %s in this store\n", store->root.path().c_str(),
                     to_text(*o.sensor).c_str());
        return exit_error;
    }
    if (!o.json) std::printf("sensor\tseq\tvalue\ttime\tclock\tboot\tts_ms\n");
    for (const SensorFiles& f : store->root.sensors()) {
        if (o.sensor && f.key != *o.sensor) continue;
        auto reader = store->sensor(f.key);
        if (!reader) {
            std::fprintf(stderr, "ss-store dump: %s\n", reader.error().message.c_str());
            return exit_error;
        }
        const std::string name = to_text(f.key);
        const bool evt = reader->type() == RecordType::evt;
        auto done = reader->for_each_record(o.from_seq, o.to_seq, [&](const RecordBatch& b) {
            for (const Record& r : b.records) {
                if (o.json) {
                    std::printf("{\"sensor\":%s,\"source\":\"%s\",\"id\":%u,\"seq\":%llu,\"value\":%u,\"clock\":\"%s\","
                                "\"time_us\":%s,\"time\":%s,\"boot\":%u",
                                json_string(name).c_str(), source_name(f.key.source), f.key.id,
                                static_cast<unsigned long long>(r.seq), r.value, clock_text(r.clock),
                                r.clock == Clock::unknown ? "null" : std::to_string(r.time_us).c_str(),
                                r.clock == Clock::unknown ? "null" : json_string(time_text(r.clock, r.time_us)).c_str(),
                                b.base.boot);
                    if (evt) std::printf(",\"ts_ms\":%llu", static_cast<unsigned long long>(r.ts_ms));
                    std::printf("}\n");
                } else {
                    std::printf("%s\t%llu\t%u\t%s\t%s\t%u\t%s\n", name.c_str(), static_cast<unsigned long long>(r.seq),
                                r.value, time_text(r.clock, r.time_us).c_str(), clock_text(r.clock), b.base.boot,
                                evt ? std::to_string(r.ts_ms).c_str() : "-");
                }
            }
        });
        if (!done) {
            std::fprintf(stderr, "ss-store dump: %s\n", done.error().message.c_str());
            return exit_error;
        }
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        std::fprintf(stderr, "ss-store dump: writing to standard output failed\n");
        return exit_error;
    }
    return exit_ok;
}

} // namespace ss::store_tool
