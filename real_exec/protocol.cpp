// protocol.cpp: strict parsing of pushdown requests.
#include "real_exec/protocol.hpp"

#include <csignal>
#include <mutex>

#include "common/error.hpp"

namespace tiersplit::real_exec {

void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

nlohmann::json to_json(const PushdownRequest& r) {
  nlohmann::json segs = nlohmann::json::array();
  for (const auto& s : r.segments) {
    segs.push_back({{"object", s.object}, {"first", s.first}, {"count", s.count}});
  }
  return {{"tenant", r.tenant},
          {"model", r.model},
          {"weights", r.weights},
          {"num_classes", r.num_classes},
          {"resolution", r.resolution},
          {"split", r.split},
          {"freeze", r.freeze},
          {"storage_batch", r.storage_batch},
          {"segments", segs}};
}

namespace {

int64_t get_int(const nlohmann::json& j, const char* key, int64_t fallback, bool required) {
  if (!j.contains(key)) {
    if (required) fail("request: missing field '", key, "'");
    return fallback;
  }
  if (!j.at(key).is_number_integer()) fail("request: field '", key, "' must be an integer");
  return j.at(key).get<int64_t>();
}

std::string get_string(const nlohmann::json& j, const char* key, const std::string& fallback,
                       bool required) {
  if (!j.contains(key)) {
    if (required) fail("request: missing field '", key, "'");
    return fallback;
  }
  if (!j.at(key).is_string()) fail("request: field '", key, "' must be a string");
  return j.at(key).get<std::string>();
}

}  // namespace

PushdownRequest parse_pushdown_request(const std::string& body) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    fail("request body is not JSON (", e.what(), ")");
  }
  if (!j.is_object()) fail("request body must be a JSON object");
  static const char* known[] = {"tenant", "model",  "weights",       "num_classes", "resolution",
                                "split",  "freeze", "storage_batch", "segments"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) fail("request: unknown field '", it.key(), "'");
  }
  PushdownRequest r;
  r.tenant = get_string(j, "tenant", r.tenant, false);
  r.model = get_string(j, "model", "", true);
  r.weights = get_string(j, "weights", r.weights, false);
  r.num_classes = get_int(j, "num_classes", r.num_classes, false);
  r.resolution = get_int(j, "resolution", r.resolution, false);
  r.split = get_int(j, "split", 0, true);
  r.freeze = get_int(j, "freeze", r.freeze, false);
  r.storage_batch = get_int(j, "storage_batch", r.storage_batch, false);
  if (!j.contains("segments") || !j.at("segments").is_array() || j.at("segments").empty()) {
    fail("request: 'segments' must be a non-empty array");
  }
  for (const auto& s : j.at("segments")) {
    if (!s.is_object()) fail("request: each segment must be an object");
    Segment seg;
    seg.object = get_string(s, "object", "", true);
    seg.first = get_int(s, "first", 0, false);
    seg.count = get_int(s, "count", -1, false);
    if (seg.first < 0 || seg.count < -1)
      fail("request: segment of '", seg.object, "' has a negative range");
    r.segments.push_back(std::move(seg));
  }
  if (r.num_classes < 1) fail("request: num_classes ", r.num_classes, " must be >= 1");
  if (r.split < 0) fail("request: split ", r.split, " must be >= 0");
  if (r.storage_batch < 1 || r.storage_batch > 65536) {
    fail("request: storage_batch ", r.storage_batch, " must be in 1..65536");
  }
  return r;
}

}  // namespace tiersplit::real_exec
