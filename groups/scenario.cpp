// scenario.cpp: strict parsing of groups scenarios and their sweep points.
#include "groups/scenario.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <tuple>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "profiles/derive.hpp"
#include "sim/scenario_fields.hpp"

namespace tiersplit::groups {

const char* to_string(Strategy s) {
  switch (s) {
    case Strategy::kMtp:
      return "mtp";
    case Strategy::kGtp:
      return "gtp";
    case Strategy::kDp:
      return "dp";
    case Strategy::kSp:
      return "sp";
    case Strategy::kGl:
      return "gl";
  }
  return "?";
}

const char* to_string(Extraction e) {
  switch (e) {
    case Extraction::kPerConfig:
      return "per-config";
    case Extraction::kShared:
      return "shared";
    case Extraction::kCached:
      return "cached";
  }
  return "?";
}

const char* to_string(Placement p) {
  return p == Placement::kWrapAround ? "wrap-around" : "balanced";
}

std::string GroupsChoice::label() const {
  std::string s = std::string(to_string(strategy)) + "/" + to_string(extraction) +
                  " s=" + std::to_string(split) + " b=" + std::to_string(storage_batch);
  if (strategy == Strategy::kGl) s += std::string(" ") + to_string(placement);
  return s;
}

bool GroupsChoice::operator<(const GroupsChoice& o) const {
  return std::make_tuple(strategy, extraction, split, storage_batch, placement) <
         std::make_tuple(o.strategy, o.extraction, o.split, o.storage_batch, o.placement);
}

namespace {

using sim::list_integer;
using sim::list_of;
using sim::positive_integer;

/// A name among `names` (with a suggestion when it is none of them).
template <typename E, std::size_t N>
E named(const JsonView& v, const E (&values)[N]) {
  std::string why;
  if (auto e = named_value(v.as_string(), values, &why)) return *e;
  v.fail_here(why);
}

/// A label written as a number or a string.
std::string label_of(const JsonView& v) {
  if (v.raw().is_string()) return v.as_string();
  if (v.raw().is_number()) return v.raw().dump();
  v.fail_here("expected a number or a string");
}

HeadSpec parse_head(const JsonView& h) {
  h.allow_keys({"kind", "hidden"});
  HeadSpec head;
  const std::string kind = h.string("kind");
  if (kind == "linear") {
    head.kind = HeadKind::kLinear;
    if (h.has("hidden")) h.fail_at("hidden", "a linear head has no hidden layer");
    head.label = "linear";
  } else if (kind == "mlp") {
    head.kind = HeadKind::kMlp;
    head.hidden = positive_integer(h, "hidden", 512);
    head.label = "mlp-" + std::to_string(head.hidden);
  } else {
    h.fail_at("kind", "unknown head kind '" + kind + "' (linear or mlp)" +
                          did_you_mean(kind, {"linear", "mlp"}));
  }
  return head;
}

OptimizerSpec parse_optimizer(const JsonView& o) {
  o.allow_keys({"name", "state"});
  OptimizerSpec opt;
  opt.name = o.string("name");
  opt.state_multiplier = o.number("state", opt.state_multiplier);
  if (opt.state_multiplier < 0 || opt.state_multiplier > 16)
    o.fail_at("state", "optimizer state per parameter must be in [0, 16]");
  return opt;
}

std::vector<GroupConfig> parse_configurations(const JsonView& c) {
  c.allow_keys({"heads", "optimizers", "learning_rates", "weight_decays", "epochs"});
  if (!c.has("heads")) c.fail_at("heads", "missing required field (at least one head)");
  if (!c.has("epochs")) c.fail_at("epochs", "missing required field (e.g. [10])");
  const auto heads = list_of<HeadSpec>(c, "heads", parse_head);
  auto optimizers = list_of<OptimizerSpec>(c, "optimizers", parse_optimizer);
  if (optimizers.empty()) optimizers.push_back({});
  auto rates = list_of<std::string>(c, "learning_rates", label_of);
  if (rates.empty()) rates.push_back("default");
  auto decays = list_of<std::string>(c, "weight_decays", label_of);
  if (decays.empty()) decays.push_back("0");
  const auto epochs =
      list_of<int64_t>(c, "epochs", [](const JsonView& v) { return list_integer(v, 1); });
  std::vector<GroupConfig> out;
  for (const auto& h : heads)
    for (const auto& o : optimizers)
      for (const auto& lr : rates)
        for (const auto& wd : decays)
          for (int64_t e : epochs) {
            GroupConfig g{h, o, lr, wd, e, ""};
            g.label = h.label + "/" + o.name + "/lr=" + lr + "/wd=" + wd + "/e" + std::to_string(e);
            out.push_back(g);
          }
  return out;
}

GroupSizeSpec parse_sizes(const JsonView& g) {
  GroupSizeSpec spec;
  if (g.has("sizes") == g.has("generate"))
    g.fail_here("give exactly one of \"sizes\" (a list) and \"generate\"");
  if (g.has("sizes")) {
    spec.sizes = list_of<int64_t>(g, "sizes", [](const JsonView& v) {
      const int64_t n = v.as_integer();
      if (n < 1) v.fail_here("a group of size " + std::to_string(n) + " (every group needs >= 1)");
      return n;
    });
    return spec;
  }
  JsonView gen = g.at("generate");
  gen.allow_keys({"groups", "samples", "zipf", "largest_share"});
  spec.groups = gen.integer("groups");
  spec.samples = gen.integer("samples");
  if (gen.has("zipf") == gen.has("largest_share"))
    gen.fail_here("give exactly one of \"zipf\" (exponent) and \"largest_share\"");
  spec.zipf = gen.number("zipf", 0);
  spec.largest_share = gen.number("largest_share", 0);
  return spec;
}

GroupsWorkload parse_workload(const JsonView& g, const std::string& dir, const std::string& file) {
  g.allow_keys({"model", "resolution", "profile", "storage_profile", "compute_profile",
                "freeze_index", "classes", "batch_size", "dataset", "sizes", "generate",
                "configurations"});
  GroupsWorkload w;
  w.json_path = g.path();
  w.model = g.string("model");
  w.resolution = positive_integer(g, "resolution", 224);
  if (g.has("profile")) {
    w.profile_file = sim::resolve_path(dir, g.string("profile"));
  } else {
    try {
      w.profile_file = profiles::shipped_profile_path(w.model, w.resolution);
    } catch (const Error& e) {
      g.fail_at("model", e.what());
    }
  }
  if (g.has("storage_profile"))
    w.storage_profile_file = sim::resolve_path(dir, g.string("storage_profile"));
  if (g.has("compute_profile"))
    w.compute_profile_file = sim::resolve_path(dir, g.string("compute_profile"));
  w.freeze_index = g.has("freeze_index") ? positive_integer(g, "freeze_index", 0, 0) : -1;
  w.classes = positive_integer(g, "classes", w.classes);
  w.batch_size = positive_integer(g, "batch_size", 0);
  if (!g.has("batch_size")) g.fail_at("batch_size", "missing required field");
  JsonView d = g.at("dataset");
  d.allow_keys({"bytes_per_sample", "samples_per_object", "samples"});
  w.bytes_per_sample = sim::required_positive_quantity(d, "bytes_per_sample", Dimension::kBytes);
  w.samples_per_object = positive_integer(d, "samples_per_object", 1);
  w.size_spec = parse_sizes(g);
  w.group_sizes = generate_group_sizes(w.size_spec, file + ": " + g.path() + "/generate");
  if (d.has("samples")) {  // the dataset's size, checked against the groups
    const int64_t n = positive_integer(d, "samples", 1);
    if (n != w.samples())
      g.fail_at(w.size_spec.sizes.empty() ? "generate/samples" : "sizes",
                "the groups hold " + std::to_string(w.samples()) + " samples but the dataset has " +
                    std::to_string(n) + " (/dataset/samples)");
  }
  if (!g.has("configurations")) g.fail_at("configurations", "missing required field");
  w.configs = parse_configurations(g.at("configurations"));
  return w;
}

/// "search" or a fixed value (parsed by `fixed`).
template <typename T, typename F>
std::vector<T> search_or(const JsonView& s, const std::string& key, F fixed) {
  if (!s.has(key)) return {};
  JsonView v = s.at(key);
  if (v.raw().is_string() && v.raw() == "search") return {};
  return {fixed(v)};
}

void parse_strategy(const JsonView& root, GroupsScenario& sc) {
  if (!root.has("strategy")) return;
  JsonView s = root.at("strategy");
  if (s.raw().is_string()) {
    if (s.raw() != "search") s.fail_here("expected \"search\" or an object with \"name\"");
    return;
  }
  s.allow_keys({"name", "extraction", "split", "storage_batch", "placement"});
  GroupsSearchSpace& sp = sc.search;
  sp.strategies =
      search_or<Strategy>(s, "name", [](const JsonView& v) { return named(v, kStrategies); });
  sp.extractions = search_or<Extraction>(s, "extraction",
                                         [](const JsonView& v) { return named(v, kExtractions); });
  sp.placements =
      search_or<Placement>(s, "placement", [](const JsonView& v) { return named(v, kPlacements); });
  sp.splits = search_or<int64_t>(s, "split", [](const JsonView& v) { return list_integer(v, 0); });
  sp.storage_batches =
      search_or<int64_t>(s, "storage_batch", [](const JsonView& v) { return list_integer(v, 1); });
}

void parse_search(const JsonView& s, GroupsSearchSpace& sp) {
  s.allow_keys({"strategies", "extractions", "placements", "splits", "storage_batches"});
  auto narrow = [](auto& into, auto listed) {
    if (!listed.empty() && into.empty()) into = listed;
  };
  narrow(sp.strategies, list_of<Strategy>(s, "strategies",
                                          [](const JsonView& v) { return named(v, kStrategies); }));
  narrow(sp.extractions, list_of<Extraction>(s, "extractions", [](const JsonView& v) {
           return named(v, kExtractions);
         }));
  narrow(sp.placements, list_of<Placement>(s, "placements", [](const JsonView& v) {
           return named(v, kPlacements);
         }));
  narrow(sp.splits,
         list_of<int64_t>(s, "splits", [](const JsonView& v) { return list_integer(v, 0); }));
  narrow(sp.storage_batches, list_of<int64_t>(s, "storage_batches", [](const JsonView& v) {
           return list_integer(v, 1);
         }));
}

void parse_sweep(const JsonView& s, GroupsScenario& sc) {
  s.allow_keys(
      {"bandwidth", "workers", "groups", "zipf", "largest_share", "configurations", "epochs"});
  GroupsSweep& sw = sc.sweep;
  sw.bandwidth = list_of<double>(s, "bandwidth", [](const JsonView& v) {
    const double x = v.as_quantity(Dimension::kBandwidth);
    if (x <= 0) v.fail_here("must be positive");
    return x;
  });
  sw.workers = list_of<int64_t>(s, "workers", [](const JsonView& v) { return list_integer(v, 1); });
  sw.groups = list_of<int64_t>(s, "groups", [](const JsonView& v) { return list_integer(v, 1); });
  auto non_negative = [](const JsonView& v) {
    const double x = v.as_number();
    if (x < 0) v.fail_here("must be at least 0");
    return x;
  };
  sw.zipf = list_of<double>(s, "zipf", non_negative);
  sw.largest_share = list_of<double>(s, "largest_share", non_negative);
  sw.configurations =
      list_of<int64_t>(s, "configurations", [](const JsonView& v) { return list_integer(v, 1); });
  sw.epochs = list_of<int64_t>(s, "epochs", [](const JsonView& v) { return list_integer(v, 1); });
  const bool listed = !sc.workload.size_spec.sizes.empty();
  for (const char* key : {"groups", "zipf", "largest_share"}) {
    if (s.has(key) && listed)
      s.fail_at(key, "sweeping it needs generated group sizes (\"generate\"), not a list");
  }
  if (!sw.zipf.empty() && sc.workload.size_spec.largest_share > 0)
    s.fail_at("zipf", "the group sizes are generated from \"largest_share\"; sweep that instead");
  if (!sw.largest_share.empty() && sc.workload.size_spec.largest_share == 0)
    s.fail_at("largest_share", "the group sizes are generated from \"zipf\"; sweep that instead");
  for (int64_t c : sw.configurations) {
    if (c > static_cast<int64_t>(sc.workload.configs.size()))
      s.fail_at("configurations", "the grid has " + std::to_string(sc.workload.configs.size()) +
                                      " configurations, fewer than " + std::to_string(c));
  }
}

}  // namespace

bool is_groups_scenario(const std::string& file) {
  JsonView root = load_json_file(file);
  if (!root.is_object() || !root.has("workload")) return false;
  const JsonView w = root.at("workload");
  return w.is_object() && w.has("groups");
}

GroupsScenario groups_scenario_from_json(const JsonView& root, const std::string& base_dir) {
  root.allow_keys({"format", "version", "name", "description", "platform", "workload", "strategy",
                   "search", "sweep", "simulation", "testbed"});
  sim::check_scenario_header(root);
  GroupsScenario sc;
  sc.file = root.file();
  sc.dir = base_dir;
  sc.name = root.string("name", "groups");
  sc.description = root.string("description", "");
  sc.digest = hex_digest(fnv1a(root.raw().dump()));
  sc.platform = sim::parse_platform(root.at("platform"), base_dir);
  JsonView w = root.at("workload");
  w.allow_keys({"groups"});
  sc.workload = parse_workload(w.at("groups"), base_dir, sc.file);
  parse_strategy(root, sc);
  if (auto s = root.find("search")) parse_search(*s, sc.search);
  if (auto s = root.find("sweep")) parse_sweep(*s, sc);
  if (auto s = root.find("simulation")) {
    s->allow_keys({"chunks", "prefetch", "allow_extrapolation"});
    sc.chunks = positive_integer(*s, "chunks", sc.chunks);
    sc.prefetch = positive_integer(*s, "prefetch", sc.prefetch, 0);
    sc.allow_extrapolation = s->boolean("allow_extrapolation", false);
  }
  return sc;
}

GroupsScenario load_groups_scenario(const std::string& file) {
  JsonView root = load_json_file(file);
  std::string dir = std::filesystem::path(file).parent_path().string();
  if (dir.empty()) dir = ".";
  return groups_scenario_from_json(root, dir);
}

namespace {

struct Axis {
  std::size_t size;
  std::function<void(GroupsPoint&, std::size_t)> apply;
};

/// Generated sizes again after g or the skew changed.
void regenerate(GroupsPoint& p, const std::string& where) {
  p.workload.group_sizes = generate_group_sizes(p.workload.size_spec, where);
}

std::vector<Axis> sweep_axes(const GroupsScenario& sc) {
  const GroupsSweep& sw = sc.sweep;
  const std::string where = sc.file + ": /sweep";
  std::vector<Axis> axes;
  if (!sw.bandwidth.empty())
    axes.push_back({sw.bandwidth.size(), [&sw](GroupsPoint& p, std::size_t i) {
                      p.platform.network.bandwidth = sw.bandwidth[i];
                      p.labels.emplace_back("bandwidth", format_bandwidth(sw.bandwidth[i]));
                    }});
  if (!sw.workers.empty())
    axes.push_back({sw.workers.size(), [&sw](GroupsPoint& p, std::size_t i) {
                      p.platform.compute.nodes = sw.workers[i];
                      p.labels.emplace_back("workers", std::to_string(sw.workers[i]));
                    }});
  if (!sw.groups.empty())
    axes.push_back({sw.groups.size(), [&sw, where](GroupsPoint& p, std::size_t i) {
                      p.workload.size_spec.groups = sw.groups[i];
                      regenerate(p, where);
                      p.labels.emplace_back("groups", std::to_string(sw.groups[i]));
                    }});
  if (!sw.zipf.empty())
    axes.push_back({sw.zipf.size(), [&sw, where](GroupsPoint& p, std::size_t i) {
                      p.workload.size_spec.zipf = sw.zipf[i];
                      regenerate(p, where);
                      p.labels.emplace_back("zipf", fmt("%g", sw.zipf[i]));
                    }});
  if (!sw.largest_share.empty())
    axes.push_back({sw.largest_share.size(), [&sw, where](GroupsPoint& p, std::size_t i) {
                      p.workload.size_spec.largest_share = sw.largest_share[i];
                      regenerate(p, where);
                      p.labels.emplace_back("largest_share", fmt("%g", sw.largest_share[i]));
                    }});
  if (!sw.configurations.empty())
    axes.push_back({sw.configurations.size(), [&sw](GroupsPoint& p, std::size_t i) {
                      p.workload.configs.resize(static_cast<std::size_t>(sw.configurations[i]));
                      p.labels.emplace_back("configurations", std::to_string(sw.configurations[i]));
                    }});
  if (!sw.epochs.empty())
    axes.push_back({sw.epochs.size(), [&sw](GroupsPoint& p, std::size_t i) {
                      for (auto& c : p.workload.configs) c.epochs = sw.epochs[i];
                      p.labels.emplace_back("epochs", std::to_string(sw.epochs[i]));
                    }});
  return axes;
}

}  // namespace

std::vector<GroupsPoint> expand_groups_sweep(const GroupsScenario& sc) {
  const std::vector<Axis> axes = sweep_axes(sc);
  std::size_t total = 1;
  for (const auto& a : axes) total *= a.size;
  std::vector<GroupsPoint> points;
  for (std::size_t n = 0; n < total; ++n) {
    GroupsPoint p;
    p.index = n;
    p.platform = sc.platform;
    p.workload = sc.workload;
    std::vector<std::size_t> digit(axes.size());
    std::size_t rest = n;
    for (std::size_t a = axes.size(); a-- > 0;) {
      digit[a] = rest % axes[a].size;
      rest /= axes[a].size;
    }
    for (std::size_t a = 0; a < axes.size(); ++a) axes[a].apply(p, digit[a]);
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace tiersplit::groups
