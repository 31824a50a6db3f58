// validation_table.hpp: the campaign's Markdown table over validation reports (validation-table).
#pragma once

#include <string>
#include <vector>

namespace tiersplit::real_exec {

/// Reads `tiersplit validate -o` reports and renders one Markdown table (a row per tenant and
/// bandwidth), the sentence over all of them and, where reports have one, the multi-tenant
/// table. Summaries are recomputed from the runs, so reports of older versions get every
/// field. A file that is not a readable validation report throws tiersplit::Error naming it and
/// the field.
std::string validation_table(const std::vector<std::string>& files);

}  // namespace tiersplit::real_exec
