// scenario.cpp: strict parsing of scenario files ("tiersplit-scenario", version 1).
#include "sim/scenario.hpp"

#include "sim/scenario_fields.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "profiles/derive.hpp"

namespace tiersplit::sim {

namespace fs = std::filesystem;

std::string resolve_path(const std::string& base_dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute() || base_dir.empty()) return p;
  return (fs::path(base_dir) / p).lexically_normal().string();
}

/// A device name stays a name; something that looks like a file is resolved against base_dir.
std::string resolve_device(const std::string& base_dir, const std::string& d) {
  bool looks_like_file = d.find('/') != std::string::npos ||
                         (d.size() > 5 && d.compare(d.size() - 5, 5, ".json") == 0);
  return looks_like_file ? resolve_path(base_dir, d) : d;
}

int64_t positive_integer(const JsonView& v, const std::string& key, int64_t fallback,
                         int64_t minimum) {
  int64_t x = v.integer(key, fallback);
  if (x < minimum)
    v.fail_at(key, "must be at least " + std::to_string(minimum) + ", got " + std::to_string(x));
  return x;
}

double positive_quantity(const JsonView& v, const std::string& key, Dimension d, double fallback,
                         bool allow_zero) {
  double x = v.has(key) ? v.quantity(key, d) : fallback;
  if (x < 0 || (!allow_zero && x == 0))
    v.fail_at(key, std::string("must be ") + (allow_zero ? "non-negative" : "positive"));
  return x;
}

double required_positive_quantity(const JsonView& v, const std::string& key, Dimension d) {
  double x = v.quantity(key, d);
  if (x <= 0) v.fail_at(key, "must be positive");
  return x;
}

/// An optional limit: absent, "none"/"off" -> 0, else a positive quantity.
double optional_limit(const JsonView& v, const std::string& key, Dimension d) {
  if (!v.has(key)) return 0;
  JsonView x = v.at(key);
  if (x.raw().is_string() && (x.raw() == "none" || x.raw() == "off")) return 0;
  double q = x.as_quantity(d);
  if (q <= 0) x.fail_here("must be positive (or \"none\")");
  return q;
}

int64_t list_integer(const JsonView& v, int64_t minimum) {
  int64_t x = v.as_integer();
  if (x < minimum) v.fail_here("must be at least " + std::to_string(minimum));
  return x;
}

