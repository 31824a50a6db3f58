// validation_report.cpp: error, rank and speed-up arithmetic of `tiersplit validate`.
#include "real_exec/validation_report.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.hpp"
#include "common/stats.hpp"

namespace tiersplit::real_exec {

namespace {

double mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<std::size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t k = i; k <= j; ++k) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

const nlohmann::json* find_config(const nlohmann::json& configs, int64_t split, int64_t b) {
  for (const auto& c : configs) {
    if (c.at("split") == split && (split == 0 || b < 0 || c.at("storage_batch") == b)) return &c;
  }
  return nullptr;
}

}  // namespace

nlohmann::json measured_from_train_reports(const std::vector<nlohmann::json>& reports,
                                           int64_t warmup) {
  if (reports.empty()) fail("internal: no trainer report to summarise");
  std::vector<double> total, wait, server, transfer, compute, bytes, faults, objects, run_means;
  for (const auto& report : reports) {
    const auto& its = report.at("iterations");
    std::vector<double> mine;
    for (std::size_t i = static_cast<std::size_t>(std::max<int64_t>(0, warmup)); i < its.size();
         ++i) {
      const auto& it = its[i];
      mine.push_back(it.at("total_s").get<double>());
      wait.push_back(it.at("storage_wait_s").get<double>());
      server.push_back(it.at("server_s").get<double>());
      transfer.push_back(it.at("transfer_s").get<double>());
      compute.push_back(it.at("compute_s").get<double>());
      bytes.push_back(it.at("bytes").get<double>());
      faults.push_back(it.value("page_faults", 0.0));  // absent in reports before 2026-11-23
      if (it.contains("objects")) objects.push_back(it.at("objects").get<double>());  // 11-24
    }
    if (mine.empty()) {
      fail("the trainer report has ", its.size(), " iterations, none after the ", warmup,
           " warm-up iterations");
    }
    run_means.push_back(mean(mine));
    total.insert(total.end(), mine.begin(), mine.end());
  }
  const Spread sp = spread_of(total);
  const double m = mean(total);
  auto std_of = [](const std::vector<double>& v, double mu) {
    double var = 0;
    for (double t : v) var += (t - mu) * (t - mu);
    return v.empty() ? 0.0 : std::sqrt(var / static_cast<double>(v.size()));
  };
  const double sd = std_of(total, m);
  // The standard error of the mean: from the runs' means when there are several (a drift
  // between runs counts), else from the iterations of the one run.
  const double n_runs = static_cast<double>(run_means.size());
  const double se = run_means.size() > 1 ? std_of(run_means, mean(run_means)) *
                                               std::sqrt(n_runs / (n_runs - 1)) / std::sqrt(n_runs)
                                         : sd / std::sqrt(static_cast<double>(total.size()));
  nlohmann::json out = {{"iterations", total.size()},
                        {"runs", run_means.size()},
                        {"run_iteration_s", run_means},
                        {"iteration_s", m},
                        {"median_s", sp.median},
                        {"rel_iqr", sp.rel_iqr},
                        {"std_s", sd},
                        {"se_s", se},
                        {"min_s", sp.min},
                        {"max_s", sp.max},
                        {"bytes_per_iteration", mean(bytes)},
                        {"page_faults_per_step", mean(faults)},
                        {"stages",
                         {{"storage_s", mean(server)},
                          {"network_s", mean(transfer)},
                          {"compute_s", mean(compute)},
                          {"storage_wait_s", mean(wait)}}}};
  if (!objects.empty()) out["objects_per_iteration"] = mean(objects);
  return out;
}

nlohmann::json measured_from_train_report(const nlohmann::json& report, int64_t warmup) {
  return measured_from_train_reports({report}, warmup);
}

nlohmann::json predicted_from_sim_result(const sim::TenantResult& r) {
  const double it = r.iteration_s;
  return {{"iteration_s", it},
          {"bytes_per_iteration", r.bytes_per_iteration},
          {"bottleneck", r.bottleneck},
          {"stages",
           {{"storage_s", r.storage_busy * it},
            {"network_s", r.network_busy * it},
            {"compute_s", r.compute_busy * it}}}};
}

void add_errors(nlohmann::json& c) {
  const auto& p = c.at("predicted");
  const auto& m = c.at("measured");
  const double pi = p.at("iteration_s").get<double>(), mi = m.at("iteration_s").get<double>();
  nlohmann::json e;
  e["iteration"] = mi > 0 ? (pi - mi) / mi : 0.0;
  e["abs_iteration"] = std::abs(e["iteration"].get<double>());
  const double pb = p.at("bytes_per_iteration").get<double>(),
               mb = m.at("bytes_per_iteration").get<double>();
  e["bytes"] = mb > 0 ? (pb - mb) / mb : 0.0;
  nlohmann::json stages;
  std::string worst;
  double worst_abs = -1;
  for (const char* s : {"storage_s", "network_s", "compute_s"}) {
    double d = p.at("stages").at(s).get<double>() - m.at("stages").at(s).get<double>();
    stages[s] = d;
    if (std::abs(d) > worst_abs) {
      worst_abs = std::abs(d);
      worst = std::string(s).substr(0, std::string(s).size() - 2);
    }
  }
  e["stage_s"] = stages;
  e["worst_stage"] = worst;
  c["error"] = e;
}

