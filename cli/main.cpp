// main.cpp: the tiersplit executable — simulation, sweeps, recommendations (no LibTorch); the
// subcommands that run LibTorch are handed to tiersplit-torch beside it.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "common/error.hpp"
#include "common/heap.hpp"

namespace {

struct Args {
  int argc;
  char** argv;
};

/// Replaces this process with tiersplit-torch running the same command line.
[[noreturn]] void hand_to_torch(char** argv) {
  const std::string exe = tiersplit::cli::torch_executable();
  ::execv(exe.c_str(), argv);  // argv[0] stays "tiersplit": help and messages name it
  tiersplit::fail("cannot run ", exe, " for '", argv[1], "' (", std::strerror(errno),
                  "; build it with scripts/setup.sh)");
}

int run(void* p) {
  auto* a = static_cast<Args*>(p);
  if (a->argc > 1 && tiersplit::cli::is_torch_command(a->argv[1])) hand_to_torch(a->argv);
  CLI::App app{
      "tiersplit: choose where to split transfer learning between an object store and "
      "its trainers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tiersplit 0.1.0");
  tiersplit::cli::add_derive_command(app);
  tiersplit::cli::add_extrapolation_command(app);
  tiersplit::cli::add_sim_commands(app);
  tiersplit::cli::add_recommend_command(app);
  // Listed for --help; never parsed here (handed over above).
  for (const auto& c : tiersplit::cli::torch_commands()) {
    app.add_subcommand(c.name, c.description)->group(c.hidden ? "" : "Subcommands (LibTorch)");
  }
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({}))
    if (!sub->get_group().empty()) names.push_back(sub->get_name());  // not the hidden ones
  return tiersplit::cli::parse_and_run(app, a->argc, a->argv, names);
}

}  // namespace

int main(int argc, char** argv) {
  tiersplit::keep_freed_memory();  // before any allocation that should stay reusable
  Args args{argc, argv};
  return tiersplit::run_guarded("tiersplit", run, &args);
}
