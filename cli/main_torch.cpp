// main_torch.cpp: tiersplit-torch, the subcommands that run LibTorch (models, profiling, the
// pushdown server and trainer, calibration, validation). Users run them as `tiersplit <command>`.
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

int run(void* p) {
  auto* a = static_cast<Args*>(p);
  CLI::App app{"tiersplit-torch: the LibTorch subcommands of tiersplit (run them as tiersplit)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tiersplit 0.1.0");
  tiersplit::cli::add_models_command(app);
  tiersplit::cli::add_profile_command(app);
  tiersplit::cli::add_real_exec_commands(app);
  tiersplit::cli::add_validate_commands(app);
  tiersplit::cli::add_groups_real_commands(app);
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return tiersplit::cli::parse_and_run(app, a->argc, a->argv, names);
}

}  // namespace

int main(int argc, char** argv) {
  tiersplit::keep_freed_memory();  // before any allocation that should stay reusable
  Args args{argc, argv};
  return tiersplit::run_guarded("tiersplit", run, &args);
}
