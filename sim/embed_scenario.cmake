# embed_scenario.cmake: writes OUTPUT, a C++ file returning the text of INPUT (the quickstart scenario).
file(READ ${INPUT} text)
set(delim "tsq")
string(FIND "${text}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter")
endif()
file(WRITE ${OUTPUT}.tmp
"// Generated from scenarios/quickstart.json by sim/embed_scenario.cmake; do not edit.
#include \"sim/scenario.hpp\"

namespace tiersplit::sim {
const std::string& embedded_quickstart_text() {
  static const std::string text = R\"${delim}(${text})${delim}\";
  return text;
}
}  // namespace tiersplit::sim
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
