// commands.hpp: each subcommand of the tiersplit executable registers itself from its own file.
#pragma once

#include <CLI/CLI.hpp>

namespace tiersplit::cli {

// Each function adds one subcommand (with --help) to `app`; the subcommand's callback does the
// work and throws tiersplit::Error on bad input (main prints it as one line, exit code 2).
void add_models_command(CLI::App& app);   // cmd_models.cpp
void add_profile_command(CLI::App& app);  // cmd_profile.cpp
void add_derive_command(CLI::App& app);   // cmd_derive.cpp
void add_sim_commands(CLI::App& app);     // cmd_sim.cpp: simulate, sweep
void add_recommend_command(CLI::App& app);  // cmd_recommend.cpp
void add_real_exec_commands(CLI::App& app);  // cmd_real.cpp: dataset, serve, train, pretrain, testbed
void add_validate_commands(CLI::App& app);   // cmd_validate.cpp: calibrate, validate

}  // namespace tiersplit::cli
