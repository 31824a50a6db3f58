// cmd_derive.cpp: `tiersplit devices` and `tiersplit derive-profile` — profiles for hardware not
// here.
#include <iostream>

#include "cli/commands.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "profiles/derive.hpp"

namespace tiersplit::cli {

void add_derive_command(CLI::App& app) {
  CLI::App* list = app.add_subcommand("devices", "List the shipped analytic device descriptions");
  list->callback([] {
    TextTable t({"device", "kind", "peak fp32", "memory bandwidth", "memory", "description"});
    for (const auto& name : profiles::shipped_devices()) {
      profiles::Device d = profiles::find_device(name);
      t.add({d.name, d.kind, format_flop_rate(d.peak_flops),
             format_bytes(d.memory_bandwidth) + "/s", format_bytes(d.memory_bytes), d.description});
    }
    t.print(std::cout);
  });

  struct DeriveOptions {
    std::string profile, device, output;
  };
  auto o = std::make_shared<DeriveOptions>();
  CLI::App* cmd = app.add_subcommand(
      "derive-profile",
      "Scale a measured profile to an analytic device (roofline ratio per block)");
  cmd->add_option("--profile,-p", o->profile, "Measured profile JSON")->required();
  cmd->add_option("--device,-d", o->device, "Shipped device name or device JSON file")->required();
  cmd->add_option("--output,-o", o->output, "Output JSON")->required();
  cmd->callback([o] {
    profiles::Device device = profiles::find_device(o->device);
    profiles::Profile measured = profiles::load_profile(o->profile);
    profiles::Profile derived = profiles::derive_profile(measured, device);
    profiles::save_profile(o->output, derived);
    double before = measured.forward_time(0, measured.num_blocks(), measured.batch_sizes.back());
    double after = derived.forward_time(0, derived.num_blocks(), derived.batch_sizes.back());
    std::cout << measured.model << ": whole forward at batch " << measured.batch_sizes.back() << " "
              << format_duration(before) << " measured -> " << format_duration(after) << " on "
              << device.name << " (approximate: roofline ratio)\nwrote " << o->output << "\n";
  });
}

}  // namespace tiersplit::cli
