// main.cpp: the tiersplit executable — CLI11 subcommands, one-line errors, exit codes.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/heap.hpp"
#include "common/strings.hpp"

namespace {

struct Args {
  int argc;
  char** argv;
};

int run(void* p) {
  auto* a = static_cast<Args*>(p);
  CLI::App app{
      "tiersplit: choose where to split transfer learning between an object store and "
      "its trainers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tiersplit 0.1.0");
  tiersplit::cli::add_models_command(app);
  tiersplit::cli::add_profile_command(app);
  tiersplit::cli::add_derive_command(app);
#ifdef TIERSPLIT_HAVE_SIM
  tiersplit::cli::add_sim_commands(app);
#endif
#ifdef TIERSPLIT_HAVE_OPTIMIZER
  tiersplit::cli::add_recommend_command(app);
#endif
#ifdef TIERSPLIT_HAVE_REAL_EXEC
  tiersplit::cli::add_real_exec_commands(app);
#endif
#if defined(TIERSPLIT_HAVE_REAL_EXEC) && defined(TIERSPLIT_HAVE_SIM)
  tiersplit::cli::add_validate_commands(app);
#endif
  if (a->argc > 1 && a->argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    std::string first = a->argv[1];
    if (std::find(names.begin(), names.end(), first) == names.end()) {
      tiersplit::fail("unknown command '", first, "'", tiersplit::did_you_mean(first, names),
                      " (commands: ", tiersplit::join(names, ", "), ")");
    }
  }
  try {
    app.parse(a->argc, a->argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "tiersplit: error: " << e.what() << " (see tiersplit --help)\n";
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tiersplit::keep_freed_memory();  // before any allocation that should stay reusable
  Args args{argc, argv};
  return tiersplit::run_guarded("tiersplit", run, &args);
}
