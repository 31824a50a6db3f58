// recommendation.cpp: the recommendation document (format "tiersplit-recommendation", v1) and the
// terminal summary.
#include "optimizer/recommendation.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>

#include "common/json_reader.hpp"
#include "common/table.hpp"
#include "common/units.hpp"

namespace tiersplit::optimizer {

namespace {

nlohmann::json range_json(const SensitivityRange& r, bool bandwidth) {
  nlohmann::json j = {{"holds_at_point", r.holds_at_point},
                      {"low_factor", r.low_factor},
                      {"high_factor", r.high_factor},
                      {"low_bounded", r.low_bounded},
                      {"high_bounded", r.high_bounded},
                      {"scanned_factors", {r.scanned_low_factor, r.scanned_high_factor}}};
  if (bandwidth) {
    j["low_bytes_per_s"] = r.low;
    j["high_bytes_per_s"] = r.high;
    j["low"] = format_bandwidth(r.low);
    j["high"] = format_bandwidth(r.high);
  }
  return j;
}

nlohmann::json tenant_json(const TenantRecommendation& t) {
  const sim::TenantResult& p = t.predicted;
  nlohmann::json baselines = nlohmann::json::array();
  for (const auto& b : t.baselines) {
    nlohmann::json j = {{"name", b.name},
                        {"split", b.split},
                        {"storage_batch", b.storage_batch},
                        {"feasible", b.feasible},
                        {"iteration_s", b.iteration_s},
                        {"job_s", b.job_s},
                        {"speedup", b.speedup}};
    if (!b.note.empty()) j["note"] = b.note;
    baselines.push_back(j);
  }
  nlohmann::json runner_ups = nlohmann::json::array();
  for (const auto& r : t.runner_ups) {
    runner_ups.push_back({{"split", r.split},
                          {"storage_batch", r.storage_batch},
                          {"prefetch_depth", r.prefetch_depth},
                          {"job_s", r.job_s},
                          {"slowdown", r.slowdown}});
  }
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& c : t.curve) {
    curve.push_back({{"split", c.split},
                     {"storage_batch", c.storage_batch},
                     {"iteration_s", c.iteration_s},
                     {"fits", c.fits}});
  }
  return {
      {"tenant", t.tenant},
      {"name", t.name},
      {"model", t.model},
      {"freeze_index", t.freeze_index},
      {"training_batch", t.training_batch},
      {"searched", t.searched},
      {"choice",
       {{"split", t.split},
        {"storage_batch", t.storage_batch},
        {"storage_batch_lowered", t.storage_batch_lowered}}},
      {"predicted",
       {{"source", p.source},
        {"iteration_s", p.iteration_s},
        {"first_iteration_s", p.first_iteration_s},
        {"epoch_s", p.epoch_s},
        {"job_s", p.job_s},
        {"closed_form_iteration_s", p.closed_form_iteration_s},
        {"closed_form_job_s", p.closed_form_job_s},
        {"bytes_per_iteration", p.bytes_per_iteration},
        {"job_bytes", p.job_bytes},
        {"bottleneck", p.bottleneck},
        {"busy",
         {{"storage", p.storage_busy}, {"network", p.network_busy}, {"compute", p.compute_busy}}},
        {"memory_wait_s", p.memory_wait_s},
        {"extrapolated", p.extrapolated}}},
      {"memory",
       {{"storage_bytes", t.storage_memory_bytes},
        {"storage_peak_bytes", p.peak_storage_memory},
        {"compute_bytes", t.compute_memory_bytes}}},
      {"baselines", baselines},
      {"runner_ups", runner_ups},
      {"sensitivity",
       {{"bandwidth", range_json(t.bandwidth, true)},
        {"storage_speed", range_json(t.storage_speed, false)}}},
      {"curve", curve}};
}

}  // namespace

nlohmann::json to_json(const PointRecommendation& p) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : p.labels) labels[k] = v;
  nlohmann::json tenants = nlohmann::json::array();
  for (const auto& t : p.tenants) tenants.push_back(tenant_json(t));
  nlohmann::json baselines = nlohmann::json::array();
  for (const auto& b : p.baselines) {
    baselines.push_back({{"name", b.name},
                         {"feasible", b.feasible},
                         {"makespan_s", b.makespan_s},
                         {"speedup", b.speedup}});
  }
  nlohmann::json j = {{"point", p.index},
                      {"labels", labels},
                      {"bandwidth_bytes_per_s", p.bandwidth},
                      {"prefetch_depth", p.prefetch_depth},
                      {"makespan_s", p.makespan_s},
                      {"search",
                       {{"method", p.method},
                        {"closed_form_evaluations", p.screened},
                        {"simulated_configurations", p.simulated},
                        {"ranking_iterations", p.ranking_iterations}}},
                      {"memory",
                       {{"storage_used_bytes", p.storage_memory_used},
                        {"storage_capacity_bytes", p.storage_memory_capacity},
                        {"compute_used_bytes", p.compute_memory_used},
                        {"compute_capacity_bytes", p.compute_memory_capacity}}},
                      {"baselines", baselines},
                      {"tenants", tenants}};
  round_numbers(j);
  return j;
}

