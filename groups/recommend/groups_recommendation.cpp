// groups_recommendation.cpp: the groups recommendation document (format
// "tiersplit-groups-recommendation", v1) and the terminal summary.
#include "groups/recommend/groups_recommendation.hpp"

#include <string>

#include "common/json_reader.hpp"
#include "common/table.hpp"
#include "common/units.hpp"

namespace tiersplit::groups {

using nlohmann::json;

namespace {

json range_json(const GroupsBandwidthRange& r) {
  json j = {{"holds_at_point", r.holds_at_point},  {"low_factor", r.low_factor},
            {"high_factor", r.high_factor},        {"low_bounded", r.low_bounded},
            {"high_bounded", r.high_bounded},      {"low_bytes_per_s", r.low_bps},
            {"high_bytes_per_s", r.high_bps},      {"low", format_bandwidth(r.low_bps)},
            {"high", format_bandwidth(r.high_bps)}};
  if (!r.below.empty()) j["best_below"] = r.below;
  if (!r.above.empty()) j["best_above"] = r.above;
  return j;
}

json baseline_json(const StrategyBaseline& b) {
  json j = {{"strategy", to_string(b.strategy)}, {"feasible", b.feasible}};
  if (!b.feasible) {
    j["why"] = b.why;
    return j;
  }
  j["speedup"] = b.speedup;
  j["best"] = to_json(b.best);
  return j;
}

json point_json(const GroupsPointRecommendation& p) {
  json labels = json::object();
  for (const auto& [k, v] : p.labels) labels[k] = v;
  json strategies = json::array(), runner_ups = json::array();
  for (const auto& b : p.strategies) strategies.push_back(baseline_json(b));
  for (const auto& r : p.runner_ups) {
    json j = to_json(r);
    j["slowdown"] = r.outcome.makespan_s / p.choice.outcome.makespan_s;
    runner_ups.push_back(j);
  }
  return {{"point", p.point},
          {"sweep", labels},
          {"workload",
           {{"groups", p.groups},
            {"samples", p.samples},
            {"configurations", p.configurations},
            {"workers", p.workers},
            {"largest_share", p.largest_share}}},
          {"choice", to_json(p.choice)},
          {"strategies", strategies},
          {"runner_ups", runner_ups},
          {"sensitivity", {{"bandwidth", range_json(p.bandwidth)}}},
          {"screened", p.screened},
          {"simulated", p.simulated},
          {"notes", p.notes}};
}

}  // namespace

json to_json(const GroupsRecommendation& r) {
  json points = json::array();
  for (const auto& p : r.points) points.push_back(point_json(p));
  json doc = {{"format", kGroupsRecommendationFormatName},
              {"version", kGroupsRecommendationFormatVersion},
              {"scenario", r.scenario},
              {"scenario_file", r.scenario_file},
              {"input_digest", r.input_digest},
              {"build", r.build},
              {"tolerance", r.tolerance},
              {"points", points}};
  round_numbers(doc);
  return doc;
}

namespace {

std::string range_text(const GroupsBandwidthRange& r) {
  if (!r.holds_at_point)
    return "the closed form prefers another configuration even here; range unknown";
  // An unbounded end is where the scan stopped, not where the choice changes.
  std::string s = "holds from " + format_bandwidth(r.low_bps) +
                  (r.low_bounded ? "" : " (scan's lowest)") + " to " +
                  format_bandwidth(r.high_bps) + (r.high_bounded ? "" : " (scan's highest)");
  if (!r.below.empty()) s += "; below: " + r.below;
  if (!r.above.empty()) s += "; above: " + r.above;
  return s;
}

void print_point(std::ostream& os, const GroupsPointRecommendation& p) {
  os << "point " << p.point;
  for (const auto& [k, v] : p.labels) os << "  " << k << " " << v;
  os << "  (" << p.groups << " groups, " << p.samples << " samples, largest "
     << fmt("%.0f", 100 * p.largest_share) << " %, " << p.configurations << " configurations, "
     << p.workers << " workers)\n";
  const GroupsOutcome& o = p.choice.outcome;
  os << "  choice: " << p.choice.choice.label() << "  makespan " << format_duration(o.makespan_s)
     << " (simulated; closed form " << format_duration(p.choice.closed_form_makespan_s) << ")\n";
  os << "          " << format_bytes(o.storage_to_compute_bytes) << " storage->compute, "
     << fmt("%.0f", o.storage_compute_s) << " storage core-s, " << o.syncs << " syncs ("
     << format_bytes(o.sync_bytes) << "), cache " << o.cache_location;
  if (o.cache_bytes > 0) os << " " << format_bytes(o.cache_bytes);
  os << ", bottleneck " << o.bottleneck << "\n";
  os << "  bandwidth: " << range_text(p.bandwidth) << "\n";
  TextTable t({"strategy", "best configuration", "makespan", "vs choice"});
  for (const auto& b : p.strategies) {
    if (b.feasible)
      t.add({to_string(b.strategy), b.best.choice.label(),
             format_duration(b.best.outcome.makespan_s), fmt("%.2fx", b.speedup)});
    else
      t.add({to_string(b.strategy), "does not fit: " + b.why, "-", "-"});
  }
  t.print(os);
  for (const auto& n : p.notes) os << "  note: " << n << "\n";
}

}  // namespace

void print_groups_summary(std::ostream& os, const GroupsRecommendation& r) {
  os << "recommendation for " << r.scenario << " (" << r.scenario_file << ")\n";
  for (const auto& p : r.points) print_point(os, p);
}

}  // namespace tiersplit::groups
