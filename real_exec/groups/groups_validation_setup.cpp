// groups_validation_setup.cpp: the scenario, data and calibration batches a groups validation's
// points share (see groups_validation_setup.hpp).
#include "real_exec/groups/groups_validation_setup.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "groups/costs.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/object_store.hpp"
#include "real_exec/validation.hpp"

namespace tiersplit::real_exec::groups {

GroupsValidationSetup make_groups_validation_setup(const GroupsValidationOptions& o0) {
  GroupsValidationSetup s;
  s.o = o0;
  s.sc = tiersplit::groups::load_groups_scenario(o0.scenario_file);
  s.doc = load_json_file(o0.scenario_file).raw();
  const auto& sc = s.sc;
  const std::string& file = o0.scenario_file;
  const auto& sw = sc.sweep;
  if (!sw.workers.empty() || !sw.groups.empty() || !sw.zipf.empty() || !sw.largest_share.empty() ||
      !sw.configurations.empty() || !sw.epochs.empty())
    fail(file,
         ": /sweep: validate sweeps only \"bandwidth\" (one testbed link per value); remove "
         "the other axes");
  if (sc.platform.storage.nodes != 1)
    fail(file, ": /platform/storage/nodes: the testbed has one storage node");
  if (s.o.bandwidths.empty())
    s.o.bandwidths =
        sw.bandwidth.empty() ? std::vector<double>{sc.platform.network.bandwidth} : sw.bandwidth;
  s.o.latency_s = sc.platform.network.latency_s;
  s.workers = s.o.workers > 0 ? s.o.workers : static_cast<int>(sc.platform.compute.nodes);
  if (s.workers < 2 || s.workers > 8)
    fail(file, ": /platform/compute/nodes: validate runs 2..8 workers on this machine (", s.workers,
         "); give --workers");
  sim::ProfileCache cache;
  s.freeze = tiersplit::groups::resolve_backbone(sc, cache).freeze_index;
  s.splits = !s.o.splits.empty()         ? s.o.splits
             : !sc.search.splits.empty() ? sc.search.splits
                                         : std::vector<int64_t>{s.freeze};
  s.storage_batches = !s.o.storage_batches.empty() ? s.o.storage_batches
                      : !sc.search.storage_batches.empty()
                          ? sc.search.storage_batches
                          : std::vector<int64_t>{sc.workload.batch_size};
  if (s.o.state_dir.empty()) s.o.state_dir = s.o.output + ".d";
  std::string name = sc.name;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '-';
  s.dataset =
      !s.o.dataset.empty() ? s.o.dataset : name + "-r" + std::to_string(sc.workload.resolution);
  return s;
}

std::vector<DatasetGroup> ensure_validation_groups(const GroupsValidationSetup& s) {
  const auto& w = s.sc.workload;
  std::vector<int64_t> totals;
  for (int64_t n : w.group_sizes)
    totals.push_back(static_cast<int64_t>(std::ceil(static_cast<double>(n) / (1 - s.o.held_out))));
  auto store = open_store(s.o.store);
  try {
    const auto groups = dataset_groups(load_manifest(*store, s.dataset));
    bool same = groups.size() == totals.size();
    for (std::size_t g = 0; same && g < groups.size(); ++g)
      same = groups[g].train_samples + groups[g].test_samples == totals[g];
    if (same) return groups;
  } catch (const Error&) {  // not there yet (or not groups): import it
  }
  validate_say("importing " + std::to_string(totals.size()) + " groups of Fashion-MNIST as " +
               s.dataset);
  GroupImportOptions gi;
  gi.store = s.o.store;
  gi.name = s.dataset;
  gi.resolution = w.resolution;
  gi.per_object = s.o.per_object;
  gi.sizes.sizes = totals;
  gi.held_out = s.o.held_out;
  return dataset_groups(import_fashion_mnist_groups(gi));
}

std::vector<int64_t> calibration_batches(const std::vector<int64_t>& search) {
  std::vector<int64_t> out;
  for (int64_t b : search) out.insert(out.end(), {1, std::max<int64_t>(1, b / 4), b});
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace tiersplit::real_exec::groups
