// cmd_extrapolation.cpp: `tiersplit extrapolation-error` — how far off the time model is beyond
// the largest measured batch, from profiles measured further.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "common/table.hpp"
#include "profiles/extrapolation.hpp"

namespace tiersplit::cli {

namespace {

struct Args {
  std::vector<std::string> profiles;
  int64_t fit_up_to = 64;
};

std::string percent(double x) { return fmt("%+.1f%%", 100 * x); }

void run(const Args& a) {
  if (a.fit_up_to < 1) fail("--fit-up-to ", a.fit_up_to, ": expected a batch size of at least 1");
  TextTable t({"model", "px", "fitted on", "batch", "x", "forward measured", "predicted", "error",
               "train error"});
  for (const auto& file : a.profiles) {
    const profiles::Profile p = profiles::load_profile(file);
    const profiles::ExtrapolationCheck c = profiles::check_extrapolation(p, a.fit_up_to);
    for (const auto& e : c.points) {
      t.add({c.model, std::to_string(c.resolution), "<= " + std::to_string(c.fit_up_to),
             std::to_string(e.batch), fmt("%.0f", e.ratio), fmt("%.3f s", e.forward_measured_s),
             fmt("%.3f s", e.forward_predicted_s), percent(e.forward_error()),
             e.train_measured_s > 0 ? percent(e.train_error()) : "-"});
    }
  }
  t.print(std::cout);
}

}  // namespace

void add_extrapolation_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "extrapolation-error",
      "Fit the time model on a profile's small batches and compare its prediction with the "
      "larger batches the profile measured");
  cmd->add_option("profiles", a->profiles, "profile JSON files")->required();
  cmd->add_option("--fit-up-to", a->fit_up_to, "largest batch the model keeps")
      ->capture_default_str();
  cmd->callback([a] { run(*a); });
}

}  // namespace tiersplit::cli
