// trace.cpp: Chrome trace event output with greedy lane assignment per track.
#include "sim/trace.hpp"

#include <algorithm>
#include <map>

#include "common/json_reader.hpp"

namespace tiersplit::sim {

void TraceRecorder::add(const std::string& track, const std::string& name, double start_s, double end_s,
                        nlohmann::json args) {
  events_.push_back({track, name, start_s, std::max(start_s, end_s), std::move(args)});
}

nlohmann::json TraceRecorder::to_json() const {
  using nlohmann::json;
  // Tracks in order of first appearance sorted by kind: storage, links, compute.
  std::vector<std::string> tracks;
  for (const auto& e : events_) {
    if (std::find(tracks.begin(), tracks.end(), e.track) == tracks.end()) tracks.push_back(e.track);
  }
  auto rank = [](const std::string& t) {
    if (t.rfind("storage", 0) == 0) return 0;
    if (t.rfind("link", 0) == 0) return 1;
    return 2;
  };
  std::stable_sort(tracks.begin(), tracks.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  std::map<std::string, int> pid;
  for (std::size_t i = 0; i < tracks.size(); ++i) pid[tracks[i]] = static_cast<int>(i) + 1;

  // Events per track sorted by start; each goes to the first lane free at its start.
  std::vector<std::size_t> order(events_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return events_[a].start_s < events_[b].start_s;
  });
  std::map<std::string, std::vector<double>> lane_free;  // per track: end of the last event per lane
  json out = json::array();
  std::map<std::string, int> lanes_used;
  for (std::size_t idx : order) {
    const Event& e = events_[idx];
    auto& lanes = lane_free[e.track];
    std::size_t lane = 0;
    while (lane < lanes.size() && lanes[lane] > e.start_s + 1e-12) ++lane;
    if (lane == lanes.size()) lanes.push_back(0);
    lanes[lane] = e.end_s;
    json ev = {{"name", e.name},
               {"ph", "X"},
               {"ts", e.start_s * 1e6},
               {"dur", (e.end_s - e.start_s) * 1e6},
               {"pid", pid[e.track]},
               {"tid", static_cast<int>(lane) + 1}};
    if (!e.args.empty()) ev["args"] = e.args;
    out.push_back(std::move(ev));
  }
  for (const auto& t : tracks) {
    out.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", pid[t]}, {"args", {{"name", t}}}});
    out.push_back({{"name", "process_sort_index"}, {"ph", "M"}, {"pid", pid[t]}, {"args", {{"sort_index", pid[t]}}}});
    std::size_t n = lane_free[t].size();
    for (std::size_t l = 0; l < n; ++l) {
      out.push_back({{"name", "thread_name"},
                     {"ph", "M"},
                     {"pid", pid[t]},
                     {"tid", static_cast<int>(l) + 1},
                     {"args", {{"name", "lane " + std::to_string(l + 1)}}}});
    }
  }
  return {{"traceEvents", out}, {"displayTimeUnit", "ms"}};
}

void TraceRecorder::write(const std::string& file) const { write_json_file(file, to_json()); }

}  // namespace tiersplit::sim