namespace {

NetworkModelParams parse_network_model(const JsonView& m) {
  m.allow_keys({"latency_factor", "bandwidth_factor", "crosstraffic", "tcp_window"});
  NetworkModelParams p;
  p.latency_factor = m.number("latency_factor", p.latency_factor);
  if (p.latency_factor < 0) m.fail_at("latency_factor", "must be non-negative");
  p.bandwidth_factor = m.number("bandwidth_factor", p.bandwidth_factor);
  if (p.bandwidth_factor <= 0 || p.bandwidth_factor > 1)
    m.fail_at("bandwidth_factor", "must be in (0, 1]");
  p.crosstraffic = m.boolean("crosstraffic", p.crosstraffic);
  p.tcp_window_bytes = optional_limit(m, "tcp_window", Dimension::kBytes);
  return p;
}


/// "search" -> -1, else an integer >= minimum.
int64_t integer_or_search(const JsonView& t, const std::string& key, int64_t minimum) {
  JsonView v = t.at(key);
  if (v.raw().is_string()) {
    if (v.raw() == "search") return -1;
    v.fail_here("expected an integer or \"search\", found \"" + v.as_string() + "\"");
  }
  int64_t x = v.as_integer();
  if (x < minimum) v.fail_here("must be at least " + std::to_string(minimum) + " (or \"search\")");
  return x;
}

TenantParams parse_tenant(const JsonView& t, const std::string& dir, std::size_t index) {
  t.allow_keys({"name", "model", "resolution", "profile", "storage_profile", "compute_profile",
                "freeze_index", "batch_size", "dataset", "epochs", "iterations", "arrival", "split",
                "storage_batch", "compute_node"});
  TenantParams out;
  out.json_path = t.path();
  out.model = t.string("model");
  out.name = t.string("name", out.model + "-" + std::to_string(index));
  out.resolution = positive_integer(t, "resolution", 224);
  if (t.has("profile")) {
    out.profile_file = resolve_path(dir, t.string("profile"));
  } else {
    try {
      out.profile_file = profiles::shipped_profile_path(out.model, out.resolution);
    } catch (const Error& e) {
      t.fail_at("model", e.what());
    }
  }
  if (t.has("storage_profile"))
    out.storage_profile_file = resolve_path(dir, t.string("storage_profile"));
  if (t.has("compute_profile"))
    out.compute_profile_file = resolve_path(dir, t.string("compute_profile"));
  out.freeze_index = t.has("freeze_index") ? positive_integer(t, "freeze_index", 0, 0) : -1;
  out.batch_size = positive_integer(t, "batch_size", 0);
  if (!t.has("batch_size")) t.fail_at("batch_size", "missing required field");

  JsonView d = t.at("dataset");
  d.allow_keys({"samples", "bytes_per_sample", "samples_per_object", "order", "seed"});
  out.dataset.samples = d.integer("samples");
  if (out.dataset.samples < 1) d.fail_at("samples", "must be at least 1");
  out.dataset.bytes_per_sample =
      required_positive_quantity(d, "bytes_per_sample", Dimension::kBytes);
  out.dataset.samples_per_object = positive_integer(d, "samples_per_object", 1);
  const std::string order = d.string("order", to_string(out.dataset.order));
  if (order == "shuffled") {
    out.dataset.order = ObjectOrder::kShuffled;
  } else if (order == "stored") {
    out.dataset.order = ObjectOrder::kStored;
  } else {
    d.fail_at("order", "'" + order + "' is not shuffled or stored");
  }
  out.dataset.seed = static_cast<uint64_t>(positive_integer(d, "seed", 1, 0));

  if (t.has("epochs") == t.has("iterations")) {
    t.fail_here("give exactly one of \"epochs\" and \"iterations\"");
  }
  out.epochs = t.has("epochs") ? positive_integer(t, "epochs", 1) : 0;
  out.iterations = t.has("iterations") ? positive_integer(t, "iterations", 1) : 0;
  out.arrival_s = positive_quantity(t, "arrival", Dimension::kDuration, 0, true);
  out.split = t.has("split") ? integer_or_search(t, "split", 0) : -1;
  out.storage_batch = t.has("storage_batch") ? integer_or_search(t, "storage_batch", 1) : -1;
  if (out.storage_batch > out.batch_size) {
    t.fail_at("storage_batch", "storage batch " + std::to_string(out.storage_batch) +
                                   " is larger than the training batch " +
                                   std::to_string(out.batch_size));
  }
  out.compute_node = t.has("compute_node") ? positive_integer(t, "compute_node", 0, 0) : -1;
  return out;
}

}  // namespace

