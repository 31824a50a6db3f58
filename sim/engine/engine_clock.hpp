// engine_clock.hpp: setting SimGrid's clock back to 0 between runs in one engine, so that a run's
// result does not depend on what the engine ran before (every model of tiersplit uses it).
#pragma once

namespace simgrid::s4u {
class Engine;
}

namespace tiersplit::sim {

/// Whether the engine's clock can be set back (SimGrid 3.32 exports it as
/// simgrid::kernel::EngineImpl::now_; TIERSPLIT_NO_CLOCK_RESTART=1 turns it off for tests).
/// Without it, runs in one engine start at ever later dates, round differently and can order
/// simultaneous events differently, so the worker pool forks a child per run instead.
bool can_restart_clock();

/// Before a run: sets the clock of `engine`, whose previous run has ended (no actor left), back
/// to 0 where can_restart_clock(); otherwise leaves it.
void restart_clock(simgrid::s4u::Engine& engine);

}  // namespace tiersplit::sim
