// torch_commands.hpp: the subcommands that run LibTorch, which the tiersplit-torch executable
// holds; `tiersplit` lists them in its help and hands them over, so that simulation-only
// commands never load LibTorch.
#pragma once

#include <string>
#include <vector>

namespace tiersplit::cli {

struct TorchCommand {
  const char* name;
  const char* description;  ///< the --help line
  bool hidden = false;      ///< an internal step, left out of tiersplit --help
};

/// Every subcommand of tiersplit-torch, in help order.
const std::vector<TorchCommand>& torch_commands();

/// The description of torch command `name` (for its add_subcommand).
const char* torch_command_description(const std::string& name);

bool is_torch_command(const std::string& name);

/// The executable that runs them: tiersplit-torch beside the running tiersplit.
std::string torch_executable();

}  // namespace tiersplit::cli
