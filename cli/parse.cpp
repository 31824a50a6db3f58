// parse.cpp: how both tiersplit executables parse their command line.
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"

namespace tiersplit::cli {

int parse_and_run(CLI::App& app, int argc, char** argv, const std::vector<std::string>& known) {
  if (argc > 1 && argv[1][0] != '-') {
    const std::string first = argv[1];
    if (std::find(known.begin(), known.end(), first) == known.end()) {
      fail("unknown command '", first, "'", did_you_mean(first, known),
           " (commands: ", join(known, ", "), ")");
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "tiersplit: error: " << e.what() << " (see tiersplit --help)\n";
    return 2;
  }
  return 0;
}

}  // namespace tiersplit::cli
