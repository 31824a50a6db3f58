// engine_setup.cpp: the process's SimGrid engine with tiersplit's flow model.
#include "sim/engine/engine_setup.hpp"

#include <xbt/log.h>

#include <simgrid/s4u.hpp>

namespace tiersplit::sim {

simgrid::s4u::Engine* create_engine(const NetworkModelParams& model) {
  namespace sg4 = simgrid::s4u;
  constexpr double kNoWindow = 1e30;  // no TCP window limit
  static int argc = 1;
  static char arg0[] = "tiersplit";
  static char* argv[] = {arg0, nullptr};
  xbt_log_control_set("root.thresh:critical");
  auto* engine = new sg4::Engine(&argc, argv);
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/latency-factor", model.latency_factor);
  sg4::Engine::set_config("network/bandwidth-factor", model.bandwidth_factor);
  sg4::Engine::set_config("network/crosstraffic", model.crosstraffic);
  sg4::Engine::set_config("network/TCP-gamma",
                          model.tcp_window_bytes > 0 ? model.tcp_window_bytes : kNoWindow);
  return engine;
}

}  // namespace tiersplit::sim
