// results.cpp: groups result rows as JSON, CSV and a table; results files written, read, merged.
#include "groups/results.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include "common/build_id.hpp"
#include "common/csv.hpp"
#include "common/error.hpp"
#include "common/file_output.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "sim/results_document.hpp"

namespace tiersplit::groups {

using nlohmann::json;

namespace {

json choice_json(const GroupsChoice& c) {
  json j = {{"strategy", to_string(c.strategy)},
            {"extraction", to_string(c.extraction)},
            {"split", c.split},
            {"storage_batch", c.storage_batch}};
  if (c.strategy == Strategy::kGl) j["placement"] = to_string(c.placement);
  return j;
}

template <typename E, std::size_t N>
E named(const JsonView& v, const E (&values)[N]) {
  const std::string name = v.as_string();
  for (E e : values) {
    if (name == to_string(e)) return e;
  }
  v.fail_here("'" + name + "' is not a known name");
}

GroupsChoice choice_from(const JsonView& j) {
  GroupsChoice c;
  c.strategy = named(j.at("strategy"), kStrategies);
  c.extraction = named(j.at("extraction"), kExtractions);
  c.split = j.integer("split");
  c.storage_batch = j.integer("storage_batch");
  if (j.has("placement")) c.placement = named(j.at("placement"), kPlacements);
  return c;
}

json worker_json(const WorkerTimes& w) {
  return {{"finish_s", w.finish_s},
          {"busy_s", w.busy_s},
          {"waiting_s", w.waiting_s},
          {"idle_s", w.idle_s}};
}

}  // namespace

json to_json(const GroupsResult& r) {
  json labels = json::object();
  for (const auto& [k, v] : r.labels) labels[k] = v;
  const GroupsOutcome& o = r.outcome;
  json workers = json::array();
  for (const auto& w : o.workers) workers.push_back(worker_json(w));
  json j = {{"config", r.config},
            {"point", r.point},
            {"sweep", labels},
            {"choice", choice_json(r.choice)},
            {"feasible", o.feasible},
            {"source", o.source},
            {"makespan_s", o.makespan_s},
            {"closed_form_makespan_s", r.closed_form_makespan_s},
            {"storage_to_compute_bytes", o.storage_to_compute_bytes},
            {"storage_compute_s", o.storage_compute_s},
            {"syncs", o.syncs},
            {"sync_bytes", o.sync_bytes},
            {"cache_bytes", o.cache_bytes},
            {"cache_location", o.cache_location},
            {"sharded_groups", r.sharded_groups},
            {"bottleneck", o.bottleneck},
            {"extrapolated", r.extrapolated},
            {"workers", workers}};
  if (!o.feasible) j["note"] = o.why;
  return j;
}

GroupsResult groups_result_from_json(const JsonView& j) {
  GroupsResult r;
  r.config = static_cast<std::size_t>(j.integer("config"));
  r.point = static_cast<std::size_t>(j.integer("point"));
  const JsonView sweep = j.at("sweep");
  for (auto it = sweep.raw().begin(); it != sweep.raw().end(); ++it)
    r.labels.emplace_back(it.key(), sweep.string(it.key()));
  r.choice = choice_from(j.at("choice"));
  GroupsOutcome& o = r.outcome;
  o.feasible = j.boolean("feasible");
  o.why = j.string("note", "");
  o.source = j.string("source");
  o.makespan_s = j.number("makespan_s");
  r.closed_form_makespan_s = j.number("closed_form_makespan_s");
  o.storage_to_compute_bytes = j.number("storage_to_compute_bytes");
  o.storage_compute_s = j.number("storage_compute_s");
  o.syncs = j.integer("syncs");
  o.sync_bytes = j.number("sync_bytes");
  o.cache_bytes = j.number("cache_bytes");
  o.cache_location = j.string("cache_location");
  r.sharded_groups = j.integer("sharded_groups");
  o.bottleneck = j.string("bottleneck");
  r.extrapolated = j.boolean("extrapolated", false);
  const JsonView workers = j.at("workers");
  for (std::size_t i = 0; i < workers.size(); ++i) {
    const JsonView w = workers.at(i);
    o.workers.push_back(
        {0, w.number("finish_s"), w.number("busy_s"), w.number("waiting_s"), w.number("idle_s")});
  }
  return r;
}

namespace {

/// The swept axes' names, sorted (as in the JSON rows, so that a merged file's CSV and table are
/// the unsharded sweep's).
std::vector<std::string> sorted_label_columns(const std::vector<GroupsResult>& rows) {
  std::vector<std::string> cols = sim::label_columns(rows);
  std::sort(cols.begin(), cols.end());
  return cols;
}

/// Largest and smallest busy time and largest idle time over the workers.
std::tuple<double, double, double> worker_spread(const GroupsOutcome& o) {
  double busy_max = 0, busy_min = o.workers.empty() ? 0 : 1e300, idle_max = 0;
  for (const auto& w : o.workers) {
    busy_max = std::max(busy_max, w.busy_s);
    busy_min = std::min(busy_min, w.busy_s);
    idle_max = std::max(idle_max, w.idle_s);
  }
  return {busy_max, busy_min, idle_max};
}

}  // namespace

void write_groups_csv(std::ostream& os, const std::vector<GroupsResult>& rows) {
  const auto cols = sorted_label_columns(rows);
  os << "config,point";
  for (const auto& c : cols) os << "," << c;
  os << ",strategy,extraction,split,storage_batch,placement,feasible,source,makespan_s,"
        "closed_form_makespan_s,worker_busy_max_s,worker_busy_min_s,worker_idle_max_s,"
        "storage_to_compute_bytes,storage_compute_s,syncs,sync_bytes,cache_bytes,cache_location,"
        "sharded_groups,bottleneck,note\n";
  for (const auto& r : rows) {
    const GroupsOutcome& o = r.outcome;
    const auto [busy_max, busy_min, idle_max] = worker_spread(o);
    os << r.config << "," << r.point;
    for (const auto& c : cols) os << "," << csv_escape(sim::label_value(r.labels, c));
    os << "," << to_string(r.choice.strategy) << "," << to_string(r.choice.extraction) << ","
       << r.choice.split << "," << r.choice.storage_batch << ","
       << (r.choice.strategy == Strategy::kGl ? to_string(r.choice.placement) : "") << ","
       << (o.feasible ? "true" : "false") << "," << o.source << "," << csv_number(o.makespan_s)
       << "," << csv_number(r.closed_form_makespan_s) << "," << csv_number(busy_max) << ","
       << csv_number(busy_min) << "," << csv_number(idle_max) << ","
       << csv_number(o.storage_to_compute_bytes) << "," << csv_number(o.storage_compute_s) << ","
       << o.syncs << "," << csv_number(o.sync_bytes) << "," << csv_number(o.cache_bytes) << ","
       << o.cache_location << "," << r.sharded_groups << "," << o.bottleneck << ","
       << csv_escape(o.why) << "\n";
  }
}

void write_groups_csv_file(const std::string& file, const std::vector<GroupsResult>& rows) {
  write_file_whole(file, [&](std::ostream& out) { write_groups_csv(out, rows); });
}

void print_groups_table(std::ostream& os, const std::vector<GroupsResult>& rows) {
  const auto cols = sorted_label_columns(rows);
  std::vector<std::string> header(cols);
  for (const char* h : {"strategy", "extraction", "split", "b", "placement", "makespan",
                        "closed form", "busy max/min", "idle max", "storage->compute",
                        "storage work", "syncs", "cache", "bottleneck"})
    header.push_back(h);
  TextTable t(header);
  for (const auto& r : rows) {
    const GroupsOutcome& o = r.outcome;
    std::vector<std::string> line;
    for (const auto& c : cols) line.push_back(sim::label_value(r.labels, c));
    line.push_back(to_string(r.choice.strategy));
    line.push_back(to_string(r.choice.extraction));
    line.push_back(std::to_string(r.choice.split));
    line.push_back(std::to_string(r.choice.storage_batch));
    line.push_back(r.choice.strategy == Strategy::kGl ? to_string(r.choice.placement) : "-");
    if (!o.feasible) {
      line.push_back("infeasible: " + o.why);
      while (line.size() < header.size()) line.push_back("");
      t.add(line);
      continue;
    }
    const auto [busy_max, busy_min, idle_max] = worker_spread(o);
    line.push_back(format_duration(o.makespan_s));
    line.push_back(format_duration(r.closed_form_makespan_s));
    line.push_back(format_duration(busy_max) + "/" + format_duration(busy_min));
    line.push_back(format_duration(idle_max));
    line.push_back(format_bytes(o.storage_to_compute_bytes));
    line.push_back(format_duration(o.storage_compute_s));
    line.push_back(std::to_string(o.syncs));
    line.push_back(
        o.cache_location == "none" ? "-" : format_bytes(o.cache_bytes) + " " + o.cache_location);
    line.push_back(o.bottleneck);
    t.add(line);
  }
  t.print(os);
}

std::vector<GroupsResult> best_groups_per_point(const std::vector<GroupsResult>& rows) {
  std::map<std::size_t, std::size_t> best;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (!r.outcome.feasible) continue;
    auto it = best.find(r.point);
    if (it == best.end() || r.outcome.makespan_s < rows[it->second].outcome.makespan_s)
      best[r.point] = i;
  }
  std::vector<GroupsResult> out;
  for (const auto& [p, i] : best) out.push_back(rows[i]);
  return out;
}

