// results_document.hpp: the results file that `simulate` and `sweep` write (format
// "tiersplit-results"), read back strictly, and shards of one sweep merged into one.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/results.hpp"
#include "sim/study.hpp"
#include "sim/sweep.hpp"

namespace tiersplit::sim {

inline constexpr const char* kResultsFormatName = "tiersplit-results";
inline constexpr int kResultsFormatVersion = 2;

struct ResultsDocument {
  std::string scenario;       ///< the scenario's name
  std::string scenario_file;
  std::string input_digest;   ///< of the scenario and every profile it read (Study::input_digest)
  std::string build;          ///< build_id() of the tiersplit that wrote it
  Shard shard;
  std::size_t configurations = 0;  ///< of the whole sweep, not only the shard
  std::size_t sweep_points = 0;
  std::vector<TenantResult> results;  ///< in configuration order
};

/// The document of `rows` (the shard's configurations of `study`).
ResultsDocument results_document(const Study& study, const std::vector<TenantResult>& rows,
                                 const Shard& shard);

/// JSON with "best" (best_per_point of the results) added for readers.
nlohmann::json to_json(const ResultsDocument& doc);

/// Reads a results file strictly: errors name the file and JSON path.
ResultsDocument read_results_document(const std::string& file);

/// What `merge` checks of each shard file, whatever its rows (tenants here, groups in groups/).
struct ShardHeader {
  std::string scenario, input_digest, build;
  Shard shard;
  std::size_t configurations = 0;   ///< of the whole sweep
  std::set<std::size_t> configs;    ///< the configurations the file holds rows of
};

/// Fails (one line naming the files) unless the headers are the shards of one sweep: the same
/// scenario, inputs, build and shard count, every shard once, and their configurations the whole
/// sweep's.
void check_shards(const std::vector<ShardHeader>& shards, const std::vector<std::string>& files);

/// One document from the shards of one sweep, identical to what the unsharded sweep writes.
/// Fails (naming the files) on shards of different scenarios, inputs or builds, a shard count
/// that differs, a shard given twice, or a missing one. `files` name the documents in messages.
ResultsDocument merge_results(const std::vector<ResultsDocument>& shards,
                              const std::vector<std::string>& files);

}  // namespace tiersplit::sim
