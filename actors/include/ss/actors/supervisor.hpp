// The runtime's supervisor: spawns the pipeline's stages, monitors them, and restarts a stage
// that fails (one-for-one, like an Erlang supervisor): the new instance starts from the shared
// state (the stores, the block links), which outlives any actor; blocks the failed one held went
// back to their pools with it. Each restart is counted on the board and logged. A stage that
// keeps failing — more than `max_restarts` within `window` — is given up on and reported, so a
// fault that no restart can mend does not spin.
#pragma once

#include <mutex>
#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "ss/actors/messages.hpp"
#include "ss/actors/stage_board.hpp"

namespace ss::actors {

/// How to make one stage; called from the supervisor, so it spawns the stage as its child.
struct StageRecipe {
    std::string name;
    std::function<caf::actor(caf::event_based_actor*)> spawn;
};

/// The stages' current handles, for whoever stops them in order (Pipeline::shutdown).
class StageDirectory {
public:
    void set(const std::string& name, caf::actor handle);
    caf::actor get(const std::string& name) const;
    /// Names of stages given up on.
    std::vector<std::string> failed() const;
    void mark_failed(const std::string& name);

private:
    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, caf::actor>> handles_;
    std::vector<std::string> failed_;
};

struct SupervisorSetup {
    std::vector<StageRecipe> stages;
    StageBoard* board = nullptr;
    StageDirectory* directory = nullptr;
    std::function<void(int level, const std::string& line)> log; ///< may be empty
    std::uint32_t max_restarts = 5;
    caf::timespan window = std::chrono::seconds(10);
};

struct SupervisorState {
    static inline const char* name = "supervisor";
    struct Child {
        StageRecipe recipe;
        caf::actor handle;
        std::deque<caf::actor_clock::time_point> restarts; ///< within the window
    };
    std::vector<Child> children;
    SupervisorSetup setup;
    bool stopping = false;
};

/// `get_atom` → ok_atom once every stage is spawned; `shutdown_atom` → ok_atom: no more restarts
/// (the runtime is stopping its stages in order).
caf::behavior supervisor(caf::stateful_actor<SupervisorState>* self, SupervisorSetup setup);

} // namespace ss::actors
