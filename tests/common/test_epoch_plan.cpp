// test_epoch_plan.cpp: batches of an epoch as object ranges, shared by the trainer and the
// simulator.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "common/epoch_plan.hpp"

using namespace tiersplit;

namespace {

/// Every (object, sample) of the plan, checking that none repeats.
std::set<std::pair<std::size_t, int64_t>> samples_of(
    const std::vector<std::vector<ObjectRange>>& plan) {
  std::set<std::pair<std::size_t, int64_t>> seen;
  for (const auto& batch : plan) {
    for (const auto& r : batch) {
      for (int64_t i = r.first; i < r.first + r.count; ++i)
        CHECK(seen.insert({r.object, i}).second);
    }
  }
  return seen;
}

}  // namespace

TEST_CASE("epoch plan: every sample once, batches full but the last") {
  const std::vector<int64_t> layout = object_layout(420, 32);  // as `tiersplit dataset import`
  REQUIRE(layout.size() == 14);
  CHECK(layout.back() == 4);
  for (ObjectOrder order : {ObjectOrder::kStored, ObjectOrder::kShuffled}) {
    auto plan = plan_epoch(layout, 32, 7, order);
    REQUIRE(plan.size() == 14);  // ceil(420 / 32)
    for (std::size_t i = 0; i + 1 < plan.size(); ++i) {
      int64_t n = 0;
      for (const auto& r : plan[i]) n += r.count;
      CHECK(n == 32);
    }
    CHECK(samples_of(plan).size() == 420);
  }
}

TEST_CASE("epoch plan: stored order reads one object per batch when they align") {
  auto plan = plan_epoch(object_layout(420, 32), 32, 7, ObjectOrder::kStored);
  for (std::size_t i = 0; i < 13; ++i) {
    REQUIRE(plan[i].size() == 1);
    CHECK(plan[i][0].object == i);
  }
}

TEST_CASE("epoch plan: after a shuffled short object, batches straddle two objects") {
  const auto layout = object_layout(420, 32);
  std::map<std::size_t, int> seen_positions;  // where the short object landed, over seeds
  for (uint64_t seed = 0; seed < 40; ++seed) {
    auto plan = plan_epoch(layout, 32, epoch_order_seed(1, static_cast<int64_t>(seed)),
                           ObjectOrder::kShuffled);
    // The batch holding the short object 13 and every later one (but the last, short batch)
    // read two objects; those before it read one.
    std::size_t at = plan.size();
    for (std::size_t i = 0; i < plan.size() && at == plan.size(); ++i) {
      for (const auto& r : plan[i])
        if (r.object == 13) at = i;
    }
    REQUIRE(at < plan.size());
    ++seen_positions[at];
    for (std::size_t i = 0; i + 1 < plan.size(); ++i) CHECK(plan[i].size() == (i < at ? 1u : 2u));
  }
  CHECK(seen_positions.size() > 5);  // the order does change with the seed
}

TEST_CASE("epoch plan: the same seed gives the same order, another epoch another one") {
  const auto layout = object_layout(1000, 10);
  auto a = plan_epoch(layout, 64, epoch_order_seed(1, 0), ObjectOrder::kShuffled);
  auto b = plan_epoch(layout, 64, epoch_order_seed(1, 0), ObjectOrder::kShuffled);
  auto c = plan_epoch(layout, 64, epoch_order_seed(1, 1), ObjectOrder::kShuffled);
  auto first_objects = [](const std::vector<std::vector<ObjectRange>>& p) {
    std::vector<std::size_t> out;
    for (const auto& r : p[0]) out.push_back(r.object);
    return out;
  };
  CHECK(first_objects(a) == first_objects(b));
  CHECK(first_objects(a) != first_objects(c));
  CHECK(epoch_order_seed(1, 0) != epoch_order_seed(2, 0));
  CHECK_THROWS(plan_epoch(layout, 0, 1, ObjectOrder::kStored));
}