nlohmann::json to_json(const Recommendation& r) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : r.points) points.push_back(to_json(p));
  nlohmann::json doc = {{"format", kRecommendationFormatName},
                        {"version", kRecommendationFormatVersion},
                        {"scenario", r.scenario},
                        {"scenario_file", r.scenario_file},
                        {"objective", r.objective},
                        {"joint_goal", r.joint_goal},
                        {"tolerance", r.tolerance},
                        {"prefetch_depths", r.prefetch_depths},
                        {"points", points}};
  round_numbers(doc);
  return doc;
}

namespace {

SensitivityRange range_from(const JsonView& j) {
  SensitivityRange r;
  r.holds_at_point = j.boolean("holds_at_point");
  r.low_factor = j.number("low_factor");
  r.high_factor = j.number("high_factor");
  r.low_bounded = j.boolean("low_bounded");
  r.high_bounded = j.boolean("high_bounded");
  const std::vector<double> scanned = j.numbers("scanned_factors");
  if (scanned.size() != 2) j.fail_at("scanned_factors", "expected [low, high]");
  r.scanned_low_factor = scanned[0];
  r.scanned_high_factor = scanned[1];
  r.low = j.number("low_bytes_per_s", r.low_factor);
  r.high = j.number("high_bytes_per_s", r.high_factor);
  return r;
}

sim::TenantResult predicted_from(const JsonView& j) {
  sim::TenantResult p;
  p.source = j.string("source");
  p.iteration_s = j.number("iteration_s");
  p.first_iteration_s = j.number("first_iteration_s");
  p.epoch_s = j.number("epoch_s");
  p.job_s = j.number("job_s");
  p.closed_form_iteration_s = j.number("closed_form_iteration_s");
  p.closed_form_job_s = j.number("closed_form_job_s");
  p.bytes_per_iteration = j.number("bytes_per_iteration");
  p.job_bytes = j.number("job_bytes");
  p.bottleneck = j.string("bottleneck");
  const JsonView busy = j.at("busy");
  p.storage_busy = busy.number("storage");
  p.network_busy = busy.number("network");
  p.compute_busy = busy.number("compute");
  p.memory_wait_s = j.number("memory_wait_s");
  p.extrapolated = j.boolean("extrapolated", false);
  return p;
}

TenantRecommendation tenant_from(const JsonView& j) {
  TenantRecommendation t;
  t.tenant = static_cast<int>(j.integer("tenant"));
  t.name = j.string("name");
  t.model = j.string("model");
  t.freeze_index = j.integer("freeze_index");
  t.training_batch = j.integer("training_batch");
  t.searched = j.boolean("searched");
  const JsonView choice = j.at("choice");
  t.split = choice.integer("split");
  t.storage_batch = choice.integer("storage_batch");
  t.storage_batch_lowered = choice.boolean("storage_batch_lowered");
  t.predicted = predicted_from(j.at("predicted"));
  const JsonView memory = j.at("memory");
  t.storage_memory_bytes = memory.number("storage_bytes");
  t.predicted.peak_storage_memory = memory.number("storage_peak_bytes");
  t.compute_memory_bytes = memory.number("compute_bytes");
  const JsonView baselines = j.at("baselines");
  for (std::size_t i = 0; i < baselines.size(); ++i) {
    const JsonView b = baselines.at(i);
    t.baselines.push_back({b.string("name"), b.integer("split"), b.integer("storage_batch"),
                           b.boolean("feasible"), b.string("note", ""), b.number("iteration_s"),
                           b.number("job_s"), b.number("speedup")});
  }
  const JsonView runner_ups = j.at("runner_ups");
  for (std::size_t i = 0; i < runner_ups.size(); ++i) {
    const JsonView r = runner_ups.at(i);
    t.runner_ups.push_back({r.integer("split"), r.integer("storage_batch"),
                            r.integer("prefetch_depth"), r.number("job_s"), r.number("slowdown")});
  }
  const JsonView sens = j.at("sensitivity");
  t.bandwidth = range_from(sens.at("bandwidth"));
  t.storage_speed = range_from(sens.at("storage_speed"));
  const JsonView curve = j.at("curve");
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const JsonView c = curve.at(i);
    t.curve.push_back({c.integer("split"), c.integer("storage_batch"), c.number("iteration_s"),
                       c.boolean("fits")});
  }
  return t;
}

}  // namespace

