// test_json_reader.cpp: JSON paths, unknown keys with suggestions, syntax errors with positions.
#include <doctest/doctest.h>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/strings.hpp"

using tiersplit::Dimension;
using tiersplit::JsonView;
using tiersplit::parse_json_text;

namespace {
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const tiersplit::Error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("errors name the file and the JSON path") {
  JsonView root = parse_json_text(R"({"platform": {"network": {"bandwidth": "1 Gbs"}}})", "s.json");
  JsonView net = root.at("platform").at("network");
  std::string e = error_of([&] { net.quantity("bandwidth", Dimension::kBandwidth); });
  CHECK(e.find("s.json: /platform/network/bandwidth: ") == 0);
  CHECK(e.find("unknown bandwidth unit") != std::string::npos);
  CHECK(error_of([&] { net.number("latency"); }) ==
        "s.json: /platform/network/latency: missing required field");
  CHECK(net.quantity("latency", Dimension::kDuration, 1e-3) == doctest::Approx(1e-3));
}

TEST_CASE("unknown keys get the closest valid name") {
  JsonView root = parse_json_text(R"({"bandwith": "1Gbps"})", "s.json");
  std::string e = error_of([&] { root.allow_keys({"bandwidth", "latency"}); });
  CHECK(e == "s.json: /bandwith: unknown field, did you mean 'bandwidth'?");
  JsonView other = parse_json_text(R"({"zzz": 1})", "s.json");
  CHECK(error_of([&] {
          other.allow_keys({"bandwidth", "latency"});
        }) == "s.json: /zzz: unknown field");
}

TEST_CASE("type errors and array elements") {
  JsonView root = parse_json_text(R"({"tenants": [{"batch": "big"}], "n": 1.5})", "w.json");
  CHECK(error_of([&] { root.at("tenants").at(0).integer("batch"); }) ==
        "w.json: /tenants/0/batch: expected an integer, found a string");
  CHECK(error_of([&] { root.integer("n"); }) == "w.json: /n: expected an integer, found a number");
  CHECK(error_of([&] { root.at("tenants").at(3); }).find("index 3 out of range") !=
        std::string::npos);
  CHECK(error_of([&] { root.quantity("n", Dimension::kBandwidth); }).find("has no unit") !=
        std::string::npos);
}

TEST_CASE("malformed JSON reports line and column") {
  std::string e = error_of([] { parse_json_text("{\n  \"a\": 1,\n  \"b\": }\n", "bad.json"); });
  CHECK(e.find("bad.json:3:") == 0);
  CHECK(e.find("malformed JSON") != std::string::npos);
  CHECK(error_of([] { tiersplit::load_json_file("/nonexistent/x.json"); }) ==
        "/nonexistent/x.json: cannot open file");
}

TEST_CASE("a number beyond double's range is malformed JSON, not an internal error (fuzzing)") {
  const std::string e = error_of([] { parse_json_text("{\"a\": 2.9e409606175}", "big.json"); });
  CHECK(e.find("big.json: malformed JSON") == 0);
  CHECK(e.find("number overflow") != std::string::npos);
}

TEST_CASE("closest-name suggestions and integer lists") {
  CHECK(tiersplit::closest_match("resnet5", {"resnet18", "resnet50", "vgg11"}) == "resnet50");
  CHECK(tiersplit::closest_match("xyz", {"resnet18", "resnet50"}).empty());
  CHECK(tiersplit::parse_int_list("1,2,4", "--batch") == std::vector<int64_t>{1, 2, 4});
  CHECK(error_of([] { tiersplit::parse_int_list("1,0", "--batch"); }) ==
        "--batch: 0 must be at least 1");
  CHECK(error_of([] { tiersplit::parse_int_list("1,,2", "--batch"); }).find("empty entry") !=
        std::string::npos);
  CHECK(error_of([] { tiersplit::parse_int_list("4x", "--batch"); }) ==
        "--batch: '4x' is not an integer");
}
