// server_load.cpp: the pushdown server under concurrent streams (see server_load.hpp).
#include "real_exec/server_load.hpp"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/stopwatch.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/tensor_codec.hpp"

namespace tiersplit::real_exec {

namespace {

/// What the streams measured, summed.
struct LoadSums {
  int64_t requests = 0, samples = 0, objects = 0;
  double block_s = 0, block_cpu_s = 0;
};

/// Request k of a stream: the second half of object k, the first half of object k + 1 (B in all,
/// or what the objects hold).
PushdownRequest straddling_request(const LinkCalibrationOptions& o,
                                   const std::vector<ObjectRef>& objects, std::size_t k,
                                   int64_t split) {
  const ObjectRef& a = objects[k % objects.size()];
  const ObjectRef& b = objects[(k + 1) % objects.size()];
  const int64_t from_a = std::min(a.samples, o.batch / 2);
  const int64_t from_b = std::min(b.samples, o.batch - from_a);
  PushdownRequest q;
  q.tenant = "calibration-load";
  q.model = o.model;
  q.num_classes = o.num_classes;
  q.resolution = o.resolution;
  q.split = split;
  q.storage_batch = o.storage_batches.front();
  q.segments = {{a.name, a.samples - from_a, from_a}, {b.name, 0, from_b}};
  return q;
}

}  // namespace

nlohmann::json measure_server_load(const LinkCalibrationOptions& o) {
  if (o.load_streams < 1) fail("calibration: --streams must be >= 1");
  if (o.storage_batches.empty()) fail("calibration: server-load needs a storage batch");
  PushdownClient probe(o.server, o.token, RetryPolicy{0.05, 1.0, 20.0});
  const auto objects = split_objects(probe.manifest(o.dataset), o.split_name);
  if (objects.size() < 2)
    fail("calibration: split ", o.split_name, " of ", o.dataset, " has fewer than 2 objects");
  ModelSpec spec;
  spec.model = o.model;
  spec.num_classes = o.num_classes;
  spec.resolution = o.resolution;
  const int64_t f = make_model(spec)->default_freeze();
  // One untimed request first: the server builds the model and fills its pools.
  probe.pushdown(straddling_request(o, objects, 0, f));
  LoadSums total;
  std::mutex m;
  std::string error;
  const auto start = SteadyClock::now();
  std::vector<std::thread> streams;
  for (int t = 0; t < o.load_streams; ++t) {
    streams.emplace_back([&, t] {
      try {
        PushdownClient client(o.server, o.token, RetryPolicy{0.05, 1.0, 20.0});
        LoadSums mine;
        for (std::size_t k = static_cast<std::size_t>(t) * 7;
             mine.requests < o.server_repeats || seconds_since(start) < o.load_duration_s; ++k) {
          const PushdownRequest q = straddling_request(o, objects, k, f);
          const PushdownReply r = client.pushdown(q);
          ++mine.requests;
          for (const auto& s : q.segments) mine.samples += s.count;
          mine.objects += static_cast<int64_t>(q.segments.size());
          mine.block_s += r.timings.compute_s;
          mine.block_cpu_s += r.timings.compute_cpu_s;
        }
        std::lock_guard<std::mutex> lock(m);
        total.requests += mine.requests, total.samples += mine.samples;
        total.objects += mine.objects;
        total.block_s += mine.block_s, total.block_cpu_s += mine.block_cpu_s;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(m);
        error = e.what();
      }
    });
  }
  for (auto& s : streams) s.join();
  if (!error.empty()) fail("calibration (server under load): ", error);
  if (total.block_cpu_s <= 0)
    fail("calibration: the server at ", o.server,
         " sends no blocks' CPU time (X-Tiersplit-Compute-Cpu-Ms); is it this build's serve?");
  const auto n = static_cast<double>(total.samples);
  return {{"streams", o.load_streams},
          {"split", f},
          {"storage_batch", o.storage_batches.front()},
          {"requests", total.requests},
          {"samples", total.samples},
          {"objects", total.objects},
          {"elapsed_s", seconds_since(start)},
          {"block_s", total.block_s},
          {"block_cpu_s", total.block_cpu_s},
          {"block_s_per_sample", total.block_s / n},
          {"block_cpu_s_per_sample", total.block_cpu_s / n},
          {"preempted_s_per_object",
           std::max(0.0, total.block_s - total.block_cpu_s) / static_cast<double>(total.objects)}};
}

}  // namespace tiersplit::real_exec