double rank_correlation(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 2) return 0;
  auto ra = ranks(a), rb = ranks(b);
  double ma = mean(ra), mb = mean(rb), num = 0, da = 0, db = 0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) * (ra[i] - ma);
    db += (rb[i] - mb) * (rb[i] - mb);
  }
  return da > 0 && db > 0 ? num / std::sqrt(da * db) : 0.0;
}

nlohmann::json tenant_summary(const nlohmann::json& configs, const nlohmann::json& choice,
                              int64_t freeze_index, double tolerance) {
  std::vector<double> errs, pred, meas;
  const nlohmann::json* best = nullptr;
  const nlohmann::json* worst = nullptr;
  for (const auto& c : configs) {
    double e = c.at("error").at("abs_iteration").get<double>();
    errs.push_back(e);
    pred.push_back(c.at("predicted").at("iteration_s").get<double>());
    meas.push_back(c.at("measured").at("iteration_s").get<double>());
    if (!best || meas.back() < best->at("measured").at("iteration_s").get<double>()) best = &c;
    if (!worst || e > worst->at("error").at("abs_iteration").get<double>()) worst = &c;
  }
  nlohmann::json s;
  s["configurations"] = configs.size();
  if (configs.empty()) return s;
  s["mean_abs_error"] = mean(errs);
  s["median_abs_error"] = quantile(errs, 0.5);
  s["max_abs_error"] = *std::max_element(errs.begin(), errs.end());
  s["worst"] = {{"split", worst->at("split")},
                {"storage_batch", worst->at("storage_batch")},
                {"error", worst->at("error").at("iteration")},
                {"stage", worst->at("error").at("worst_stage")}};
  if (worst->contains("machine_speed")) s["worst"]["machine_speed"] = worst->at("machine_speed");
  s["rank_correlation"] = rank_correlation(pred, meas);
  const double best_s = best->at("measured").at("iteration_s").get<double>();
  s["measured_best"] = {{"split", best->at("split")},
                        {"storage_batch", best->at("storage_batch")},
                        {"iteration_s", best_s}};
  const nlohmann::json* ch = find_config(configs, choice.at("split").get<int64_t>(),
                                         choice.at("storage_batch").get<int64_t>());
  if (!ch) fail("internal: the choice (s = ", choice.at("split"), ") was not measured");
  const double ch_s = ch->at("measured").at("iteration_s").get<double>();
  s["choice"] = {{"split", ch->at("split")},
                 {"storage_batch", ch->at("storage_batch")},
                 {"measured_iteration_s", ch_s},
                 {"predicted_iteration_s", ch->at("predicted").at("iteration_s")}};
  s["choice_vs_measured_best"] = ch_s / best_s;
  // Is the gap to the measured best larger than the runs' own noise? Two standard errors of the
  // difference of the two means (from the runs' means with --repeats, else the iterations of a
  // run treated as independent samples).
  auto se2 = [](const nlohmann::json& m) {
    if (m.contains("se_s")) return std::pow(m.at("se_s").get<double>(), 2.0);
    const double sd = m.at("std_s").get<double>();  // reports before 2026-11-24
    const double n = std::max(1.0, m.at("iterations").get<double>());
    return sd * sd / n;
  };
  const double gap_noise = 2 * std::sqrt(se2(ch->at("measured")) + se2(best->at("measured")));
  s["choice_gap_s"] = ch_s - best_s;
  s["choice_gap_noise_s"] = gap_noise;
  s["choice_gap_within_noise"] = ch_s - best_s <= gap_noise;
  s["choice_is_measured_best"] = ch == best;
  s["choice_within_tolerance"] = ch_s <= best_s * (1 + tolerance);
  // The reference system's policy, when it was among the runs: how its choice fared.
  for (const auto& c : configs) {
    const auto& reasons = c.value("reasons", nlohmann::json::array());
    if (std::find(reasons.begin(), reasons.end(), "reference-policy") == reasons.end()) continue;
    const double r_s = c.at("measured").at("iteration_s").get<double>();
    s["reference_policy"] = {{"split", c.at("split")},
                             {"storage_batch", c.at("storage_batch")},
                             {"measured_iteration_s", r_s},
                             {"vs_measured_best", r_s / best_s},
                             {"within_tolerance", r_s <= best_s * (1 + tolerance)}};
  }
  const nlohmann::json* none = find_config(configs, 0, -1);
  const nlohmann::json* frozen = find_config(configs, freeze_index, -1);
  if (none) {
    s["speedup_vs_no_pushdown"] = none->at("measured").at("iteration_s").get<double>() / ch_s;
    s["network_bound"] = none->at("predicted").at("bottleneck") == "network";
  }
  if (frozen) {
    // The all-frozen baseline's storage batch is the largest measured one at s = f.
    const nlohmann::json* f = nullptr;
    for (const auto& c : configs) {
      if (c.at("split") == freeze_index &&
          (!f || c.at("storage_batch").get<int64_t>() > f->at("storage_batch").get<int64_t>()))
        f = &c;
    }
    s["speedup_vs_all_frozen"] = f->at("measured").at("iteration_s").get<double>() / ch_s;
  }
  return s;
}