PointRecommendation point_from_json(const JsonView& j) {
  PointRecommendation p;
  p.index = static_cast<std::size_t>(j.integer("point"));
  const JsonView labels = j.at("labels");
  for (auto it = labels.raw().begin(); it != labels.raw().end(); ++it)
    p.labels.emplace_back(it.key(), labels.string(it.key()));
  p.bandwidth = j.number("bandwidth_bytes_per_s");
  p.prefetch_depth = j.integer("prefetch_depth");
  p.makespan_s = j.number("makespan_s");
  const JsonView search = j.at("search");
  p.method = search.string("method");
  p.screened = static_cast<std::size_t>(search.integer("closed_form_evaluations"));
  p.simulated = static_cast<std::size_t>(search.integer("simulated_configurations"));
  p.ranking_iterations = search.integer("ranking_iterations", 0);
  const JsonView memory = j.at("memory");
  p.storage_memory_used = memory.number("storage_used_bytes");
  p.storage_memory_capacity = memory.number("storage_capacity_bytes");
  p.compute_memory_used = memory.numbers("compute_used_bytes");
  p.compute_memory_capacity = memory.number("compute_capacity_bytes");
  const JsonView baselines = j.at("baselines");
  for (std::size_t i = 0; i < baselines.size(); ++i) {
    const JsonView b = baselines.at(i);
    p.baselines.push_back(
        {b.string("name"), b.boolean("feasible"), b.number("makespan_s"), b.number("speedup")});
  }
  const JsonView tenants = j.at("tenants");
  for (std::size_t i = 0; i < tenants.size(); ++i) p.tenants.push_back(tenant_from(tenants.at(i)));
  return p;
}

Recommendation recommendation_from_json(const JsonView& root) {
  if (root.string("format") != kRecommendationFormatName)
    root.fail_at("format", std::string("expected \"") + kRecommendationFormatName +
                               "\" (a file written by tiersplit recommend)");
  if (root.integer("version") != kRecommendationFormatVersion)
    root.fail_at("version",
                 "this tiersplit reads version " + std::to_string(kRecommendationFormatVersion));
  Recommendation r;
  r.scenario = root.string("scenario");
  r.scenario_file = root.string("scenario_file");
  r.objective = root.string("objective");
  r.joint_goal = root.string("joint_goal");
  r.tolerance = root.number("tolerance");
  r.prefetch_depths = root.integers("prefetch_depths");
  const JsonView points = root.at("points");
  for (std::size_t i = 0; i < points.size(); ++i) r.points.push_back(point_from_json(points.at(i)));
  return r;
}

Recommendation read_recommendation(const std::string& file) {
  return recommendation_from_json(load_json_file(file));
}

namespace {

std::string range_text(const SensitivityRange& r, bool bandwidth) {
  if (!r.holds_at_point) return "unclear (models disagree)";
  std::ostringstream os;
  auto side = [&](double v, double f, bool bounded, const char* open) {
    std::ostringstream s;
    if (!bounded) s << open;
    s << (bandwidth ? format_bandwidth(v) : fmt("%.2fx", f));
    return s.str();
  };
  os << side(r.low, r.low_factor, r.low_bounded, "<=") << " .. "
     << side(r.high, r.high_factor, r.high_bounded, ">=");
  if (bandwidth)
    os << " (" << fmt("%.2f", r.low_factor) << "x.." << fmt("%.2f", r.high_factor) << "x)";
  return os.str();
}

}  // namespace

void print_summary(std::ostream& os, const Recommendation& r) {
  bool extrapolated = false;
  os << "recommendation for " << r.scenario << " (objective: " << r.objective
     << ", joint goal: " << r.joint_goal << ", simulated)\n";
  for (const auto& p : r.points) {
    os << "\npoint " << p.index;
    for (const auto& [k, v] : p.labels) os << "  " << k << "=" << v;
    os << ": makespan " << format_duration(p.makespan_s) << ", prefetch depth " << p.prefetch_depth
       << ", " << p.method << " search, " << p.simulated << " simulated"
       << (p.ranking_iterations > 0 ? " (ranked with " + std::to_string(p.ranking_iterations) +
                                          " iterations per tenant, the choice in full)"
                                    : std::string())
       << "; storage memory " << format_bytes(p.storage_memory_used) << " of "
       << format_bytes(p.storage_memory_capacity) << "\n";
    TextTable t({"tenant", "model", "split", "b", "iteration", "job", "bottleneck", "vs s=0",
                 "vs s=f", "vs smallest", "vs reference",
                 "bandwidth within " + fmt("%g", r.tolerance * 100) + "%", "runner-ups"});
    for (const auto& tr : p.tenants) {
      std::vector<std::string> row = {
          tr.name,
          tr.model,
          std::to_string(tr.split) + "/" + std::to_string(tr.freeze_index),
          std::to_string(tr.storage_batch) + (tr.storage_batch_lowered ? "*" : ""),
          format_duration(tr.predicted.iteration_s) + (tr.predicted.extrapolated ? "^" : ""),
          format_duration(tr.predicted.job_s),
          tr.predicted.bottleneck};
      extrapolated = extrapolated || tr.predicted.extrapolated;
      for (const auto& b : tr.baselines)
        row.push_back(b.feasible ? fmt("%.2fx", b.speedup) : "n/a");
      row.push_back(range_text(tr.bandwidth, true));
      row.push_back(std::to_string(tr.runner_ups.size()));
      t.add(row);
    }
    t.print(os);
  }
  os << "(split s/f; b* = storage batch lowered to fit memory; speed-ups = baseline job / chosen "
        "job)\n";
  if (extrapolated)
    os << "(^ = B or b beyond the profile's measured batch sizes: the time model extrapolates, "
          "see docs/profile-format.md)\n";
}

}  // namespace tiersplit::optimizer
