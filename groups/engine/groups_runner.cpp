// groups_runner.cpp: groups configurations through the closed form or the shared worker pool.
#include "groups/engine/groups_runner.hpp"

#include <algorithm>
#include <memory>

#include "common/json_reader.hpp"
#include "groups/engine/groups_model.hpp"
#include "sim/trace.hpp"

namespace tiersplit::groups {

namespace {

std::string run_one(const GroupsStudy& st, std::size_t index, const std::string& trace_file) {
  const Evaluated e = evaluate(st, st.configs[index]);
  const GroupsPoint& p = st.points[st.configs[index].point];
  std::unique_ptr<sim::TraceRecorder> trace;
  if (!trace_file.empty()) trace = std::make_unique<sim::TraceRecorder>();
  const GroupsOutcome sim =
      simulate_plan(e.plan, e.costs, p, st.scenario.chunks, st.scenario.prefetch, trace.get());
  if (trace) trace->write(trace_file);
  return to_json(groups_row(st, index, e, e.plan.feasible ? &sim : nullptr)).dump();
}

}  // namespace

std::vector<GroupsResult> run_groups(const GroupsStudy& st, const std::vector<std::size_t>& which,
                                     const sim::RunOptions& options) {
  std::vector<GroupsResult> rows;
  if (which.empty()) return rows;
  if (!options.simulate) {
    for (std::size_t i : which)
      rows.push_back(groups_row(st, i, evaluate(st, st.configs[i]), nullptr));
    return rows;
  }
  int64_t nodes = 1, workers = 1;
  for (std::size_t i : which) {
    const auto& pf = st.points[st.configs[i].point].platform;
    nodes = std::max(nodes, pf.storage.nodes);
    workers = std::max(workers, pf.compute.nodes);
  }
  auto prepare = [&] {
    prepare_groups_engine(st.points[st.configs[which.front()].point], nodes, workers);
  };
  auto run_item = [&](std::size_t k) {
    return run_one(st, which[k], k == 0 ? options.trace_file : std::string());
  };
  for (const std::string& text : sim::simulate_items(which.size(), options, prepare, run_item)) {
    rows.push_back(groups_result_from_json(parse_json_text(text, "<simulation worker>")));
    rows.back().labels = st.points[rows.back().point].labels;  // in sweep order, not JSON's
  }
  return rows;
}

}  // namespace tiersplit::groups
