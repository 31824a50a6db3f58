// engine_clock.cpp: SimGrid's clock found at run time and set back to 0 between runs.
#include "sim/engine/engine_clock.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <simgrid/s4u.hpp>
#include <stdexcept>

namespace tiersplit::sim {

namespace {

/// SimGrid 3.32's clock (an exported static member), null where the library does not export it.
double* engine_clock() {
  static double* clock =
      static_cast<double*>(::dlsym(RTLD_DEFAULT, "_ZN7simgrid6kernel10EngineImpl4now_E"));
  return clock;
}

}  // namespace

bool can_restart_clock() {
  return engine_clock() != nullptr && std::getenv("TIERSPLIT_NO_CLOCK_RESTART") == nullptr;
}

void restart_clock(simgrid::s4u::Engine& engine) {
  if (!can_restart_clock() || simgrid::s4u::Engine::get_clock() == 0) return;
  // The previous run has ended: no actor left, nothing that holds a date.
  if (engine.get_actor_count() != 0)
    throw std::logic_error("the SimGrid engine still runs actors of an earlier run");
  *engine_clock() = 0;
}

}  // namespace tiersplit::sim