nlohmann::json overall_summary(const nlohmann::json& points) {
  std::vector<double> errs, rho, speedups_nb;
  int cases = 0, within = 0, best = 0, nb_cases = 0, nb_fast = 0, ref_cases = 0, ref_within = 0,
      misses_in_noise = 0;
  std::vector<double> makespan_errs, calm_errs, unsettled_errs;
  for (const auto& p : points) {
    for (const auto& t : p.at("tenants")) {
      for (const auto& c : t.at("configurations")) {
        const double e = c.at("error").at("abs_iteration").get<double>();
        errs.push_back(e);
        if (c.contains("machine_speed"))
          (c["machine_speed"].value("calm", false) ? calm_errs : unsettled_errs).push_back(e);
      }
      const auto& s = t.at("summary");
      if (!s.contains("choice")) continue;
      ++cases;
      within += s.at("choice_within_tolerance").get<bool>() ? 1 : 0;
      if (!s.at("choice_within_tolerance").get<bool>() && s.value("choice_gap_within_noise", false))
        ++misses_in_noise;
      if (s.contains("reference_policy")) {
        ++ref_cases;
        ref_within += s["reference_policy"].at("within_tolerance").get<bool>() ? 1 : 0;
      }
      best += s.at("choice_is_measured_best").get<bool>() ? 1 : 0;
      rho.push_back(s.at("rank_correlation").get<double>());
      if (s.value("network_bound", false)) {
        ++nb_cases;
        double sp = s.at("speedup_vs_no_pushdown").get<double>();
        speedups_nb.push_back(sp);
        nb_fast += sp >= 2.5 ? 1 : 0;
      }
    }
    if (p.contains("multi_tenant") && p["multi_tenant"].contains("makespan_error"))
      makespan_errs.push_back(std::abs(p["multi_tenant"]["makespan_error"].get<double>()));
  }
  nlohmann::json out = {
      {"configurations", errs.size()},
      {"cases", cases},
      {"choice_within_tolerance", within},
      {"choice_is_measured_best", best},
      {"choice_within_tolerance_share", cases ? static_cast<double>(within) / cases : 0.0}};
  out["choice_misses_within_noise"] = misses_in_noise;
  out["reference_policy_cases"] = ref_cases;
  out["reference_policy_within_tolerance"] = ref_within;
  if (!errs.empty()) {
    out["median_abs_error"] = quantile(errs, 0.5);
    out["mean_abs_error"] = mean(errs);
    out["max_abs_error"] = *std::max_element(errs.begin(), errs.end());
  }
  if (!rho.empty()) out["mean_rank_correlation"] = mean(rho);
  // The configurations whose runs had the machine as fast as at calibration (speed probes
  // around every run) against those where it was not: how much of the error is the machine's.
  for (const auto& [name, v] :
       {std::pair<const char*, const std::vector<double>*>{"calm", &calm_errs},
        {"unsettled", &unsettled_errs}}) {
    if (calm_errs.empty() && unsettled_errs.empty()) break;
    nlohmann::json g = {{"configurations", v->size()}};
    if (!v->empty()) {
      g["median_abs_error"] = quantile(*v, 0.5);
      g["max_abs_error"] = *std::max_element(v->begin(), v->end());
    }
    out["machine_" + std::string(name)] = g;
  }
  out["network_bound_cases"] = nb_cases;
  out["network_bound_speedup_at_least_2_5x"] = nb_fast;
  if (!speedups_nb.empty())
    out["network_bound_min_speedup_vs_no_pushdown"] =
        *std::min_element(speedups_nb.begin(), speedups_nb.end());
  if (!makespan_errs.empty())
    out["max_abs_makespan_error"] = *std::max_element(makespan_errs.begin(), makespan_errs.end());
  return out;
}

}  // namespace tiersplit::real_exec
