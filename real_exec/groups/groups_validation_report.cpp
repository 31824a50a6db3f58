// groups_validation_report.cpp: a groups validation's numbers — per point and over all points —
// and its Markdown table (see groups_validation.hpp).
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/table.hpp"
#include "real_exec/groups/groups_validation.hpp"

namespace tiersplit::real_exec::groups {

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const nlohmann::json* find_run(const nlohmann::json& runs, const std::string& label) {
  for (const auto& r : runs)
    if (r.at("label") == label) return &r;
  return nullptr;
}

/// Per (group, configuration): the largest minus the smallest final accuracy over the runs;
/// the largest such spread, and each run's mean final accuracy.
nlohmann::json accuracy_spread(const nlohmann::json& runs) {
  std::map<std::pair<int64_t, int64_t>, std::pair<double, double>> range;
  nlohmann::json means = nlohmann::json::object();
  for (const auto& r : runs) {
    double sum = 0;
    int64_t n = 0;
    for (const auto& a : r.value("accuracy", nlohmann::json::array())) {
      const double v = a.at("final_accuracy").get<double>();
      auto key = std::make_pair(a.at("group").get<int64_t>(), a.at("config").get<int64_t>());
      auto it = range.find(key);
      if (it == range.end())
        range[key] = {v, v};
      else
        it->second = {std::min(it->second.first, v), std::max(it->second.second, v)};
      sum += v;
      ++n;
    }
    means[r.at("label").get<std::string>()] = n > 0 ? sum / static_cast<double>(n) : 0.0;
  }
  double worst = 0;
  for (const auto& [key, mm] : range) worst = std::max(worst, mm.second - mm.first);
  return {{"max_spread", worst}, {"mean_final_accuracy", means}};
}

/// The errors of the predictions at each run's own pushdown speed (runs with
/// "error_at_run_speed"): {"runs", "median_abs_error", "max_abs_error"}, or null without any.
nlohmann::json errors_at_run_speed(const std::vector<const nlohmann::json*>& runs) {
  std::vector<double> e;
  for (const auto* r : runs)
    if (r->contains("error_at_run_speed"))
      e.push_back(std::abs(r->at("error_at_run_speed").get<double>()));
  if (e.empty()) return nullptr;
  return {{"runs", e.size()},
          {"median_abs_error", median(e)},
          {"max_abs_error", *std::max_element(e.begin(), e.end())}};
}

std::vector<const nlohmann::json*> runs_of(const nlohmann::json& runs) {
  std::vector<const nlohmann::json*> out;
  for (const auto& r : runs) out.push_back(&r);
  return out;
}

}  // namespace

nlohmann::json summarise_groups_point(const nlohmann::json& runs, const std::string& choice,
                                      double tolerance) {
  if (runs.empty()) fail("a groups validation point has no runs to summarise");
  std::vector<double> errors;
  const nlohmann::json* best = nullptr;
  for (const auto& r : runs) {
    errors.push_back(std::abs(r.at("error").get<double>()));
    if (best == nullptr || r.at("measured_s").get<double>() < best->at("measured_s").get<double>())
      best = &r;
  }
  const nlohmann::json* chosen = find_run(runs, choice);
  if (chosen == nullptr) fail("the choice ", choice, " has no run");
  const double mine = chosen->at("measured_s").get<double>();
  const double ratio = mine / best->at("measured_s").get<double>();
  nlohmann::json out = {{"runs", runs.size()},
                        {"median_abs_error", median(errors)},
                        {"max_abs_error", *std::max_element(errors.begin(), errors.end())},
                        {"choice", choice},
                        {"measured_best", best->at("label")},
                        {"choice_vs_measured_best", ratio},
                        {"choice_within_tolerance", ratio <= 1 + tolerance},
                        {"exactly_once", std::all_of(runs.begin(), runs.end(), [](const auto& r) {
                           return r.value("exactly_once", false);
                         })}};
  nlohmann::json speedups = nlohmann::json::object(), predicted = nlohmann::json::object();
  for (const auto& r : runs) {
    const std::string label = r.at("label");
    const std::string strategy = r.at("choice").at("strategy");
    const std::string key = label == "mtp/per-config" ? label : strategy;
    if (speedups.contains(key)) continue;
    speedups[key] = r.at("measured_s").get<double>() / mine;
    predicted[key] = r.at("predicted_s").get<double>() / chosen->at("predicted_s").get<double>();
  }
  out["measured_speedup"] = speedups;
  out["predicted_speedup"] = predicted;
  const nlohmann::json at_speed = errors_at_run_speed(runs_of(runs));
  if (!at_speed.is_null()) out["at_run_speed"] = at_speed;
  out["accuracy"] = accuracy_spread(runs);
  return out;
}

