// validation_table.cpp: the campaign's Markdown table over validation reports (validation-table).
#include "real_exec/validation_table.hpp"

#include <sstream>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/table.hpp"
#include "real_exec/validation_report.hpp"

namespace tiersplit::real_exec {

namespace {

std::string pct(double v) {
  return fmt("%.1f%%", 100 * v);
}

/// One row of the main table: a tenant at one bandwidth of report `name`.
void tenant_row(std::ostream& out, const std::string& name, const nlohmann::json& p,
                const nlohmann::json& t) {
  const auto& s = t.at("summary");
  auto sb = [](const nlohmann::json& c) {
    return std::to_string(c.at("split").get<int64_t>()) + "/" +
           std::to_string(c.at("storage_batch").get<int64_t>());
  };
  out << "| " << name << " | " << t.at("name").get<std::string>() << " | "
      << p.at("bandwidth").get<std::string>() << " | " << s.at("configurations") << " | "
      << sb(s.at("choice")) << " | " << sb(s.at("measured_best")) << " | "
      << fmt("%.3f", s.at("choice_vs_measured_best").get<double>()) << " | "
      << pct(s.at("median_abs_error").get<double>()) << " | "
      << pct(s.at("max_abs_error").get<double>()) << " | "
      << s.at("worst").at("stage").get<std::string>() << ", " << s.at("worst").at("split") << " | "
      << fmt("%.2f", s.at("rank_correlation").get<double>()) << " | "
      << (s.contains("speedup_vs_no_pushdown")
              ? fmt("%.2fx", s["speedup_vs_no_pushdown"].get<double>()) +
                    (s.value("network_bound", false) ? " (net)" : "")
              : "-")
      << " | "
      << (s.contains("speedup_vs_all_frozen")
              ? fmt("%.2fx", s["speedup_vs_all_frozen"].get<double>())
              : "-")
      << " | "
      << (s.contains("reference_policy")
              ? sb(s.at("reference_policy")) + ", " +
                    fmt("%.3f", s.at("reference_policy").at("vs_measured_best").get<double>())
              : "-")
      << " |\n";
}

/// One row of the multi-tenant table, or nothing when the point has no multi-tenant run.
void multi_tenant_row(std::vector<std::string>& multi, const std::string& name,
                      const nlohmann::json& p) {
  if (!p.contains("multi_tenant")) return;
  const auto& m = p["multi_tenant"];
  multi.push_back("| " + name + " | " + p.at("bandwidth").get<std::string>() + " | " +
                  std::to_string(m.at("tenants").size()) + " | " +
                  fmt("%.2f s", m.at("measured_makespan_s").get<double>()) + " | " +
                  fmt("%.2f s", m.at("predicted_makespan_s").get<double>()) + " | " +
                  fmt("%+.1f%%", 100 * m.at("makespan_error").get<double>()) + " |");
}

/// The rows of one report file; its points (with recomputed summaries) join `points`.
void report_rows(const std::string& f, std::ostream& out, nlohmann::json& points,
                 std::vector<std::string>& multi) {
  nlohmann::json r = load_json_file(f).raw();
  if (!r.is_object() || !r.contains("format") || r["format"] != kValidationFormatName)
    fail(f, ": /format: not a validation report (tiersplit validate -o)");
  try {
    const std::string name = r.value("scenario", f);
    const double tolerance = r.at("settings").value("tolerance", 0.05);
    for (auto p : r.at("points")) {
      for (auto& t : p.at("tenants")) {
        t["summary"] = tenant_summary(t.at("configurations"), t.at("choice"),
                                      t.at("freeze_index").get<int64_t>(), tolerance);
      }
      for (const auto& t : p.at("tenants")) tenant_row(out, name, p, t);
      multi_tenant_row(multi, name, p);
      points.push_back(std::move(p));
    }
  } catch (const nlohmann::json::exception& e) {
    fail(f, ": not a validation report tiersplit can read: ", json_exception_text(e));
  }
}

/// The sentence over every configuration of every report.
void overall_sentence(std::ostream& out, const nlohmann::json& points) {
  nlohmann::json s = overall_summary(points);
  out << "\nOver " << s["configurations"] << " measured configurations: median absolute error "
      << pct(s.value("median_abs_error", 0.0)) << ", mean " << pct(s.value("mean_abs_error", 0.0))
      << ", max " << pct(s.value("max_abs_error", 0.0)) << "; the choice was the measured best or "
      << "within 5% of it in " << s["choice_within_tolerance"] << " of " << s["cases"]
      << " cases (measured best in " << s["choice_is_measured_best"] << "; of the misses, "
      << s["choice_misses_within_noise"]
      << " are closer to the best than two standard errors of the runs)";
  if (s["reference_policy_cases"].get<int>() > 0) {
    out << "; the reference policy's choice, where it was run, in "
        << s["reference_policy_within_tolerance"] << " of " << s["reference_policy_cases"];
  }
  if (s["network_bound_cases"].get<int>() > 0) {
    out << "; network-bound cases: " << s["network_bound_cases"] << ", chosen split >= 2.5x faster "
        << "than no pushdown in " << s["network_bound_speedup_at_least_2_5x"]
        << " (smallest speed-up "
        << fmt("%.2fx", s["network_bound_min_speedup_vs_no_pushdown"].get<double>()) << ")";
  }
  out << ".\n";
}

}  // namespace

std::string validation_table(const std::vector<std::string>& files) {
  std::ostringstream out, rows;
  nlohmann::json points = nlohmann::json::array();
  std::vector<std::string> multi;
  for (const auto& f : files) report_rows(f, rows, points, multi);
  out << "| scenario | tenant | bandwidth | runs | choice s/b | measured best s/b | choice / best "
         "| median abs err | max abs err | worst (stage, s) | rank corr | vs s=0 | vs s=f | "
         "reference policy s/b, vs best |\n"
      << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
      << rows.str();
  overall_sentence(out, points);
  if (!multi.empty()) {
    out << "\n| scenario | bandwidth | tenants at once | measured makespan | predicted makespan "
           "| error |\n"
        << "|---|---|---|---|---|---|\n";
    for (const auto& l : multi) out << l << "\n";
  }
  return out.str();
}

}  // namespace tiersplit::real_exec
