// engine_setup.hpp: the one SimGrid engine of a process, created with tiersplit's flow model
// (every model of tiersplit — tenants and groups — starts from it).
#pragma once

#include "sim/scenario.hpp"

namespace simgrid::s4u {
class Engine;
}

namespace tiersplit::sim {

/// Creates the process's SimGrid engine, quiet below critical, with the network model `model`
/// describes (docs/simulator.md, "Network model"): CM02 sharing with the scenario's factors
/// instead of LV08's 13.01 x latency, 0.97 x bandwidth and cross-traffic. Call once, before the
/// platform is created (SimGrid takes configuration only then).
simgrid::s4u::Engine* create_engine(const NetworkModelParams& model);

}  // namespace tiersplit::sim
