// placement.cpp: wrap-around, balanced and longest-first placement (see placement.hpp).
#include "groups/placement.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tiersplit::groups {

namespace {

/// Group indices by size, largest first (ties: lower index first).
std::vector<std::size_t> largest_first(const std::vector<int64_t>& sizes) {
  std::vector<std::size_t> order(sizes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });
  return order;
}

/// Marks the parts of each group with their holders (owner first, in placement order).
void number_holders(Placement2D& p) {
  std::vector<std::vector<int>> holders;
  for (std::size_t w = 0; w < p.size(); ++w) {
    for (const Share& s : p[w]) {
      const auto g = static_cast<std::size_t>(s.group);
      if (holders.size() <= g) holders.resize(g + 1);
      holders[g].push_back(static_cast<int>(w));
    }
  }
  for (auto& worker : p) {
    for (Share& s : worker) {
      const auto& h = holders[static_cast<std::size_t>(s.group)];
      s.workers = h;
      s.holders = static_cast<int>(h.size());
    }
  }
  // The holder index follows the order of `workers` (a worker holds one part of a group).
  for (std::size_t w = 0; w < p.size(); ++w) {
    for (Share& s : p[w]) {
      s.holder = static_cast<int>(
          std::find(s.workers.begin(), s.workers.end(), static_cast<int>(w)) - s.workers.begin());
    }
  }
}

}  // namespace

namespace {

/// Group g's part of `samples` (holders numbered later by number_holders).
Share part_of(std::size_t g, int64_t samples) {
  Share s;
  s.group = static_cast<int64_t>(g);
  s.samples = samples;
  return s;
}

}  // namespace

Placement2D wrap_around(const std::vector<int64_t>& sizes, int64_t workers) {
  const int64_t n = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  const auto P = static_cast<std::size_t>(workers);
  std::vector<int64_t> cap(P, n / workers);
  for (std::size_t w = 0; w < static_cast<std::size_t>(n % workers); ++w) cap[w] += 1;
  Placement2D out(P);
  std::vector<int64_t> filled(P, 0);
  std::size_t w = 0;
  const double share = static_cast<double>(n) / static_cast<double>(workers);
  for (std::size_t g : largest_first(sizes)) {
    int64_t left = sizes[g];
    if (static_cast<double>(left) > share) {  // sharded over consecutive workers
      while (left > 0) {
        const int64_t room = cap[w] - filled[w];
        const int64_t take = w + 1 == P ? left : std::min(left, room);
        if (take > 0) {
          out[w].push_back(part_of(g, take));
          filled[w] += take;
          left -= take;
        }
        if (left > 0 && w + 1 < P) ++w;
      }
      if (filled[w] >= cap[w] && w + 1 < P) ++w;
      continue;
    }
    while (w + 1 < P && filled[w] + left > cap[w]) ++w;  // whole, where it fits
    out[w].push_back(part_of(g, left));
    filled[w] += left;
  }
  number_holders(out);
  return out;
}

Placement2D balanced(const std::vector<int64_t>& sizes, int64_t workers) {
  const int64_t n = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  const auto P = static_cast<std::size_t>(workers);
  const double share = static_cast<double>(n) / static_cast<double>(workers);
  Placement2D out(P);
  std::vector<int64_t> load(P, 0);
  auto least_loaded = [&](const std::vector<bool>& taken) {
    std::size_t best = P;
    for (std::size_t w = 0; w < P; ++w) {
      if (taken[w]) continue;
      if (best == P || load[w] < load[best]) best = w;
    }
    return best;
  };
  const std::vector<std::size_t> order = largest_first(sizes);
  for (std::size_t g : order) {
    if (static_cast<double>(sizes[g]) <= share) continue;
    const auto k = std::min<int64_t>(
        workers, static_cast<int64_t>(std::ceil(static_cast<double>(sizes[g]) / share)));
    std::vector<bool> taken(P, false);
    for (int64_t part = 0; part < k; ++part) {
      const std::size_t w = least_loaded(taken);
      taken[w] = true;
      const int64_t samples = sizes[g] / k + (part < sizes[g] % k ? 1 : 0);
      out[w].push_back(part_of(g, samples));
      load[w] += samples;
    }
  }
  for (std::size_t g : order) {
    if (static_cast<double>(sizes[g]) > share) continue;
    const std::size_t w = least_loaded(std::vector<bool>(P, false));
    out[w].push_back(part_of(g, sizes[g]));
    load[w] += sizes[g];
  }
  number_holders(out);
  return out;
}

std::vector<std::vector<std::size_t>> longest_first(const std::vector<double>& weights,
                                                    int64_t workers) {
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return weights[a] > weights[b]; });
  std::vector<std::vector<std::size_t>> out(static_cast<std::size_t>(workers));
  std::vector<double> load(out.size(), 0.0);
  for (std::size_t t : order) {
    const std::size_t w =
        static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    out[w].push_back(t);
    load[w] += weights[t];
  }
  return out;
}

}  // namespace tiersplit::groups