PlatformParams parse_platform(const JsonView& p, const std::string& dir) {
  p.allow_keys({"storage", "network", "compute", "compute_network", "interference"});
  PlatformParams out;

  JsonView s = p.at("storage");
  s.allow_keys({"nodes", "cores", "pushdown_device", "pushdown_threads", "memory", "disk_bandwidth",
                "request_overhead", "decode_time_per_sample", "placement"});
  StorageParams& st = out.storage;
  st.nodes = positive_integer(s, "nodes", 1);
  st.cores = positive_integer(s, "cores", st.cores);
  st.pushdown_device = resolve_device(dir, s.string("pushdown_device"));
  st.pushdown_threads = positive_integer(s, "pushdown_threads", 0, 0);
  if (st.pushdown_threads > st.cores) s.fail_at("pushdown_threads", "exceeds the node's cores");
  st.memory_bytes = required_positive_quantity(s, "memory", Dimension::kBytes);
  st.disk_bandwidth = required_positive_quantity(s, "disk_bandwidth", Dimension::kBandwidth);
  st.request_overhead_s = positive_quantity(s, "request_overhead", Dimension::kDuration, 0, true);
  st.decode_time_per_sample_s =
      positive_quantity(s, "decode_time_per_sample", Dimension::kDuration, 0, true);
  st.placement = s.string("placement", st.placement);
  if (st.placement != "round-robin") s.fail_at("placement", "only \"round-robin\" is supported");

  JsonView n = p.at("network");
  n.allow_keys(
      {"bandwidth", "latency", "storage_nic", "compute_nic", "core_link", "burst", "model"});
  NetworkParams& net = out.network;
  net.bandwidth = required_positive_quantity(n, "bandwidth", Dimension::kBandwidth);
  net.latency_s = positive_quantity(n, "latency", Dimension::kDuration, 0, true);
  if (!n.has("latency")) n.fail_at("latency", "missing required field");
  net.storage_nic = optional_limit(n, "storage_nic", Dimension::kBandwidth);
  net.compute_nic = optional_limit(n, "compute_nic", Dimension::kBandwidth);
  net.burst_bytes = optional_limit(n, "burst", Dimension::kBytes);
  if (auto core = n.find("core_link")) {
    core->allow_keys({"bandwidth", "latency"});
    net.core_bandwidth = required_positive_quantity(*core, "bandwidth", Dimension::kBandwidth);
    net.core_latency_s = positive_quantity(*core, "latency", Dimension::kDuration, 0, true);
  }
  if (auto m = n.find("model")) net.model = parse_network_model(*m);

  JsonView c = p.at("compute");
  c.allow_keys({"nodes", "device", "memory", "decode_time_per_sample", "cores", "disk",
                "disk_bandwidth"});
  ComputeParams& cp = out.compute;
  cp.nodes = positive_integer(c, "nodes", 1);
  cp.device = resolve_device(dir, c.string("device"));
  cp.memory_bytes = positive_quantity(c, "memory", Dimension::kBytes, cp.memory_bytes);
  cp.decode_time_per_sample_s =
      positive_quantity(c, "decode_time_per_sample", Dimension::kDuration, 0, true);
  cp.cores = positive_integer(c, "cores", cp.cores);
  cp.disk_bytes = positive_quantity(c, "disk", Dimension::kBytes, cp.disk_bytes, true);
  cp.disk_bandwidth =
      positive_quantity(c, "disk_bandwidth", Dimension::kBandwidth, cp.disk_bandwidth);

  if (auto cn = p.find("compute_network")) {
    cn->allow_keys({"bandwidth", "latency", "collective_overhead"});
    ComputeNetworkParams& net2 = out.compute_network;
    net2.bandwidth = positive_quantity(*cn, "bandwidth", Dimension::kBandwidth, net2.bandwidth);
    net2.latency_s = positive_quantity(*cn, "latency", Dimension::kDuration, net2.latency_s, true);
    net2.collective_overhead_s = positive_quantity(*cn, "collective_overhead", Dimension::kDuration,
                                                   net2.collective_overhead_s, true);
  }

  if (auto i = p.find("interference")) {
    i->allow_keys({"storage_slowdown", "compute_slowdown", "compute_slowdown_by_storage_batch"});
    InterferenceParams& ip = out.interference;
    for (auto [key, value] :
         {std::pair<const char*, double*>{"storage_slowdown", &ip.storage_slowdown},
          {"compute_slowdown", &ip.compute_slowdown}}) {
      *value = i->number(key, *value);
      if (!(*value >= 1.0) || *value > 100.0) i->fail_at(key, "must be a factor in [1, 100]");
    }
    if (auto by = i->find("compute_slowdown_by_storage_batch")) {
      if (!by->raw().is_object())
        by->fail_here("expected an object of storage batch -> factor, e.g. {\"1\": 1.0}");
      for (const auto& [key, value] : by->raw().items()) {
        int64_t b = 0;
        try {
          std::size_t used = 0;
          b = std::stoll(key, &used);
          if (used != key.size()) b = 0;
        } catch (const std::exception&) {
          b = 0;
        }
        if (b < 1) by->fail_at(key, "the key must be a storage batch, an integer >= 1");
        const double f = by->number(key, 0.0);
        if (!(f >= 1.0) || f > 100.0) by->fail_at(key, "must be a factor in [1, 100]");
        ip.compute_slowdown_by_storage_batch[b] = f;
      }
    }
  }
  return out;
}

