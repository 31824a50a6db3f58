// commands.hpp: each subcommand of the tiersplit executables registers itself from its own file.
#pragma once

#include <CLI/CLI.hpp>

namespace tiersplit::cli {

// Each function adds subcommands (with --help) to `app`; a subcommand's callback does the work
// and throws tiersplit::Error on bad input (main prints it as one line, exit code 2).

// tiersplit (no LibTorch):
void add_derive_command(CLI::App& app);         // cmd_derive.cpp: devices, derive-profile
void add_sim_commands(CLI::App& app);           // cmd_sim.cpp: simulate, sweep, merge
void add_recommend_command(CLI::App& app);      // cmd_recommend.cpp
void add_extrapolation_command(CLI::App& app);  // cmd_extrapolation.cpp: extrapolation-error

// tiersplit-torch (LibTorch; torch_commands.hpp lists them):
void add_models_command(CLI::App& app);   // cmd_models.cpp
void add_profile_command(CLI::App& app);  // cmd_profile.cpp
void add_real_exec_commands(
    CLI::App& app);  // cmd_real.cpp: dataset, serve, train, pretrain, testbed
void add_validate_commands(CLI::App& app);  // cmd_validate.cpp: calibrate, validate, ...
void add_groups_real_commands(CLI::App& app);
/// The bearer token: the first line of `token_file`, or TIERSPLIT_TOKEN when it is empty
/// (cmd_real.cpp; serve, train and groups use it).
std::string bearer_token(
    const std::string& token_file);  // cmd_groups_real.cpp: groups worker, groups run

/// Runs the CLI11 app `app` on argv with tiersplit's conventions: an unknown command gets a
/// suggestion among `known`, a parse error one line and exit 2, --help / --version exit 0.
int parse_and_run(CLI::App& app, int argc, char** argv, const std::vector<std::string>& known);

}  // namespace tiersplit::cli