nlohmann::json summarise_groups_validation(const nlohmann::json& points, double tolerance) {
  std::vector<double> errors;
  int64_t cases = 0, within = 0;
  nlohmann::json link_bound = nlohmann::json::array();
  double spread = 0;
  std::vector<const nlohmann::json*> all_runs;
  for (const auto& p : points) {
    const auto& s = p.at("summary");
    for (const auto& r : p.at("runs")) {
      errors.push_back(std::abs(r.at("error").get<double>()));
      all_runs.push_back(&r);
    }
    ++cases;
    within += s.at("choice_within_tolerance").get<bool>() ? 1 : 0;
    spread = std::max(spread, s.at("accuracy").at("max_spread").get<double>());
    const auto& sp = s.at("measured_speedup");
    if (p.value("bottleneck", "") == "network" && sp.contains("mtp/per-config")) {
      const double target = p.at("configurations").get<double>() / 2;
      const double got = sp.at("mtp/per-config").get<double>();
      link_bound.push_back({{"point", p.at("bandwidth")},
                            {"speedup_vs_mtp_per_config", got},
                            {"target", target},
                            {"met", got >= target}});
    }
  }
  nlohmann::json out = {
      {"runs", errors.size()},
      {"median_abs_error", median(errors)},
      {"max_abs_error", errors.empty() ? 0 : *std::max_element(errors.begin(), errors.end())},
      {"cases", cases},
      {"choice_within_tolerance", within},
      {"tolerance", tolerance},
      {"link_bound_shared_vs_mtp", link_bound},
      {"accuracy_max_spread", spread}};
  const nlohmann::json at_speed = errors_at_run_speed(all_runs);
  if (!at_speed.is_null()) out["at_run_speed"] = at_speed;
  return out;
}

namespace {

/// A point's row of the groups validation table.
void point_row(std::ostream& out, const std::string& scenario, const nlohmann::json& p) {
  auto x = [](const nlohmann::json& sp, const char* key) {
    return sp.contains(key) ? fmt("%.2fx", sp.at(key).get<double>()) : std::string("-");
  };
  const auto& s = p.at("summary");
  const auto& sp = s.at("measured_speedup");
  out << "| " << scenario << " | " << p.at("bandwidth").get<std::string>() << " | "
      << p.at("workers") << " | " << p.at("configurations") << " | "
      << s.at("choice").get<std::string>() << " | " << s.at("measured_best").get<std::string>()
      << " | " << fmt("%.3f", s.at("choice_vs_measured_best").get<double>()) << " | "
      << fmt("%.1f%%", 100 * s.at("median_abs_error").get<double>()) << " | "
      << fmt("%.1f%%", 100 * s.at("max_abs_error").get<double>()) << " | "
      << (s.contains("at_run_speed")
              ? fmt("%.1f%%", 100 * s.at("at_run_speed").at("max_abs_error").get<double>())
              : std::string("-"))
      << " | " << x(sp, "mtp") << " | " << x(sp, "gtp") << " | " << x(sp, "dp") << " | "
      << x(sp, "mtp/per-config") << " | "
      << fmt("%.3f", s.at("accuracy").at("max_spread").get<double>()) << " |\n";
}

/// The line over every point: the runs' errors (and at run speed), the choices within tolerance.
void overall_line(std::ostream& out, const nlohmann::json& points, double tolerance) {
  const nlohmann::json all = summarise_groups_validation(points, tolerance);
  auto pct = [](const nlohmann::json& v) { return fmt("%.1f%%", 100 * v.get<double>()); };
  out << "\nOver " << all.at("runs") << " configurations: median |err| "
      << pct(all.at("median_abs_error")) << ", worst " << pct(all.at("max_abs_error"));
  if (all.contains("at_run_speed"))
    out << "; at each run's pushdown speed median "
        << pct(all.at("at_run_speed").at("median_abs_error")) << ", worst "
        << pct(all.at("at_run_speed").at("max_abs_error"));
  out << "; choice measured best or within " << fmt("%g%%", 100 * tolerance) << " at "
      << all.at("choice_within_tolerance") << " of " << all.at("cases") << " points\n";
}

}  // namespace

std::string groups_validation_table(const std::vector<std::string>& files) {
  std::ostringstream out;
  out << "| scenario | bandwidth | P | s | choice | measured best | choice / best | median "
         "\\|err\\| | max \\|err\\| | max \\|err\\| at run speed | vs MTP | vs GTP | vs DP | vs "
         "MTP "
         "per-config | accuracy spread |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
         "---|\n";
  nlohmann::json points = nlohmann::json::array();
  double tolerance = 0.05;
  std::string names;
  for (const auto& file : files) {
    const nlohmann::json r = load_json_file(file).raw();
    if (r.value("format", "") != "tiersplit-groups-validation")
      fail(file, ": /format is not tiersplit-groups-validation");
    names += (names.empty() ? "" : ", ") + file;
    try {
      tolerance = r.value("tolerance", tolerance);
      for (const auto& p : r.at("points")) {
        point_row(out, r.at("scenario").get<std::string>(), p);
        points.push_back(p);
      }
    } catch (const nlohmann::json::exception& e) {
      fail(file, ": not a groups validation report tiersplit can read: ", json_exception_text(e));
    }
  }
  try {
    overall_line(out, points, tolerance);
  } catch (const nlohmann::json::exception& e) {
    fail(names, ": runs that are not a groups validation's: ", json_exception_text(e));
  }
  return out.str();
}

}  // namespace tiersplit::real_exec::groups
