// main.cpp: the tiersplit executable — CLI11 subcommands, one-line errors, exit codes.
#include <malloc.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "common/error.hpp"
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
  // Keep freed memory for reuse. glibc otherwise serves each large tensor with a fresh mmap and
  // returns it on free, so every pass faults its tensors in again (the kernel zeroes each 4 KiB
  // page). A MobileNetV2 pushdown (64 px, s = 8, b = 8, 32 samples) took 45-53 ms with glibc's
  // defaults and 27-35 ms without the give-back; a VGG-11 trainer step at s = 15 (whose weight
  // gradient of 64 MiB is above any mmap threshold glibc accepts) took 95-140 ms with 16385 page
  // faults and 65-98 ms (median 75) with none (docs/validation.md, "Findings", has the commands).
  mallopt(M_MMAP_MAX, 0);  // no mmap for large blocks (a thread's arena still maps what its heap
                           // of 64 MiB cannot hold)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // fixed, so that frees do not move the trim threshold
  mallopt(M_TRIM_THRESHOLD, 1 << 30);   // do not give the heap's top back after every free
  mallopt(M_TOP_PAD, 64 << 20);         // grow the heap in 64 MiB steps
  Args args{argc, argv};
  return tiersplit::run_guarded("tiersplit", run, &args);
}
