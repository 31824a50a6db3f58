// results.cpp: result rows as JSON, CSV and a table.
#include "sim/results.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include "common/csv.hpp"
#include "common/error.hpp"
#include "common/file_output.hpp"
#include "common/units.hpp"

namespace tiersplit::sim {

using nlohmann::json;

json to_json(const TenantResult& r) {
  json labels = json::object();
  for (const auto& [k, v] : r.labels) labels[k] = v;
  json j = {{"config", r.config},
            {"point", r.point},
            {"sweep", labels},
            {"prefetch_depth", r.prefetch_depth},
            {"tenant", r.tenant},
            {"tenant_name", r.tenant_name},
            {"model", r.model},
            {"split", r.split},
            {"storage_batch", r.storage_batch},
            {"training_batch", r.training_batch},
            {"feasible", r.feasible},
            {"source", r.source},
            {"iteration_s", r.iteration_s},
            {"first_iteration_s", r.first_iteration_s},
            {"epoch_s", r.epoch_s},
            {"job_s", r.job_s},
            {"bytes_per_iteration", r.bytes_per_iteration},
            {"job_bytes", r.job_bytes},
            {"storage_busy", r.storage_busy},
            {"network_busy", r.network_busy},
            {"compute_busy", r.compute_busy},
            {"pushdown_memory_bytes", r.pushdown_memory},
            {"peak_storage_memory_bytes", r.peak_storage_memory},
            {"memory_wait_s", r.memory_wait_s},
            {"memory_wait_per_iteration_s", r.memory_wait_per_iteration_s},
            {"bottleneck", r.bottleneck},
            {"closed_form_iteration_s", r.closed_form_iteration_s},
            {"closed_form_job_s", r.closed_form_job_s},
            {"measured_iterations", r.measured_iterations},
            {"simulated_iterations", r.simulated_iterations},
            {"extrapolated", r.extrapolated},
            {"others_finished_in_window", r.others_finished_in_window}};
  if (!r.note.empty()) j["note"] = r.note;
  return j;
}

TenantResult result_from_json(const JsonView& j) {
  TenantResult r;
  r.config = static_cast<std::size_t>(j.integer("config"));
  r.point = static_cast<std::size_t>(j.integer("point"));
  const JsonView sweep = j.at("sweep");
  if (!sweep.is_object()) sweep.fail_here("expected an object of swept values");
  for (auto it = sweep.raw().begin(); it != sweep.raw().end(); ++it)
    r.labels.emplace_back(it.key(), sweep.string(it.key()));
  r.prefetch_depth = j.integer("prefetch_depth");
  r.tenant = static_cast<int>(j.integer("tenant"));
  r.tenant_name = j.string("tenant_name");
  r.model = j.string("model");
  r.split = j.integer("split");
  r.storage_batch = j.integer("storage_batch");
  r.training_batch = j.integer("training_batch");
  r.feasible = j.boolean("feasible");
  r.source = j.string("source");
  r.iteration_s = j.number("iteration_s");
  r.first_iteration_s = j.number("first_iteration_s");
  r.epoch_s = j.number("epoch_s");
  r.job_s = j.number("job_s");
  r.bytes_per_iteration = j.number("bytes_per_iteration");
  r.job_bytes = j.number("job_bytes");
  r.storage_busy = j.number("storage_busy");
  r.network_busy = j.number("network_busy");
  r.compute_busy = j.number("compute_busy");
  r.pushdown_memory = j.number("pushdown_memory_bytes");
  r.peak_storage_memory = j.number("peak_storage_memory_bytes");
  r.memory_wait_s = j.number("memory_wait_s");
  r.memory_wait_per_iteration_s = j.number("memory_wait_per_iteration_s");
  r.bottleneck = j.string("bottleneck");
  r.closed_form_iteration_s = j.number("closed_form_iteration_s");
  r.closed_form_job_s = j.number("closed_form_job_s");
  r.measured_iterations = j.integer("measured_iterations");
  r.simulated_iterations = j.integer("simulated_iterations");
  r.extrapolated = j.boolean("extrapolated", false);
  r.others_finished_in_window = j.boolean("others_finished_in_window", false);
  r.note = j.string("note", "");
  return r;
}

std::string label_value(const Labels& labels, const std::string& key) {
  for (const auto& [k, v] : labels) {
    if (k == key) return v;
  }
  return "";
}

namespace {

/// Durations past a few minutes in minutes, hours or days.
std::string human_duration(double s) {
  char buf[64];
  if (s < 120) return format_duration(s);
  if (s < 7200)
    std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
  else if (s < 172800)
    std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  else
    std::snprintf(buf, sizeof buf, "%.1f d", s / 86400);
  return buf;
}

}  // namespace

void write_csv(std::ostream& os, const std::vector<TenantResult>& rows) {
  std::vector<std::string> cols = label_columns(rows);
  os << "config,point";
  for (const auto& c : cols) os << "," << c;
  os << ",tenant,model,split,storage_batch,training_batch,feasible,source,iteration_s,first_"
        "iteration_s,"
        "epoch_s,job_s,bytes_per_iteration,job_bytes,storage_busy,network_busy,compute_busy,"
        "pushdown_memory_bytes,peak_storage_memory_bytes,memory_wait_s,memory_wait_per_iteration_s,"
        "bottleneck,closed_form_iteration_s,closed_form_job_s,note\n";
  for (const auto& r : rows) {
    os << r.config << "," << r.point;
    for (const auto& c : cols) os << "," << csv_escape(label_value(r.labels, c));
    os << "," << csv_escape(r.tenant_name) << "," << csv_escape(r.model) << "," << r.split << ","
       << r.storage_batch << "," << r.training_batch << "," << (r.feasible ? "true" : "false")
       << "," << r.source << "," << csv_number(r.iteration_s) << ","
       << csv_number(r.first_iteration_s) << "," << csv_number(r.epoch_s) << ","
       << csv_number(r.job_s) << "," << csv_number(r.bytes_per_iteration) << ","
       << csv_number(r.job_bytes) << "," << csv_number(r.storage_busy) << ","
       << csv_number(r.network_busy) << "," << csv_number(r.compute_busy) << ","
       << csv_number(r.pushdown_memory) << "," << csv_number(r.peak_storage_memory) << ","
       << csv_number(r.memory_wait_s) << "," << csv_number(r.memory_wait_per_iteration_s) << ","
       << r.bottleneck << "," << csv_number(r.closed_form_iteration_s) << ","
       << csv_number(r.closed_form_job_s) << "," << csv_escape(r.note) << "\n";
  }
}

void write_csv_file(const std::string& file, const std::vector<TenantResult>& rows) {
  write_file_whole(file, [&](std::ostream& out) { write_csv(out, rows); });
}

void print_table(std::ostream& os, const std::vector<TenantResult>& rows) {
  std::vector<std::string> cols = label_columns(rows);
  std::vector<std::string> header;
  for (const auto& c : cols) header.push_back(c);
  for (const char* h : {"tenant", "split", "b", "iteration", "first", "job", "net/iter",
                        "busy S/N/C", "pushdown mem", "mem wait/it", "bottleneck", "closed form"}) {
    header.push_back(h);
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (const auto& c : cols) line.push_back(label_value(r.labels, c));
    line.push_back(r.tenant_name);
    line.push_back(std::to_string(r.split));
    line.push_back(std::to_string(r.storage_batch));
    if (!r.feasible) {
      line.push_back("infeasible: " + r.note);
      table.push_back(line);
      continue;
    }
    char busy[64];
    std::snprintf(busy, sizeof busy, "%3.0f/%3.0f/%3.0f%%", 100 * r.storage_busy,
                  100 * r.network_busy, 100 * r.compute_busy);
    line.push_back(format_duration(r.iteration_s) + (r.others_finished_in_window ? "*" : ""));
    line.push_back(format_duration(r.first_iteration_s));
    line.push_back(human_duration(r.job_s));
    line.push_back(format_bytes(r.bytes_per_iteration));
    line.push_back(busy);
    line.push_back(format_bytes(r.pushdown_memory));
    line.push_back(format_duration(r.memory_wait_per_iteration_s));
    line.push_back(r.bottleneck);
    line.push_back(format_duration(r.closed_form_iteration_s));
    table.push_back(line);
  }
  std::vector<std::size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& l) {
    for (std::size_t i = 0; i < l.size() && i < width.size(); ++i) {
      // The infeasible note spans the remaining columns: don't let it widen one.
      if (i + 1 < l.size() || l.size() == header.size()) width[i] = std::max(width[i], l[i].size());
    }
  };
  measure(header);
  for (const auto& l : table) measure(l);
  auto print = [&](const std::vector<std::string>& l) {
    for (std::size_t i = 0; i < l.size(); ++i) {
      os << l[i];
      if (i + 1 < l.size()) os << std::string(width[i] - std::min(width[i], l[i].size()) + 2, ' ');
    }
    os << "\n";
  };
  print(header);
  for (const auto& l : table) print(l);
  const bool marked = std::any_of(rows.begin(), rows.end(), [](const TenantResult& r) {
    return r.feasible && r.others_finished_in_window;
  });
  if (marked) {
    os << "* other tenants finished during this tenant's measured window: its iteration is that of"
          " the later phase, with fewer tenants; its job covers both phases\n";
  }
}

std::vector<TenantResult> best_per_point(const std::vector<TenantResult>& rows) {
  std::map<std::pair<std::size_t, int>, std::size_t> best;
  std::vector<std::pair<std::size_t, int>> order;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (!r.feasible) continue;
    auto key = std::make_pair(r.point, r.tenant);
    auto it = best.find(key);
    if (it == best.end()) {
      best[key] = i;
      order.push_back(key);
    } else if (r.job_s < rows[it->second].job_s) {
      it->second = i;
    }
  }
  std::sort(order.begin(), order.end());
  std::vector<TenantResult> out;
  for (const auto& k : order) out.push_back(rows[best[k]]);
  return out;
}

}  // namespace tiersplit::sim