void check_scenario_header(const JsonView& root) {
  std::string format = root.string("format");
  if (format != kScenarioFormatName) {
    root.fail_at("format",
                 "expected \"" + std::string(kScenarioFormatName) + "\", found \"" + format + "\"");
  }
  int64_t version = root.integer("version");
  if (version != kScenarioFormatVersion) {
    root.fail_at("version", "unsupported version " + std::to_string(version) +
                                " (this tiersplit reads version " +
                                std::to_string(kScenarioFormatVersion) + ")");
  }
}

Scenario scenario_from_json(const JsonView& root, const std::string& base_dir) {
  Scenario sc;
  sc.file = root.file();
  sc.dir = base_dir;
  // "testbed" names real hosts for `tiersplit validate`; the simulation does not read it.
  root.allow_keys({"format", "version", "name", "description", "platform", "workload", "search",
                   "sweep", "simulation", "testbed"});
  check_scenario_header(root);
  sc.name = root.string("name", "scenario");
  sc.digest = hex_digest(fnv1a(root.raw().dump()));
  sc.description = root.string("description", "");
  sc.platform = parse_platform(root.at("platform"), base_dir);

  JsonView w = root.at("workload");
  w.allow_keys({"tenants"});
  JsonView tenants = w.at("tenants");
  if (tenants.size() == 0) tenants.fail_here("needs at least one tenant");
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    sc.tenants.push_back(parse_tenant(tenants.at(i), base_dir, i));
    const TenantParams& t = sc.tenants.back();
    if (t.compute_node >= sc.platform.compute.nodes) {
      tenants.at(i).fail_at("compute_node", "there are only " +
                                                std::to_string(sc.platform.compute.nodes) +
                                                " compute nodes (numbered from 0)");
    }
    for (std::size_t j = 0; j + 1 < sc.tenants.size(); ++j) {
      if (sc.tenants[j].name == t.name)
        tenants.at(i).fail_at("name", "duplicate tenant name '" + t.name + "'");
    }
  }

  if (auto s = root.find("search")) {
    s->allow_keys({"storage_batches", "splits"});
    sc.search.storage_batches = list_of<int64_t>(
        *s, "storage_batches", [](const JsonView& v) { return list_integer(v, 1); });
    sc.search.splits =
        list_of<int64_t>(*s, "splits", [](const JsonView& v) { return list_integer(v, 0); });
  }

  if (auto s = root.find("sweep")) {
    s->allow_keys({"bandwidth", "latency", "storage_nodes", "compute_nodes", "tenant_count",
                   "training_batch", "prefetch_depth"});
    SweepParams& sw = sc.sweep;
    sw.bandwidth = list_of<double>(*s, "bandwidth", [](const JsonView& v) {
      double x = v.as_quantity(Dimension::kBandwidth);
      if (x <= 0) v.fail_here("must be positive");
      return x;
    });
    sw.latency_s = list_of<double>(*s, "latency", [](const JsonView& v) {
      double x = v.as_quantity(Dimension::kDuration);
      if (x < 0) v.fail_here("must be non-negative");
      return x;
    });
    sw.storage_nodes =
        list_of<int64_t>(*s, "storage_nodes", [](const JsonView& v) { return list_integer(v, 1); });
    sw.compute_nodes =
        list_of<int64_t>(*s, "compute_nodes", [](const JsonView& v) { return list_integer(v, 1); });
    sw.tenant_count =
        list_of<int64_t>(*s, "tenant_count", [](const JsonView& v) { return list_integer(v, 1); });
    sw.training_batch = list_of<int64_t>(*s, "training_batch",
                                         [](const JsonView& v) { return list_integer(v, 1); });
    sw.prefetch_depth = list_of<int64_t>(*s, "prefetch_depth",
                                         [](const JsonView& v) { return list_integer(v, 0); });
    for (std::size_t i = 0; i < sc.tenants.size(); ++i) {
      for (int64_t c : sw.compute_nodes) {
        if (sc.tenants[i].compute_node >= c) {
          s->at("compute_nodes")
              .fail_here("tenant '" + sc.tenants[i].name + "' asks for compute node " +
                         std::to_string(sc.tenants[i].compute_node) +
                         " but a sweep value has only " + std::to_string(c));
        }
      }
    }
  }

  if (auto s = root.find("simulation")) {
    s->allow_keys(
        {"iterations", "warmup", "prefetch_depth", "chunks", "allow_extrapolation", "fetch"});
    sc.simulation.chunks = positive_integer(*s, "chunks", sc.simulation.chunks);
    sc.simulation.iterations = positive_integer(*s, "iterations", sc.simulation.iterations);
    sc.simulation.warmup = positive_integer(*s, "warmup", sc.simulation.warmup, -1);
    if (sc.simulation.warmup >= sc.simulation.iterations) {
      s->fail_at("warmup", std::to_string(sc.simulation.warmup) +
                               " warm-up iterations leave none of the " +
                               std::to_string(sc.simulation.iterations) + " simulated measured");
    }
    sc.simulation.prefetch_depth =
        positive_integer(*s, "prefetch_depth", sc.simulation.prefetch_depth, 0);
    sc.simulation.allow_extrapolation = s->boolean("allow_extrapolation", false);
    sc.simulation.fetch = s->string("fetch", sc.simulation.fetch);
    if (sc.simulation.fetch != "pipelined" && sc.simulation.fetch != "serial") {
      s->fail_at("fetch", "'" + sc.simulation.fetch + "' is not pipelined or serial");
    }
  }
  return sc;
}

