#include "ss/actors/pipeline.hpp"

#include <absl/strings/str_cat.h>
#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "pipeline_spec.hpp"
#include "destination_transport.hpp"
#include "posix/upload/archive_transport.hpp"
#include "ss/actors/bus_config.hpp"
#include "ss/actors/event_hub.hpp"
#include "ss/actors/integrity.hpp"
#include "ss/actors/quota.hpp"
#include "ss/actors/serial_uplink.hpp"
#include "ss/actors/processing.hpp"
#include "ss/actors/storage_flush.hpp"
#include "ss/actors/uploader.hpp"

namespace ss::actors {

using pipeline_spec::chain_of;
using pipeline_spec::check_spec;
using pipeline_spec::kind_name;
using pipeline_spec::nominal_period_us;

std::uint64_t Pipeline::oldest_unsent_age(std::deque<SeqMark>& marks, const SsSensorStats& s, std::uint64_t now) {
    if (marks.empty() || marks.back().next_seq != s.next_seq) {
        // Marks thin out with age (each at least a 32nd of the span they cover apart), so a long
        // outage keeps a few dozen per sensor, not one per snapshot.
        const std::uint64_t span = marks.empty() ? 0 : now - marks.front().at_ms;
        if (marks.empty() || now - marks.back().at_ms >= std::max<std::uint64_t>(1, span / 32))
            marks.push_back({s.next_seq, now});
    }
    // Marks from before the oldest unsent record was written say nothing about it.
    while (marks.size() > 1 && marks.front().next_seq <= s.pending_seq) marks.pop_front();
    if (s.unsent == 0 || marks.front().next_seq <= s.pending_seq) return 0;
    return now - marks.front().at_ms;
}

std::unique_ptr<Pipeline> Pipeline::start(caf::actor_system& system, PipelineSpec spec, std::string& why,
                                          PipelineOptions options) {
    std::unique_ptr<Pipeline> p(new Pipeline(system));
    p->spec_ = std::move(spec);
    p->options_ = std::move(options);
    if (!check_spec(p->spec_, p->options_.processors, why)) return nullptr;
    if (!p->open(why)) return nullptr;
    p->spawn_stages();
    return p;
}

std::uint64_t Pipeline::now_ms() const {
    // The actor system's clock: the one every stage reads (virtual under CAF's test coordinator).
    return actor_clock_ms(system_.clock().now());
}

void Pipeline::log(int level, const std::string& line) const {
    if (options_.log) {
        options_.log(level, line);
        return;
    }
    std::fprintf(stderr, "sensor-storage: %s: %s\n", level == 0 ? "error" : level == 1 ? "warning" : "info", line.c_str());
}

bool Pipeline::open(std::string& why) {
    SsInitCfg storage = spec_.storage;
    storage.disk_root = spec_.data_dir.empty() ? nullptr : spec_.data_dir.c_str();
    Text text;
    auto host = StorageHost::open(storage, text);
    if (!host) {
        why = absl::StrCat("storage: ", text.c_str());
        return false;
    }
    host_ = std::move(*host);
    Engine& engine = host_->engine();

    for (std::uint32_t i = 0; i < spec_.sources.size(); ++i) {
        auto source = std::make_unique<SourceBinding>();
        source->spec = &spec_.sources[i];
        source->index = i;
        sources_.push_back(std::move(source));
    }
    for (const SensorSpec& group : spec_.sensors) {
        std::uint32_t source_index = 0;
        while (spec_.sources[source_index].name != group.source) ++source_index;
        const SourceSpec& source = spec_.sources[source_index];
        for (std::uint32_t k = 0; k < group.count; ++k) {
            auto sensor = std::make_unique<SensorBinding>();
            sensor->spec = &group;
            sensor->id = group.id + k;
            sensor->bus = source.bus;
            sensor->source = source_index;
            sensor->channel = static_cast<std::uint16_t>(group.channel + k);
            sensor->name = group.count == 1 ? group.name : absl::StrCat(group.name, "-", sensor->id);
            // A store recovery brought back is the same sensor: it carries on where it was.
            SensorStore* store = engine.find(sensor->bus, sensor->id);
            if (store == nullptr) {
                auto made = engine.register_sensor(sensor->bus, sensor->id, group.type, text);
                if (!made) {
                    why = absl::StrCat("sensor ", sensor->name, ": ", text.c_str());
                    return false;
                }
                store = *made;
            } else if (store->type() != group.type) {
                why = absl::StrCat("sensor ", sensor->name, ": its stored data has the other record type");
                return false;
            }
            sensor->store = store;
            if (group.verify_level) {
                // Not persisted: a recovered store gets the configured level again each start.
                if (auto set = engine.set_verify_level(*store, static_cast<VerifyLevel>(*group.verify_level)); !set) {
                    why = absl::StrCat("sensor ", sensor->name, ": verify_level ", *group.verify_level, " refused");
                    return false;
                }
            }
            sensor->sink = std::make_unique<StoreSink>(engine, *store);
            if (group.type == RecordType::ts) {
                if (auto set = store->set_sample_period_us(engine.context(), nominal_period_us(source, chain_of(spec_, group)));
                    !set) {
                    why = absl::StrCat("sensor ", sensor->name, ": no room to record its sample period");
                    return false;
                }
            }
            // Metadata names are short (the export's limit); the rules are what matter here.
            const std::string short_name = sensor->name.substr(0, capture::channel_name_capacity);
            auto channel = capture::make_channel(short_name, group.unit.substr(0, capture::channel_unit_capacity),
                                                 {group.valid_low, group.valid_high},
                                                 {group.plausible_low, group.plausible_high},
                                                 {group.slope, group.offset, group.calibrated_ms}, text);
            if (!channel) {
                why = absl::StrCat("sensor ", sensor->name, ": ", text.c_str());
                return false;
            }
            sensor->metadata = *channel;
            sources_[source_index]->sensors.push_back(static_cast<std::uint32_t>(sensors_.size()));
            sensors_.push_back(std::move(sensor));
        }
    }
    for (auto& source : sources_) {
        const SourceSpec& s = *source->spec;
        if (s.kind == SourceKind::external) continue; // the application writes through sink()
        if (s.kind == SourceKind::sim_adc)
            source->adc = std::make_unique<BlockLink<std::uint16_t>>(s.buffers, s.samples_per_half * s.channels);
        else
            source->readings = std::make_unique<BlockLink<Reading>>(
                s.buffers, std::max<std::uint32_t>(64, static_cast<std::uint32_t>(source->sensors.size())));
        source->hand_over();
    }

    transport_ = options_.transport;
    if (transport_ == nullptr && spec_.uploader.transport == TransportKind::archive) {
        std::string dir = spec_.uploader.archive_dir;
        if (dir.empty() && !spec_.data_dir.empty()) dir = spec_.data_dir + "/archive";
        if (dir.empty()) {
            why = "uploader: the archive transport needs archive_dir when there is no data directory";
            return false;
        }
        own_transport_ = std::make_unique<hal::ArchiveTransport>(
            hal::ArchiveTransport::Settings{dir, spec_.uploader.archive_file_bytes});
        transport_ = own_transport_.get();
    }
    if (transport_ == nullptr && spec_.destinations.size() > 1) {
        if (!open_destinations(why)) return false;
    } else if (transport_ == nullptr && !spec_.destinations.empty()) {
        hal::ChannelDirectory channels;
        for (const auto& sensor : sensors_)
            channels[{sensor->bus, sensor->id}] = hal::Channel{sensor->name, sensor->spec->unit};
        DestinationTransport d;
        if (!make_destination_transport(spec_.gateway, spec_.destinations.front(), channels, d, why)) return false;
        own_encoder_ = std::move(d.encoder);
        own_transport_ = std::move(d.transport);
        transport_ = own_transport_.get();
        std::string dir = spec_.uploader.quarantine_dir;
        if (dir.empty() && !spec_.data_dir.empty()) dir = spec_.data_dir + "/quarantine";
        if (!dir.empty()) {
            quarantine_ = std::make_unique<hal::Quarantine>(dir);
            if (quarantine_->status() != 0) {
                why = "uploader: cannot open the quarantine directory " + dir + ": " + std::strerror(-quarantine_->status());
                return false;
            }
        }
    }
    started_ms_ = now_ms();
    // Recovered records were written before this start: their age counts from it at least.
    marks_.assign(sensors_.size(), {});
    for (std::size_t i = 0; i < sensors_.size(); ++i) {
        SsSensorStats s{};
        engine.stats(*sensors_[i]->store, s);
        marks_[i].push_back({s.next_seq, started_ms_});
    }
    return true;
}

void Pipeline::spawn_stages() {
    SupervisorSetup setup;
    setup.board = &board_;
    setup.directory = &directory_;
    setup.log = [this](int level, const std::string& line) { log(level, line); };
    Engine* engine = &host_->engine();
    StageBoard* board = &board_;
    const caf::timespan tick = spec_.tick;
    setup.stages.push_back({"storage-flush", [engine, tick, board](caf::event_based_actor* self) {
                                return caf::actor_cast<caf::actor>(self->spawn(storage_flush, engine, tick, board));
                            }});
    const StageLog stage_log = [this](int level, const std::string& line) { log(level, line); };
    // The scrub reads back units from disk: a thread of its own, so it never holds up a worker.
    IntegritySettings integrity_settings;
    integrity_settings.log = stage_log;
    setup.stages.push_back({"integrity", [engine, integrity_settings, board](caf::event_based_actor* self) {
                                return caf::actor_cast<caf::actor>(
                                    self->spawn<caf::detached>(integrity, engine, integrity_settings, board));
                            }});
    if (!spec_.data_dir.empty()) {
        QuotaSettings quota_settings;
        quota_settings.data_root = spec_.data_dir;
        quota_settings.quota_per_sensor_bytes = spec_.storage.disk_quota_per_sensor_bytes;
        quota_settings.log = stage_log;
        setup.stages.push_back({"quota", [engine, quota_settings, board](caf::event_based_actor* self) {
                                    return caf::actor_cast<caf::actor>(self->spawn(quota, engine, quota_settings, board));
                                }});
    }
    // Storage events for subscribers, derived at the manager tick's period.
    setup.stages.push_back({"events", [engine, tick, memory = hub_memory_.get()](caf::event_based_actor* self) {
                                EventHubConfig hub;
                                hub.period = tick;
                                hub.memory = memory;
                                return caf::actor_cast<caf::actor>(self->spawn(event_hub, engine, hub));
                            }});
    // [uploader]'s settings, which every destination's uploader shares.
    const auto uploader_settings = [this, board](hal::Quarantine* quarantine) {
        UploaderSettings u;
        u.period = spec_.uploader.period;
        u.batch_records = spec_.uploader.batch_records;
        u.batches_per_tick = spec_.uploader.batches_per_tick;
        u.batches_per_send = spec_.uploader.batches_per_send;
        u.backoff_base_ms = static_cast<std::uint32_t>(spec_.uploader.backoff_base.count());
        u.backoff_cap_ms = static_cast<std::uint32_t>(spec_.uploader.backoff_cap.count());
        u.seed = now_ms();
        u.board = board;
        u.quarantine = quarantine;
        return u;
    };
    for (std::uint32_t d = 0; d < fanned_.size(); ++d) {
        FannedDestination& dest = fanned_[d];
        UploaderSettings u = uploader_settings(dest.quarantine.get());
        u.seed += d;
        u.fanout = fanout_.get();
        u.destination = d;
        u.destination_name = dest.name;
        u.cursor_file = dest.cursors.get();
        hal::UploadTransport* transport = dest.transport.get();
        // Each on a thread of its own: a destination that blocks holds up no other.
        setup.stages.push_back({"uploader:" + dest.name, [engine, transport, u](caf::event_based_actor* self) {
                                    return caf::actor_cast<caf::actor>(self->spawn<caf::detached>(uploader, engine, transport, u));
                                }});
    }
    if (transport_ != nullptr) {
        UploaderSettings u = uploader_settings(quarantine_.get());
        hal::UploadTransport* transport = transport_;
        // The transport may block on I/O: the uploader has a thread of its own.
        setup.stages.push_back({"uploader", [engine, transport, u](caf::event_based_actor* self) {
                                    return caf::actor_cast<caf::actor>(self->spawn<caf::detached>(uploader, engine, transport, u));
                                }});
    }
    for (const UplinkSpec& uplink : spec_.uplinks) {
        SerialUplinkSettings settings;
        settings.spec = uplink;
        if (!spec_.data_dir.empty()) settings.quarantine_dir = spec_.data_dir + "/uplink-quarantine";
        settings.log = stage_log;
        // Waits on its tty: a thread of its own.
        setup.stages.push_back({"uplink:" + uplink.name, [engine, settings, board](caf::event_based_actor* self) {
                                    return caf::actor_cast<caf::actor>(
                                        self->spawn<caf::detached>(serial_uplink, engine, settings, board));
                                }});
    }
    for (auto& source : sources_) {
        SourceBinding* s = source.get();
        if (s->spec->kind == SourceKind::external) continue;
        const SensorBindings* sensors = &sensors_;
        ProcessingSetup ps{&spec_.chains, options_.processors, board};
        // A thread of its own: woken through its own condition variable rather than the shared
        // scheduler's queue, it costs a third less CPU per block at 1 MSPS and halves the
        // latency's tail (docs/benchmarks.md, ss_bench_actors).
        setup.stages.push_back({"processing:" + s->spec->name, [s, sensors, ps](caf::event_based_actor* self) {
                                    return caf::actor_cast<caf::actor>(self->spawn<caf::detached>(processing, s, sensors, ps));
                                }});
        setup.stages.push_back({"capture:" + s->spec->name, [s, sensors, board](caf::event_based_actor* self) {
                                    return caf::actor_cast<caf::actor>(self->spawn(capture, s, sensors, board));
                                }});
    }
    supervisor_ = system_.spawn(ss::actors::supervisor, std::move(setup));
    // Stages are spawned when the supervisor starts, on a worker: wait for that, so stage()
    // and events() find them as soon as start() returns.
    caf::scoped_actor self{system_};
    self->request(supervisor_, caf::infinite, caf::get_atom::value).receive([](caf::ok_atom) {}, [](caf::error&) {});
}

FlushReport Pipeline::shutdown() {
    if (stopped_) return report_;
    stopped_ = true;
    caf::scoped_actor self{system_};
    const auto stop = [&](const std::string& name) {
        caf::actor h = directory_.get(name);
        if (!h) return;
        self->send_exit(h, caf::exit_reason::user_shutdown);
        self->wait_for(h);
    };
    // No restarts from here on: the stages are stopped in order.
    self->request(supervisor_, caf::infinite, shutdown_atom::value).receive([](caf::ok_atom) {}, [](caf::error&) {});
    // Capture first, so what processing drains is all there is; the MCUs' uplinks likewise (a
    // batch they took but had not acknowledged is sent again by the MCU).
    for (auto& source : sources_) stop("capture:" + source->spec->name);
    for (const UplinkSpec& uplink : spec_.uplinks) stop("uplink:" + uplink.name);
    for (auto& source : sources_) {
        if (source->spec->kind == SourceKind::external) continue;
        const std::string name = "processing:" + source->spec->name;
        if (caf::actor h = directory_.get(name))
            self->request(caf::actor_cast<processing_actor>(h), caf::infinite, drain_atom::value)
                .receive([](bool) {}, [](caf::error&) {});
        stop(name);
        source->set_processing({});
    }
    stop("uploader");
    for (const auto& dest : fanned_) stop("uploader:" + dest.name);
    save_destination_cursors();
    stop("events");
    stop("integrity");
    stop("quota");
    if (caf::actor h = directory_.get("storage-flush")) {
        self->request(caf::actor_cast<storage_flush_actor>(h), caf::infinite, shutdown_atom::value)
            .receive([this](FlushReport& r) { report_ = r; },
                     [this](caf::error& e) { log(0, "shutdown flush: " + system_.render(e)); });
        self->wait_for(h);
    } else {
        // The flush stage was given up on: nothing more can be made durable.
        report_.complete = host_->engine().flushed();
    }
    self->send_exit(supervisor_, caf::exit_reason::user_shutdown);
    self->wait_for(supervisor_);
    return report_;
}

Pipeline::~Pipeline() {
    if (supervisor_) shutdown();
}

RecordSink* Pipeline::sink(std::string_view sensor) noexcept {
    for (auto& s : sensors_)
        if (s->name == sensor) return s->sink.get();
    return nullptr;
}

RuntimeSnapshot Pipeline::snapshot() {
    RuntimeSnapshot snap;
    Engine& engine = host_->engine();
    const std::uint64_t now = now_ms();
    snap.gateway = spec_.gateway;
    snap.uptime_ms = now - started_ms_;
    engine.system_stats(snap.system);
    snap.ram_bytes_used = std::uint64_t{snap.system.sectors_total - snap.system.sectors_free} * snap.system.sector_bytes;
    snap.sensors.reserve(sensors_.size());
    {
        std::lock_guard<std::mutex> lock(snapshot_mutex_);
        for (std::size_t i = 0; i < sensors_.size(); ++i) {
            const SensorBinding& b = *sensors_[i];
            SensorSnapshot s;
            s.name = b.name;
            s.source = spec_.sources[b.source].name;
            engine.stats(*b.store, s.stats);
            s.oldest_unsent_age_ms = oldest_unsent_age(marks_[i], s.stats, now);
            s.quality_good = b.good.load(std::memory_order_relaxed);
            s.quality_suspect = b.suspect.load(std::memory_order_relaxed);
            s.quality_bad = b.bad.load(std::memory_order_relaxed);
            if (b.summarized.load(std::memory_order_relaxed)) {
                const std::uint64_t packed = b.last_summary.load(std::memory_order_relaxed);
                s.has_summary = true;
                s.block_min = static_cast<std::uint16_t>(packed);
                s.block_max = static_cast<std::uint16_t>(packed >> 16);
                s.block_mean = static_cast<std::uint16_t>(packed >> 32);
            }
            snap.sensors.push_back(std::move(s));
        }
    }
    for (const auto& source : sources_) {
        SourceSnapshot s;
        s.name = source->spec->name;
        s.kind = kind_name(source->spec->kind);
        s.blocks = source->blocks.load(std::memory_order_relaxed);
        s.overflows = source->overflows.load(std::memory_order_relaxed);
        s.samples_lost = source->samples_lost.load(std::memory_order_relaxed);
        s.frames_bad = source->frames_bad.load(std::memory_order_relaxed);
        s.bytes_discarded = source->bytes_discarded.load(std::memory_order_relaxed);
        s.frames_unmatched = source->frames_unmatched.load(std::memory_order_relaxed);
        s.device_overruns = source->device_overruns.load(std::memory_order_relaxed);
        s.records_stored = source->records_stored.load(std::memory_order_relaxed);
        s.records_dropped = source->records_dropped.load(std::memory_order_relaxed);
        s.queued = source->queued();
        if (source->latency.count() > 0) {
            s.latency_p50_us = source->latency.quantile_us(0.5);
            s.latency_p99_us = source->latency.quantile_us(0.99);
            s.latency_p999_us = source->latency.quantile_us(0.999);
            s.latency_max_us = source->latency.max_us();
        }
        snap.sources.push_back(std::move(s));
    }
    snap.stages = board_.stages();
    snap.upload = board_.upload();
    snap.flush = board_.flush();
    const IntegrityStats scrub = board_.integrity();
    snap.scrub_units_checked = scrub.units_checked;
    snap.scrub_corrupt_found = scrub.corrupt_found;
    snap.upload_latency = board_.upload_latency();
    snap.quarantine = board_.quarantine();
    snap.wire = board_.wire();
    snap.destinations = board_.destinations();
    snap.uplinks = board_.uplinks();
    for (const std::string& failed : directory_.failed()) {
        snap.healthy = false;
        snap.problems.push_back("stage " + failed + " failed and was not restarted");
    }
    if (snap.system.health_flags & SS_HEALTH_DISK_ERROR) snap.problems.push_back("disk writes are failing; data is held in RAM");
    if (snap.system.health_flags & SS_HEALTH_DISK_FULL) snap.problems.push_back("the file system is full");
    if (snap.system.health_flags & (SS_HEALTH_DISK_ERROR | SS_HEALTH_DISK_FULL)) snap.healthy = false;
    return snap;
}

} // namespace ss::actors
