// trace.hpp: the simulated timeline as Chrome trace events (JSON), one track per storage node, link and compute node.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tiersplit::sim {

/// Collects intervals on named tracks and writes them as Chrome trace events (open in
/// https://ui.perfetto.dev). Overlapping intervals on one track (tenants sharing a node, flows
/// sharing a link) go to separate lanes of that track.
class TraceRecorder {
 public:
  /// `track` such as "storage-0", "link storage-0", "compute-0"; times in seconds.
  void add(const std::string& track, const std::string& name, double start_s, double end_s,
           nlohmann::json args = nlohmann::json::object());
  std::size_t size() const { return events_.size(); }
  /// The trace as {"traceEvents": [...], "displayTimeUnit": "ms"}.
  nlohmann::json to_json() const;
  void write(const std::string& file) const;

 private:
  struct Event {
    std::string track, name;
    double start_s, end_s;
    nlohmann::json args;
  };
  std::vector<Event> events_;
};

}  // namespace tiersplit::sim
