// group_dataset.cpp: drawing groups from Fashion-MNIST and writing them per group (see
// group_dataset.hpp).
#include "real_exec/groups/group_dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "common/error.hpp"
#include "common/progress.hpp"
#include "common/shuffle.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/object_store.hpp"

namespace tiersplit::real_exec::groups {

namespace {

constexpr int64_t kClasses = 10;

/// Every sample of both files by class, each list shuffled: (file 0 train / 1 test, index).
using Pools = std::vector<std::vector<std::pair<int, int64_t>>>;
Pools class_pools(const IdxFile& train, const IdxFile& test, std::mt19937_64& rng) {
  Pools pools(kClasses);
  const IdxFile* files[2] = {&train, &test};
  for (int f = 0; f < 2; ++f) {
    for (int64_t i = 0; i < files[f]->count; ++i) {
      int64_t label = static_cast<unsigned char>(files[f]->labels[i]);
      if (label >= 0 && label < kClasses) pools[label].emplace_back(f, i);
    }
  }
  for (auto& p : pools) shuffle_in_place(p, rng);
  return pools;
}

/// One group's task and samples.
struct DrawnGroup {
  std::vector<int64_t> favoured, label_map;
  std::vector<std::pair<int, int64_t>> samples;
};

/// Draws `n` samples, each class chosen with weight `favoured_weight` for the group's favoured
/// classes and 1 for the others, among the classes that still have samples.
DrawnGroup draw_group(int64_t n, const GroupImportOptions& o, Pools& pools, std::mt19937_64& rng) {
  DrawnGroup g;
  std::vector<int64_t> classes(kClasses);
  for (int64_t c = 0; c < kClasses; ++c) classes[c] = c;
  shuffle_in_place(classes, rng);
  g.favoured.assign(classes.begin(), classes.begin() + o.favoured_classes);
  std::sort(g.favoured.begin(), g.favoured.end());
  g.label_map = classes;  // class c -> label classes[c]: a mapping of the group's own
  shuffle_in_place(g.label_map, rng);
  std::vector<double> weight(kClasses, 1.0);
  for (int64_t c : g.favoured) weight[c] = o.favoured_weight;
  for (int64_t k = 0; k < n; ++k) {
    double total = 0;
    for (int64_t c = 0; c < kClasses; ++c) total += pools[c].empty() ? 0 : weight[c];
    double u = static_cast<double>(rng() >> 11) * 0x1.0p-53 * total;
    int64_t c = 0;
    for (; c < kClasses - 1; ++c) {
      if (pools[c].empty()) continue;
      if (u < weight[c]) break;
      u -= weight[c];
    }
    while (pools[c].empty()) c = (c + 1) % kClasses;  // rounding at the end of the range
    g.samples.push_back(pools[c].back());
    pools[c].pop_back();
  }
  return g;
}

void check_options(const GroupImportOptions& o, const std::vector<int64_t>& sizes) {
  if (!(o.held_out > 0 && o.held_out < 1))
    fail("--held-out ", o.held_out, " must be between 0 and 1 (a share of each group)");
  if (o.favoured_classes < 1 || o.favoured_classes > kClasses)
    fail("--favoured-classes ", o.favoured_classes, " must be in 1..", kClasses);
  if (!(o.favoured_weight >= 1)) fail("--favoured-weight ", o.favoured_weight, " must be >= 1");
  int64_t total = 0;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    if (sizes[k] < 2)
      fail("group ", k, " would hold ", sizes[k],
           " sample(s); every group needs 2 (one to train, one held out): more --group-samples "
           "or fewer --groups");
    total += sizes[k];
  }
  if (total > 70000)
    fail("the groups need ", total, " samples; Fashion-MNIST has 70000 (train + test)");
}

std::string group_name(std::size_t k, std::size_t count) {
  const int width = std::max(3, static_cast<int>(std::to_string(count - 1).size()));
  char buf[32];
  std::snprintf(buf, sizeof buf, "g%0*zu", width, k);
  return buf;
}

}  // namespace

uint64_t id_mix(int64_t id) {  // splitmix64's finaliser
  uint64_t z = static_cast<uint64_t>(id) + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string digest_hex(uint64_t digest) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(digest));
  return buf;
}

uint64_t digest_value(const std::string& hex) {
  if (hex.empty() || hex.size() > 16 ||
      hex.find_first_not_of("0123456789abcdef") != std::string::npos)
    fail("digest '", hex, "' is not a hexadecimal digest of at most 16 digits");
  return std::stoull(hex, nullptr, 16);
}

