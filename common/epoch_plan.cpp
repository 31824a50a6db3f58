// epoch_plan.cpp: batches of an epoch as object ranges (see epoch_plan.hpp).
#include "common/epoch_plan.hpp"

#include <algorithm>
#include <atomic>
#include <numeric>
#include <random>

#include "common/error.hpp"
#include "common/shuffle.hpp"

namespace tiersplit {

std::string to_string(ObjectOrder order) {
  return order == ObjectOrder::kShuffled ? "shuffled" : "stored";
}

namespace {
std::atomic<int64_t> g_plans_computed{0};
}  // namespace

int64_t epoch_plans_computed() {
  return g_plans_computed.load();
}

uint64_t epoch_order_seed(uint64_t seed, int64_t epoch) {
  return seed * 1000003u + static_cast<uint64_t>(epoch);
}

std::vector<std::vector<ObjectRange>> plan_epoch(const std::vector<int64_t>& object_samples,
                                                 int64_t batch, uint64_t seed, ObjectOrder order) {
  if (batch < 1) fail("plan_epoch: batch ", batch, " must be at least 1");
  g_plans_computed.fetch_add(1);
  std::vector<std::size_t> visit(object_samples.size());
  std::iota(visit.begin(), visit.end(), 0);
  if (order == ObjectOrder::kShuffled) {
    std::mt19937_64 rng(seed);
    shuffle_in_place(visit, rng);
  }
  std::vector<std::vector<ObjectRange>> batches;
  std::vector<ObjectRange> current;
  int64_t filled = 0;
  for (std::size_t k : visit) {
    const int64_t n = object_samples[k];
    for (int64_t pos = 0; pos < n;) {
      const int64_t take = std::min(batch - filled, n - pos);
      current.push_back({k, pos, take});
      pos += take;
      filled += take;
      if (filled == batch) {
        batches.push_back(std::move(current));
        current.clear();
        filled = 0;
      }
    }
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}

std::vector<int64_t> object_layout(int64_t samples, int64_t per_object) {
  if (per_object < 1) fail("object_layout: ", per_object, " samples per object must be >= 1");
  std::vector<int64_t> out;
  for (int64_t first = 0; first < samples; first += per_object)
    out.push_back(std::min(per_object, samples - first));
  return out;
}

}  // namespace tiersplit