json to_json(const GroupsResultsDocument& doc) {
  json results = json::array();
  for (const auto& r : doc.results) results.push_back(to_json(r));
  json best = json::array();
  for (const auto& r : best_groups_per_point(doc.results)) best.push_back(to_json(r));
  return {{"format", kGroupsResultsFormatName},
          {"version", kGroupsResultsFormatVersion},
          {"scenario", doc.scenario},
          {"scenario_file", doc.scenario_file},
          {"input_digest", doc.input_digest},
          {"build", doc.build},
          {"shard", sim::to_string(doc.shard)},
          {"configurations", doc.configurations},
          {"sweep_points", doc.sweep_points},
          {"results", results},
          {"best", best}};
}

bool is_groups_results(const std::string& file) {
  const JsonView root = load_json_file(file);
  return root.is_object() && root.has("format") && root.raw().at("format").is_string() &&
         root.raw().at("format") == kGroupsResultsFormatName;
}

GroupsResultsDocument read_groups_results(const std::string& file) {
  const JsonView root = load_json_file(file);
  if (root.string("format") != kGroupsResultsFormatName)
    root.fail_at("format", std::string("expected \"") + kGroupsResultsFormatName + "\"");
  if (root.integer("version") != kGroupsResultsFormatVersion)
    root.fail_at("version",
                 "this tiersplit reads version " + std::to_string(kGroupsResultsFormatVersion));
  root.allow_keys({"format", "version", "scenario", "scenario_file", "input_digest", "build",
                   "shard", "configurations", "sweep_points", "results", "best"});
  GroupsResultsDocument d;
  d.scenario = root.string("scenario");
  d.scenario_file = root.string("scenario_file");
  d.input_digest = root.string("input_digest");
  d.build = root.string("build");
  try {
    d.shard = sim::parse_shard(root.string("shard"));
  } catch (const Error& e) {
    root.fail_at("shard", e.what());
  }
  d.configurations = static_cast<std::size_t>(root.integer("configurations"));
  d.sweep_points = static_cast<std::size_t>(root.integer("sweep_points"));
  const JsonView results = root.at("results");
  for (std::size_t i = 0; i < results.size(); ++i)
    d.results.push_back(groups_result_from_json(results.at(i)));
  return d;
}

GroupsResultsDocument merge_groups_results(const std::vector<GroupsResultsDocument>& shards,
                                           const std::vector<std::string>& files) {
  std::vector<sim::ShardHeader> headers;
  for (const auto& d : shards) {
    sim::ShardHeader h{d.scenario, d.input_digest, d.build, d.shard, d.configurations, {}};
    for (const auto& r : d.results) h.configs.insert(r.config);
    headers.push_back(std::move(h));
  }
  sim::check_shards(headers, files);
  GroupsResultsDocument out = shards[0];
  out.shard = sim::Shard{};
  out.results.clear();
  for (const auto& d : shards)
    out.results.insert(out.results.end(), d.results.begin(), d.results.end());
  std::stable_sort(out.results.begin(), out.results.end(),
                   [](const auto& a, const auto& b) { return a.config < b.config; });
  return out;
}

}  // namespace tiersplit::groups
