// The supervisor under CAF's test coordinator: one-for-one restarts, counted and logged; a stage
// that ends normally is left alone; one that keeps failing is given up on.
#include "caf_doctest_dsl.hpp"

#include <caf/all.hpp>

#include "ss/actors/supervisor.hpp"

using namespace std::chrono_literals;

namespace {

using fail_atom = caf::atom_constant<caf::atom("fail")>;

caf::behavior worker(caf::event_based_actor* self, int) {
    return {
        [self](fail_atom) { self->quit(caf::make_error(caf::sec::runtime_error, "worker failed")); },
    };
}

struct fixture : test_coordinator_fixture<> {
    ss::actors::StageBoard board;
    ss::actors::StageDirectory directory;
    std::vector<std::string> logged;
    int spawned = 0;

    caf::actor start_supervisor() {
        ss::actors::SupervisorSetup setup;
        setup.board = &board;
        setup.directory = &directory;
        setup.log = [this](int, const std::string& line) { logged.push_back(line); };
        setup.max_restarts = 3;
        setup.window = std::chrono::seconds(10);
        setup.stages.push_back({"worker", [this](caf::event_based_actor* parent) {
                                    ++spawned;
                                    return parent->spawn(worker, 0);
                                }});
        auto sup = sys.spawn(ss::actors::supervisor, std::move(setup));
        sched.run();
        return sup;
    }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "a failed stage is restarted, counted and logged") {
    auto sup = start_supervisor();
    const caf::actor first = directory.get("worker");
    REQUIRE(first);
    caf::anon_send(first, fail_atom::value);
    sched.run();
    const caf::actor second = directory.get("worker");
    REQUIRE(second);
    CHECK(second != first);
    CHECK(spawned == 2);
    CHECK(board.restarts("worker") == 1);
    REQUIRE(logged.size() == 1);
    CHECK(logged[0].find("stage worker failed") == 0);
    caf::anon_send_exit(sup, caf::exit_reason::kill);
    caf::anon_send_exit(second, caf::exit_reason::kill);
    sched.run();
}

TEST_CASE_FIXTURE(fixture, "a stage told to stop, or stopping after shutdown, is not restarted") {
    auto sup = start_supervisor();
    caf::anon_send_exit(directory.get("worker"), caf::exit_reason::user_shutdown);
    sched.run();
    CHECK(spawned == 1);
    CHECK(board.restarts("worker") == 0);
    caf::anon_send_exit(sup, caf::exit_reason::kill);
    sched.run();

    auto sup2 = start_supervisor();
    self->request(sup2, caf::infinite, ss::actors::shutdown_atom::value);
    sched.run();
    caf::anon_send(directory.get("worker"), fail_atom::value);
    sched.run();
    CHECK(spawned == 2); // one per supervisor, no restart
    caf::anon_send_exit(sup2, caf::exit_reason::kill);
    sched.run();
}

TEST_CASE_FIXTURE(fixture, "a stage that keeps failing within the window is given up on; later failures count afresh") {
    auto sup = start_supervisor();
    for (int i = 0; i < 3; ++i) {
        caf::anon_send(directory.get("worker"), fail_atom::value);
        sched.run();
    }
    CHECK(board.restarts("worker") == 3);
    // A window later the old restarts no longer count.
    sched.clock().current_time += std::chrono::seconds(11);
    caf::anon_send(directory.get("worker"), fail_atom::value);
    sched.run();
    CHECK(board.restarts("worker") == 4);
    CHECK(directory.failed().empty());
    for (int i = 0; i < 3; ++i) {
        caf::anon_send(directory.get("worker"), fail_atom::value);
        sched.run();
    }
    // The fourth failure within ten seconds: not restarted, reported.
    CHECK(board.restarts("worker") == 6);
    REQUIRE(directory.failed().size() == 1);
    CHECK(directory.failed()[0] == "worker");
    CHECK(logged.back().find("not restarted") != std::string::npos);
    caf::anon_send_exit(sup, caf::exit_reason::kill);
    sched.run();
}
