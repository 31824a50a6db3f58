// epoch_schedule.cpp: epochs cut once per data set and batch, per-node shares and iteration mixes.
#include "sim/epoch_schedule.hpp"

#include <algorithm>
#include <tuple>

#include "common/error.hpp"

namespace tiersplit::sim {

namespace {

/// Object ranges kept in memory at most (about 24 bytes each): a data set of a million
/// one-sample objects keeps two epochs, a small one every epoch it has run.
constexpr int64_t kMaxRangesKept = 4'000'000;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

EpochSchedule::EpochSchedule(int64_t samples, int64_t samples_per_object, int64_t batch,
                             uint64_t seed, ObjectOrder order)
    : layout_(object_layout(samples, samples_per_object)),
      batch_(batch),
      seed_(seed),
      order_(order),
      iterations_per_epoch_(std::max<int64_t>(1, ceil_div(samples, std::max<int64_t>(1, batch)))),
      objects_(static_cast<int64_t>(layout_.size())) {
  if (batch < 1) fail("epoch schedule: training batch ", batch, " must be at least 1");
}

const EpochSchedule::Batches& EpochSchedule::epoch(int64_t e) const {
  auto it = epochs_.find(e);
  if (it != epochs_.end()) return *it->second;
  auto cut = std::make_shared<const Batches>(
      plan_epoch(layout_, batch_, epoch_order_seed(seed_, e), order_));
  // Keep what fits the budget, dropping the oldest epochs first (never the one asked for).
  const int64_t per_epoch = std::max<int64_t>(objects_, iterations_per_epoch_);
  while (!epochs_.empty() &&
         static_cast<int64_t>(epochs_.size() + 1) * per_epoch > kMaxRangesKept) {
    epochs_.erase(epochs_.begin());
  }
  return *epochs_.emplace(e, std::move(cut)).first->second;
}

std::vector<NodeShare> EpochSchedule::shares(int64_t it, int64_t nodes) const {
  std::vector<NodeShare> out(static_cast<std::size_t>(nodes));
  const Batches& batches = epoch(it / iterations_per_epoch_);
  if (batches.empty()) return out;
  const auto& batch =
      batches[static_cast<std::size_t>(it % iterations_per_epoch_) % batches.size()];
  for (const ObjectRange& r : batch) {
    NodeShare& s = out[r.object % static_cast<std::size_t>(nodes)];
    s.samples += r.count;
    s.objects += 1;
  }
  return out;
}

const std::vector<IterationPattern>& EpochSchedule::mix(int64_t nodes, int64_t count) const {
  const int64_t n = std::max<int64_t>(1, std::min(count, iterations_per_epoch_));
  auto key = std::make_pair(nodes, n);
  auto found = mixes_.find(key);
  if (found != mixes_.end()) return found->second;
  std::vector<IterationPattern> patterns;
  std::map<std::vector<NodeShare>, std::size_t> index;
  for (int64_t it = 0; it < n; ++it) {
    std::vector<NodeShare> s = shares(it, nodes);
    auto [pos, fresh] = index.emplace(s, patterns.size());
    if (fresh) patterns.push_back({std::move(s), 0});
    patterns[pos->second].count += 1;
  }
  return mixes_.emplace(key, std::move(patterns)).first->second;
}

std::shared_ptr<const EpochSchedule> epoch_schedule(int64_t samples, int64_t samples_per_object,
                                                    int64_t batch, uint64_t seed,
                                                    ObjectOrder order) {
  using Key = std::tuple<int64_t, int64_t, int64_t, uint64_t, int>;
  static std::map<Key, std::weak_ptr<const EpochSchedule>> shared;
  const Key key{samples, samples_per_object, batch, seed, static_cast<int>(order)};
  if (auto it = shared.find(key); it != shared.end()) {
    if (auto held = it->second.lock()) return held;
  }
  auto made =
      std::make_shared<const EpochSchedule>(samples, samples_per_object, batch, seed, order);
  shared[key] = made;
  return made;
}

}  // namespace tiersplit::sim
