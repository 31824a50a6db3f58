// test_link_calibration.cpp: the in-situ trainer-step measurement (part "compute-steps") without a
// server: one step per split, and the idle pause before each timed step that mimics a run's wait.
#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "real_exec/link_calibration.hpp"

using namespace tiersplit::real_exec;

TEST_CASE("calibration: trainer steps at every split, with an idle pause before each") {
  LinkCalibrationOptions o;
  o.server = "http://127.0.0.1:1";  // nothing answers: random images
  o.model = "mobilenet_v2";
  o.resolution = 32;
  o.batch = 2;
  o.num_classes = 3;
  o.step_repeats = 1;
  o.pause_s = 0.02;
  const auto t0 = std::chrono::steady_clock::now();
  const nlohmann::json m = measure_compute_steps(o);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int64_t f = m["freeze"].get<int64_t>();
  REQUIRE(m["splits"].size() == static_cast<std::size_t>(f + 1));
  for (const auto& sp : m["splits"]) {
    CHECK(sp["step_s"]["count"] == 1);
    CHECK(sp["step_s"]["median"].get<double>() > 0);
  }
  // The pause comes before every step, the untimed round included.
  CHECK(wall_s >= 2.0 * static_cast<double>(f + 1) * o.pause_s);
}
