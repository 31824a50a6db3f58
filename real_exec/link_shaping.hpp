// link_shaping.hpp: shaping one network device with tc — netem (rate and delay) where the kernel
// has it, else tbf for the rate and the pushdown server's pacer for the delay.
#pragma once

#include <string>
#include <vector>

namespace tiersplit::real_exec {

/// Runs `argv`; throws tiersplit::Error with the command and its output when it fails.
void must_run(const std::vector<std::string>& argv);

/// How a device was shaped.
struct Shaping {
  std::string shaper;           ///< "tc netem: 100 Mbit/s, 1 ms" or "tc tbf: 100 Mbit/s ..."
  bool delay_by_pacer = false;  ///< no netem here: the delay is the server's pacer's to add
};

/// Shapes the sends of `device` (in network namespace `netns`, "" for this one) to
/// `bytes_per_s` and a one-way `delay_s`. Uses netem when the kernel has it, else tbf with a
/// fluid-like burst and a queue of half a second (at least 1 MiB). `try_netem` false: tbf only.
Shaping shape_device(const std::string& device, const std::string& netns, double bytes_per_s,
                     double delay_s, bool try_netem = true);

}  // namespace tiersplit::real_exec
