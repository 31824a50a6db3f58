// torch_commands.cpp: the table of LibTorch subcommands and where their executable is.
#include "cli/torch_commands.hpp"

#include <filesystem>

#include "common/error.hpp"
#include "common/subprocess.hpp"

namespace tiersplit::cli {

const std::vector<TorchCommand>& torch_commands() {
  static const std::vector<TorchCommand> commands{
      {"models", "List the model zoo, or one model's blocks"},
      {"profile", "Measure per-block forward (and training) times of a zoo model with LibTorch"},
      {"dataset", "Import data sets into an object store"},
      {"serve", "Run the pushdown server next to an object store (blocks [0,s) in eval mode)"},
      {"train", "Run a TL job: batches through the pushdown server, blocks [s,L) trained here"},
      {"pretrain", "Train a backbone on the source classes (from the store) and save its weights"},
      {"testbed",
       "Two tiers to measure on: one machine (a shaped link, pinned cores) or two hosts"},
      {"validation-table",
       "Summarise validation reports (tiersplit validate -o) as one Markdown table"},
      {"calibrate",
       "Measure the deployed tiers (per-tier profiles, link, server overheads) into a calibrated "
       "platform for the simulator"},
      {"calibrate-link",
       "(used by calibrate, on the compute tier) probe the link and the server's overheads", true},
      {"groups",
       "Learning over groups for real: P workers (c10d Gloo) train one head per (group, "
       "configuration) against the pushdown server"},
      {"validate",
       "Predict every split, choose, run the choice and its alternatives for real on the "
       "testbed, and report predicted against measured"},
  };
  return commands;
}

const char* torch_command_description(const std::string& name) {
  for (const auto& c : torch_commands()) {
    if (name == c.name) return c.description;
  }
  fail("internal: '", name, "' is not a LibTorch subcommand");
}

bool is_torch_command(const std::string& name) {
  for (const auto& c : torch_commands()) {
    if (name == c.name) return true;
  }
  return false;
}

std::string torch_executable() {
  return (std::filesystem::path(self_executable()).parent_path() / "tiersplit-torch").string();
}

}  // namespace tiersplit::cli
