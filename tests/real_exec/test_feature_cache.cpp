// test_feature_cache.cpp: cached extraction keeps a task's pieces, in memory or on the disk, reads
// them back unchanged, forgets a finished task and leaves no folder behind.
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest (glog's CHECK macros)

#include <filesystem>

#include "common/error.hpp"
#include "real_exec/groups/feature_cache.hpp"

using namespace tiersplit::real_exec::groups;
namespace fs = std::filesystem;

namespace {

Piece piece_of(int64_t n, float value) {
  return {torch::full({n, 8}, value), torch::arange(n), torch::arange(100, 100 + n)};
}

void check_same(const Piece& a, const Piece& b) {
  REQUIRE(b.x.defined());
  CHECK(torch::equal(a.x, b.x));
  CHECK(torch::equal(a.y, b.y));
  CHECK(torch::equal(a.ids, b.ids));
}

}  // namespace

TEST_CASE("the feature cache gives back every kept piece, in memory and on the disk") {
  const fs::path dir = fs::temp_directory_path() / "tiersplit-test-feature-cache";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (bool on_disk : {false, true}) {
    CAPTURE(on_disk);
    {
      FeatureCache cache(on_disk, dir.string(), 3);
      cache.keep(7, 0, piece_of(4, 1.5f));
      cache.keep(7, 1, Piece{});  // a step with no samples on this worker
      cache.keep(8, 0, piece_of(2, -2.0f));
      CHECK(cache.bytes() == (4 + 2) * 8 * 4);  // float features only
      check_same(piece_of(4, 1.5f), cache.get(7, 0));
      CHECK_FALSE(cache.get(7, 1).x.defined());
      check_same(piece_of(2, -2.0f), cache.get(8, 0));
      CHECK(fs::is_empty(dir) != on_disk);  // files only for the disk
      cache.drop(7);
      CHECK_THROWS_AS(cache.get(7, on_disk ? 1 : 0), tiersplit::Error);
      check_same(piece_of(2, -2.0f), cache.get(8, 0));  // another task's pieces stay
      CHECK(cache.bytes() == (4 + 2) * 8 * 4);          // the report's size counts every task
    }
    CHECK(fs::is_empty(dir));  // the cache's folder goes with it
  }
  fs::remove_all(dir);
}
