// link_shaping.cpp: tc netem or tbf on one device (see link_shaping.hpp).
#include "real_exec/link_shaping.hpp"

#include <algorithm>
#include <cstdint>

#include "common/error.hpp"
#include "common/subprocess.hpp"
#include "common/units.hpp"

namespace tiersplit::real_exec {

namespace {

std::string tc_rate(double bytes_per_s) {
  return std::to_string(static_cast<int64_t>(bytes_per_s * 8)) + "bit";
}

std::string tc_delay(double s) {
  return std::to_string(static_cast<int64_t>(s * 1e6)) + "us";
}

}  // namespace

void must_run(const std::vector<std::string>& argv) {
  CapturedOutput r = capture_process(argv);
  if (r.status != 0) fail("testbed: '", shell_line(argv), "' failed: ", r.output);
}

Shaping shape_device(const std::string& device, const std::string& netns, double bw, double delay,
                     bool try_netem) {
  auto qdisc = [&](const std::vector<std::string>& args) {
    std::vector<std::string> cmd;
    if (!netns.empty()) cmd = {"ip", "netns", "exec", netns};
    cmd.insert(cmd.end(), {"tc", "qdisc", "replace", "dev", device});
    cmd.insert(cmd.end(), args.begin(), args.end());
    return cmd;
  };
  Shaping out;
  if (try_netem && capture_process(qdisc({"root", "netem", "delay", tc_delay(delay), "rate",
                                          tc_rate(bw), "limit", "100000"}))
                           .status == 0) {
    out.shaper = "tc netem: " + format_bandwidth(bw) + ", " + format_duration(delay);
    return out;
  }
  // tbf: a burst of one timer tick of data (HZ = 250) but at least two full frames, so the link
  // behaves like a fluid one (a large burst lets the first tens of KB of every transfer through
  // at veth speed). The queue holds half a second of data and at least 1 MiB: with "latency
  // 200ms" it held 25 kB at 1 Mbit/s, and a 33 kB response sent at once by a grown congestion
  // window lost its tail and waited for a retransmission timeout (570 ms instead of 280 ms;
  // docs/validation.md, "Findings").
  const int64_t burst = std::max<int64_t>(2 * 1514, static_cast<int64_t>(bw / 250));
  const int64_t limit = std::max<int64_t>(int64_t{1} << 20, static_cast<int64_t>(bw / 2));
  must_run(qdisc({"root", "tbf", "rate", tc_rate(bw), "burst", std::to_string(burst), "limit",
                  std::to_string(limit)}));
  out.delay_by_pacer = delay > 0;
  out.shaper = "tc tbf: " + format_bandwidth(bw) + " (no netem in this kernel)";
  return out;
}

}  // namespace tiersplit::real_exec
