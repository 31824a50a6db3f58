// results_document.cpp: results files written, read back and merged from shards.
#include "sim/results_document.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "common/build_id.hpp"
#include "common/error.hpp"
#include "common/json_reader.hpp"

namespace tiersplit::sim {

ResultsDocument results_document(const Study& study, const std::vector<TenantResult>& rows,
                                  const Shard& shard) {
  ResultsDocument d;
  d.scenario = study.scenario.name;
  d.scenario_file = study.scenario.file;
  d.input_digest = study.input_digest;
  d.build = build_id();
  d.shard = shard;
  d.configurations = study.configs.size();
  d.sweep_points = study.points.size();
  d.results = rows;
  return d;
}

nlohmann::json to_json(const ResultsDocument& doc) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : doc.results) results.push_back(to_json(r));
  nlohmann::json best = nlohmann::json::array();
  for (const auto& r : best_per_point(doc.results)) best.push_back(to_json(r));
  return {{"format", kResultsFormatName},
          {"version", kResultsFormatVersion},
          {"scenario", doc.scenario},
          {"scenario_file", doc.scenario_file},
          {"input_digest", doc.input_digest},
          {"build", doc.build},
          {"shard", to_string(doc.shard)},
          {"configurations", doc.configurations},
          {"sweep_points", doc.sweep_points},
          {"results", results},
          {"best", best}};
}

ResultsDocument read_results_document(const std::string& file) {
  JsonView root = load_json_file(file);
  if (!root.is_object()) root.fail_here("expected a tiersplit-results object");
  if (root.string("format") != kResultsFormatName) {
    root.fail_at("format", "expected \"" + std::string(kResultsFormatName) +
                               "\" (a file written by tiersplit simulate or sweep)");
  }
  if (root.integer("version") != kResultsFormatVersion) {
    root.fail_at("version", "version " + std::to_string(root.integer("version")) +
                                " is not the version " + std::to_string(kResultsFormatVersion) +
                                " this tiersplit reads");
  }
  root.allow_keys({"format", "version", "scenario", "scenario_file", "input_digest", "build",
                   "shard", "configurations", "sweep_points", "results", "best"});
  ResultsDocument d;
  d.scenario = root.string("scenario");
  d.scenario_file = root.string("scenario_file");
  d.input_digest = root.string("input_digest");
  d.build = root.string("build");
  try {
    d.shard = parse_shard(root.string("shard"));
  } catch (const Error& e) {
    root.fail_at("shard", e.what());
  }
  d.configurations = static_cast<std::size_t>(root.integer("configurations"));
  d.sweep_points = static_cast<std::size_t>(root.integer("sweep_points"));
  JsonView results = root.at("results");
  for (std::size_t i = 0; i < results.size(); ++i) d.results.push_back(result_from_json(results.at(i)));
  return d;
}

namespace {

/// Fails unless `field` of every shard equals the first's.
template <typename Get>
void require_same(const std::vector<ShardHeader>& shards, const std::vector<std::string>& files,
                  const char* what, Get get) {
  for (std::size_t i = 1; i < shards.size(); ++i) {
    if (get(shards[i]) != get(shards[0])) {
      fail("merge: ", files[i], " and ", files[0], " are not shards of one sweep: ", what, " '",
           get(shards[i]), "' vs '", get(shards[0]), "'");
    }
  }
}

}  // namespace

void check_shards(const std::vector<ShardHeader>& shards, const std::vector<std::string>& files) {
  if (shards.empty()) fail("merge: no results files given");
  require_same(shards, files, "scenario", [](const auto& d) { return d.scenario; });
  require_same(shards, files, "inputs (scenario and profiles, by digest)",
               [](const auto& d) { return d.input_digest; });
  require_same(shards, files, "tiersplit build", [](const auto& d) { return d.build; });
  require_same(shards, files, "shard count",
               [](const auto& d) { return std::to_string(d.shard.count); });
  require_same(shards, files, "configurations",
               [](const auto& d) { return std::to_string(d.configurations); });
  const int64_t n = shards[0].shard.count;
  std::map<int64_t, std::size_t> seen;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    auto [it, fresh] = seen.emplace(shards[i].shard.index, i);
    if (!fresh) {
      fail("merge: shard ", to_string(shards[i].shard), " is given twice (", files[it->second],
           " and ", files[i], ")");
    }
  }
  std::vector<std::string> missing;
  for (int64_t k = 1; k <= n; ++k) {
    if (!seen.count(k)) missing.push_back(std::to_string(k) + "/" + std::to_string(n));
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    fail("merge: shard(s) ", list, " of ", shards[0].scenario, " missing");
  }
  std::set<std::size_t> configs;
  for (const auto& d : shards) configs.insert(d.configs.begin(), d.configs.end());
  if (configs.size() != shards[0].configurations) {
    fail("merge: the shards hold ", configs.size(), " of the sweep's ", shards[0].configurations,
         " configurations (a shard file is incomplete)");
  }
}

ResultsDocument merge_results(const std::vector<ResultsDocument>& shards,
                              const std::vector<std::string>& files) {
  std::vector<ShardHeader> headers;
  for (const auto& d : shards) {
    ShardHeader h{d.scenario, d.input_digest, d.build, d.shard, d.configurations, {}};
    for (const auto& r : d.results) h.configs.insert(r.config);
    headers.push_back(std::move(h));
  }
  check_shards(headers, files);
  ResultsDocument out = shards[0];
  out.shard = Shard{};
  out.results.clear();
  for (const auto& d : shards) out.results.insert(out.results.end(), d.results.begin(), d.results.end());
  std::stable_sort(out.results.begin(), out.results.end(),
                   [](const TenantResult& a, const TenantResult& b) { return a.config < b.config; });
  return out;
}

}  // namespace tiersplit::sim
