// test_profile_format.cpp: profile JSON round trip, validation messages, time-model fits.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "common/error.hpp"
#include "profile_fixture.hpp"

using namespace tiersplit;
using namespace tiersplit::profiles;

namespace {
std::string error_of_json(nlohmann::json j) {
  try {
    profile_from_json(parse_json_text(j.dump(), "p.json"));
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("time model fit recovers an exact line and reports its error") {
  std::vector<TimingPoint> pts{{1, 0.003, 0, 5}, {2, 0.005, 0, 5}, {8, 0.017, 0, 5}};
  TimeFit f = fit_time_model(pts);
  CHECK(f.alpha_s == doctest::Approx(0.001));
  CHECK(f.beta_s_per_sample == doctest::Approx(0.002));
  CHECK(f.rel_rmse == doctest::Approx(0.0).epsilon(1e-9));
  // A single point is a pure per-sample cost.
  TimeFit one = fit_time_model({{4, 0.008, 0, 5}});
  CHECK(one.alpha_s == 0);
  CHECK(one.beta_s_per_sample == doctest::Approx(0.002));
  // Data that would give a negative fixed cost is fitted through the origin.
  TimeFit neg = fit_time_model({{1, 0.001, 0, 5}, {2, 0.004, 0, 5}, {4, 0.010, 0, 5}});
  CHECK(neg.alpha_s == 0);
  CHECK(neg.beta_s_per_sample > 0);
  CHECK(neg.rel_rmse > 0);
}

TEST_CASE("the time model interpolates measured points and extrapolates per sample") {
  // A cache cliff: 1 ms/sample up to batch 8, then 3 ms/sample.
  std::vector<TimingPoint> pts{{2, 0.002, 0, 5}, {8, 0.008, 0, 5}, {16, 0.048, 0, 5}};
  CHECK(interpolate_time(pts, 8) == doctest::Approx(0.008));
  CHECK(interpolate_time(pts, 12) == doctest::Approx(0.028));
  CHECK(interpolate_time(pts, 1) == doctest::Approx(0.001));
  CHECK(interpolate_time(pts, 64) == doctest::Approx(0.192));
  CHECK(interpolate_time({}, 4) == 0.0);
  // The single line cannot follow the cliff, and says so through its error.
  CHECK(fit_time_model(pts).rel_rmse > 0.1);
}

TEST_CASE("profile JSON round trip keeps every field") {
  Profile p = testing::toy_profile();
  std::string file = "test_profile_roundtrip.json";
  save_profile(file, p);
  Profile q = load_profile(file);
  std::remove(file.c_str());
  CHECK(to_json(q) == to_json(p));
  CHECK(q.num_blocks() == 3);
  CHECK(q.blocks[2].train.size() == 3);
  CHECK(q.blocks[0].train.empty());
  CHECK(q.split_bytes_per_sample(0) == 3 * 32 * 32 * 4);
  CHECK(q.split_bytes_per_sample(2) == 16384);
  CHECK(q.forward_time(0, 2, 4) == doctest::Approx(1e-4 + 8e-2 + 1e-5 + 4e-5));
  CHECK(q.train_time(2, 3, 2) == doctest::Approx(3 * (2e-5 + 2e-6)));
  CHECK(q.peak_activation_bytes(0, 2) == 131072);
}

TEST_CASE("bad profiles name the JSON field") {
  nlohmann::json good = to_json(testing::toy_profile());
  auto bad = good;
  bad["version"] = 7;
  CHECK(error_of_json(bad).find("p.json: /version: unsupported profile version 7") == 0);
  bad = good;
  bad["format"] = "something-else";
  CHECK(error_of_json(bad).find("p.json: /format:") == 0);
  bad = good;
  bad["blocks"][1].erase("forward");
  CHECK(error_of_json(bad) == "p.json: /blocks/1/forward: missing required field");
  bad = good;
  bad["blocks"][0]["forward"][1]["median_s"] = -1.0;
  CHECK(error_of_json(bad) == "p.json: /blocks/0/forward/1/median_s: time must not be negative");
  bad = good;
  bad["freeze_index"] = 9;
  CHECK(error_of_json(bad).find("p.json: /freeze_index: freeze index 9 is outside [0,3]") == 0);
  bad = good;
  bad["blocks"][2]["fowrard_fit"] = bad["blocks"][2]["forward_fit"];
  CHECK(error_of_json(bad).find("did you mean 'forward_fit'") != std::string::npos);
  bad = good;
  bad["batch_sizes"] = {4, 2};
  CHECK(error_of_json(bad).find("/batch_sizes/1") != std::string::npos);
}

TEST_CASE("a malformed profile file names the file and position") {
  std::string file = "test_profile_malformed.json";
  std::ofstream(file) << "{\"format\": \"tiersplit-profile\",\n \"version\": 1,,}";
  std::string msg;
  try {
    load_profile(file);
  } catch (const Error& e) {
    msg = e.what();
  }
  std::remove(file.c_str());
  CHECK(msg.find("test_profile_malformed.json:2:") == 0);
}