nlohmann::json import_fashion_mnist_groups(const GroupImportOptions& o) {
  nlohmann::json manifest = dataset_manifest_head(o.name, o.resolution, o.per_object);
  const std::vector<int64_t> sizes =
      tiersplit::groups::generate_group_sizes(o.sizes, "--groups/--group-samples");
  check_options(o, sizes);
  auto store = open_store(o.store);
  const IdxFile train = read_idx_file(o.source_dir, "train");
  const IdxFile test = read_idx_file(o.source_dir, "t10k");
  const IdxFile* files[2] = {&train, &test};
  std::mt19937_64 rng(o.seed);
  Pools pools = class_pools(train, test, rng);

  int64_t total = 0;
  for (int64_t n : sizes) total += n;
  ProgressBar bar("import groups", total);
  nlohmann::json splits = nlohmann::json::object(), groups = nlohmann::json::array();
  int64_t bytes = 0;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    DrawnGroup g = draw_group(sizes[k], o, pools, rng);
    const std::string name = group_name(k, sizes.size());
    const auto n = static_cast<int64_t>(g.samples.size());
    const int64_t held = std::clamp<int64_t>(std::llround(o.held_out * n), 1, n - 1);
    nlohmann::json entry = {{"name", name},
                            {"samples", n},
                            {"favoured_classes", g.favoured},
                            {"label_map", g.label_map}};
    uint64_t digest = 0;
    for (const char* part : {"train", "test"}) {
      const bool is_test = std::string(part) == "test";
      std::vector<SampleRef> refs;
      for (int64_t i = is_test ? n - held : 0; i < (is_test ? n : n - held); ++i) {
        const auto [f, index] = g.samples[i];
        const int64_t cls = static_cast<unsigned char>(files[f]->labels[index]);
        refs.push_back({files[f], index, g.label_map[cls], f == 0 ? index : 60000 + index});
        if (!is_test) digest += id_mix(refs.back().id);
      }
      const std::string split = name + "/" + part;
      nlohmann::json objects = write_sample_objects(*store, o.name + "/" + split, refs,
                                                    o.resolution, o.per_object, &bar);
      int64_t split_bytes = 0;
      for (const auto& obj : objects) split_bytes += obj.at("bytes").get<int64_t>();
      std::vector<int64_t> labels(kClasses);
      for (int64_t c = 0; c < kClasses; ++c) labels[c] = c;
      splits[split] = {{"classes", labels},
                       {"samples", refs.size()},
                       {"bytes", split_bytes},
                       {"objects", objects}};
      entry[std::string(part) + "_split"] = split;
      entry[std::string(part) + "_samples"] = refs.size();
      bytes += split_bytes;
    }
    entry["train_digest"] = digest_hex(digest);
    groups.push_back(entry);
  }
  bar.finish();
  manifest["splits"] = splits;
  manifest["groups"] = groups;
  manifest["group_import"] = {{"seed", o.seed},
                              {"held_out", o.held_out},
                              {"favoured_classes", o.favoured_classes},
                              {"favoured_weight", o.favoured_weight},
                              {"sizes", sizes}};
  manifest["samples"] = total;
  manifest["bytes"] = bytes;
  manifest["bytes_per_sample"] = static_cast<double>(bytes) / static_cast<double>(total);
  store->put(o.name + "/manifest.json", manifest.dump(2));
  return manifest;
}

std::vector<DatasetGroup> dataset_groups(const nlohmann::json& manifest) {
  if (!manifest.contains("groups") || !manifest.at("groups").is_array())
    fail("dataset '", manifest.value("name", std::string("?")),
         "' has no groups (import it with `tiersplit dataset import fashion-mnist --groups G`)");
  std::vector<DatasetGroup> out;
  for (const auto& g : manifest.at("groups")) {
    DatasetGroup d;
    d.name = g.at("name").get<std::string>();
    d.train_split = g.at("train_split").get<std::string>();
    d.test_split = g.at("test_split").get<std::string>();
    d.train_samples = g.at("train_samples").get<int64_t>();
    d.test_samples = g.at("test_samples").get<int64_t>();
    d.label_map = g.at("label_map").get<std::vector<int64_t>>();
    d.train_digest = g.at("train_digest").get<std::string>();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace tiersplit::real_exec::groups