Scenario load_scenario(const std::string& file) {
  JsonView root = load_json_file(file);
  std::string dir = std::filesystem::path(file).parent_path().string();
  if (dir.empty()) dir = ".";
  return scenario_from_json(root, dir);
}

Scenario embedded_quickstart() {
  // Relative paths in the quickstart (none by default) resolve against the current directory.
  return scenario_from_json(parse_json_text(embedded_quickstart_text(), "<embedded quickstart>"),
                            ".");
}

int64_t InterferenceParams::listed_batch_for(int64_t storage_batch) const {
  const double want = std::log2(static_cast<double>(std::max<int64_t>(1, storage_batch)));
  int64_t best = 0;
  double best_distance = 1e300;
  for (const auto& [b, f] : compute_slowdown_by_storage_batch) {
    // Ascending b: "<=" keeps the larger batch on a tie.
    const double d = std::abs(std::log2(static_cast<double>(b)) - want);
    if (d <= best_distance) best = b, best_distance = d;
  }
  return best;
}

double InterferenceParams::compute_slowdown_at(int64_t storage_batch) const {
  const int64_t b = listed_batch_for(storage_batch);
  return b > 0 ? compute_slowdown_by_storage_batch.at(b) : compute_slowdown;
}

bool InterferenceParams::any() const {
  if (storage_slowdown != 1.0) return true;
  if (compute_slowdown_by_storage_batch.empty()) return compute_slowdown != 1.0;
  for (const auto& [b, f] : compute_slowdown_by_storage_batch) {
    if (f != 1.0) return true;
  }
  return false;
}

}  // namespace tiersplit::sim
