// sweep.cpp: cross product of sweep axes; shards.
#include "sim/sweep.hpp"

#include <functional>
#include <regex>

#include "common/error.hpp"
#include "common/units.hpp"

namespace tiersplit::sim {

std::size_t sweep_size(const SweepParams& sw) {
  auto n = [](std::size_t k) { return k == 0 ? std::size_t{1} : k; };
  return n(sw.bandwidth.size()) * n(sw.latency_s.size()) * n(sw.storage_nodes.size()) *
         n(sw.compute_nodes.size()) * n(sw.tenant_count.size()) * n(sw.training_batch.size()) *
         n(sw.prefetch_depth.size());
}

std::vector<SweepPoint> expand_sweep(const Scenario& sc) {
  const SweepParams& sw = sc.sweep;
  // Each axis: how many values (at least 1) and how to apply value i to a point.
  struct Axis {
    std::size_t size;
    std::function<void(SweepPoint&, std::size_t)> apply;
  };
  std::vector<Axis> axes;
  if (!sw.bandwidth.empty()) {
    axes.push_back({sw.bandwidth.size(), [&](SweepPoint& p, std::size_t i) {
                      p.platform.network.bandwidth = sw.bandwidth[i];
                      p.labels.emplace_back("bandwidth", format_bandwidth(sw.bandwidth[i]));
                    }});
  }
  if (!sw.latency_s.empty()) {
    axes.push_back({sw.latency_s.size(), [&](SweepPoint& p, std::size_t i) {
                      p.platform.network.latency_s = sw.latency_s[i];
                      p.labels.emplace_back("latency", format_duration(sw.latency_s[i]));
                    }});
  }
  if (!sw.storage_nodes.empty()) {
    axes.push_back({sw.storage_nodes.size(), [&](SweepPoint& p, std::size_t i) {
                      p.platform.storage.nodes = sw.storage_nodes[i];
                      p.labels.emplace_back("storage_nodes", std::to_string(sw.storage_nodes[i]));
                    }});
  }
  if (!sw.compute_nodes.empty()) {
    axes.push_back({sw.compute_nodes.size(), [&](SweepPoint& p, std::size_t i) {
                      p.platform.compute.nodes = sw.compute_nodes[i];
                      p.labels.emplace_back("compute_nodes", std::to_string(sw.compute_nodes[i]));
                    }});
  }
  if (!sw.tenant_count.empty()) {
    axes.push_back({sw.tenant_count.size(), [&](SweepPoint& p, std::size_t i) {
                      int64_t k = sw.tenant_count[i];
                      std::vector<TenantParams> out;
                      for (int64_t j = 0; j < k; ++j) {
                        TenantParams t = sc.tenants[static_cast<std::size_t>(j) % sc.tenants.size()];
                        int64_t copy = j / static_cast<int64_t>(sc.tenants.size());
                        if (copy > 0) t.name += "#" + std::to_string(copy + 1);
                        out.push_back(t);
                      }
                      p.tenants = out;
                      p.labels.emplace_back("tenant_count", std::to_string(k));
                    }});
  }
  if (!sw.training_batch.empty()) {
    axes.push_back({sw.training_batch.size(), [&](SweepPoint& p, std::size_t i) {
                      for (auto& t : p.tenants) {
                        t.batch_size = sw.training_batch[i];
                        if (t.storage_batch > t.batch_size) t.storage_batch = t.batch_size;
                      }
                      p.labels.emplace_back("training_batch", std::to_string(sw.training_batch[i]));
                    }});
  }
  if (!sw.prefetch_depth.empty()) {
    axes.push_back({sw.prefetch_depth.size(), [&](SweepPoint& p, std::size_t i) {
                      p.prefetch_depth = sw.prefetch_depth[i];
                      p.labels.emplace_back("prefetch_depth", std::to_string(sw.prefetch_depth[i]));
                    }});
  }

  std::size_t total = sweep_size(sw);
  std::vector<SweepPoint> points;
  points.reserve(total);
  for (std::size_t n = 0; n < total; ++n) {
    SweepPoint p;
    p.index = n;
    p.platform = sc.platform;
    p.tenants = sc.tenants;
    p.prefetch_depth = sc.simulation.prefetch_depth;
    // Mixed-radix digits of n, the first axis varying slowest. tenant_count is applied before
    // training_batch because the axes are applied in declaration order.
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

Shard parse_shard(const std::string& text) {
  static const std::regex re(R"(^\s*([0-9]+)\s*/\s*([0-9]+)\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) fail("--shard '", text, "': expected i/n, e.g. 3/8");
  Shard s;
  try {
    s.index = std::stoll(m[1].str());
    s.count = std::stoll(m[2].str());
  } catch (const std::exception&) {
    fail("--shard '", text, "': number out of range");
  }
  if (s.count < 1 || s.index < 1 || s.index > s.count) {
    fail("--shard '", text, "': shard ", s.index, " of ", s.count,
         " does not exist (need 1 <= i <= n)");
  }
  return s;
}

std::string to_string(const Shard& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

}  // namespace tiersplit::sim
