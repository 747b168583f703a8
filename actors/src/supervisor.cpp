#include "ss/actors/supervisor.hpp"

#include <caf/all.hpp>

namespace ss::actors {

void StageDirectory::set(const std::string& name, caf::actor handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [n, h] : handles_) {
        if (n == name) {
            h = std::move(handle);
            return;
        }
    }
    handles_.emplace_back(name, std::move(handle));
}

caf::actor StageDirectory::get(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [n, h] : handles_)
        if (n == name) return h;
    return {};
}

std::vector<std::string> StageDirectory::failed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return failed_;
}

void StageDirectory::mark_failed(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    failed_.push_back(name);
}

namespace {

void start_child(caf::stateful_actor<SupervisorState>* self, SupervisorState::Child& child) {
    child.handle = child.recipe.spawn(self);
    self->monitor(child.handle);
    if (self->state.setup.directory != nullptr) self->state.setup.directory->set(child.recipe.name, child.handle);
}

void log(SupervisorState& st, int level, const std::string& line) {
    if (st.setup.log) st.setup.log(level, line);
}

} // namespace

caf::behavior supervisor(caf::stateful_actor<SupervisorState>* self, SupervisorSetup setup) {
    auto& st = self->state;
    st.setup = std::move(setup);
    st.children.reserve(st.setup.stages.size());
    for (auto& recipe : st.setup.stages) {
        st.children.push_back(SupervisorState::Child{std::move(recipe), {}, {}});
        start_child(self, st.children.back());
    }
    st.setup.stages.clear();
    self->set_down_handler([self](caf::down_msg& down) {
        auto& s = self->state;
        for (auto& child : s.children) {
            if (child.handle.address() != down.source) continue;
            child.handle = nullptr;
            // A stage that ends normally (it finished, or was told to) is not a failure.
            if (s.stopping || !down.reason || down.reason == caf::exit_reason::user_shutdown) return;
            const auto now = self->clock().now();
            while (!child.restarts.empty() && now - child.restarts.front() > s.setup.window) child.restarts.pop_front();
            if (child.restarts.size() >= s.setup.max_restarts) {
                log(s, 0,
                    "stage " + child.recipe.name + " failed " + std::to_string(child.restarts.size() + 1) +
                        " times within the restart window; not restarted: " + self->system().render(down.reason));
                if (s.setup.directory != nullptr) s.setup.directory->mark_failed(child.recipe.name);
                return;
            }
            child.restarts.push_back(now);
            // Started first: whoever sees the restart counted finds the new stage in the directory.
            start_child(self, child);
            if (s.setup.board != nullptr) s.setup.board->count_restart(child.recipe.name);
            log(s, 1, "stage " + child.recipe.name + " failed (" + self->system().render(down.reason) + "); restarted");
            return;
        }
    });
    return {
        // Answered once every stage has been spawned: whoever started the supervisor may then
        // look the stages up.
        [](caf::get_atom) { return caf::ok_atom::value; },
        [self](shutdown_atom) {
            self->state.stopping = true;
            return caf::ok_atom::value;
        },
    };
}

} // namespace ss::actors
