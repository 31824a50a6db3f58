// bench_pushdown.cpp: pushdown server throughput vs a plain LibTorch forward of the same blocks
// (ResNet-18 at split f), and the trainer's per-iteration overhead beyond compute and transfer.
//   bench_pushdown [--resolution 64] [--batch 64] [--storage-batch 16] [--repeats 10]
//                  [--iterations 10] [--threads 1] [--json FILE] [--figures FILE]
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "bench/figures.hpp"
#include "common/heap.hpp"
#include "common/stopwatch.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/pushdown_server.hpp"
#include "real_exec/tensor_codec.hpp"
#include "real_exec/train_common.hpp"
#include "real_exec/trainer.hpp"

using namespace tiersplit::real_exec;
using Clock = tiersplit::SteadyClock;
using tiersplit::seconds_since;

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  tiersplit::keep_freed_memory();  // as the tiersplit executable (and so `tiersplit serve`) does
  int64_t resolution = 64, batch = 64, storage_batch = 16, repeats = 10, iterations = 10;
  int threads = 1;
  std::string json_out, figures_out;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--resolution")
      resolution = std::stoll(v);
    else if (k == "--batch")
      batch = std::stoll(v);
    else if (k == "--storage-batch")
      storage_batch = std::stoll(v);
    else if (k == "--repeats")
      repeats = std::stoll(v);
    else if (k == "--iterations")
      iterations = std::stoll(v);
    else if (k == "--threads")
      threads = std::stoi(v);
    else if (k == "--json")
      json_out = v;
    else if (k == "--figures")
      figures_out = v;
    else {
      std::cerr << "bench_pushdown: unknown option " << k << "\n";
      return 2;
    }
  }
  torch::set_num_threads(threads);
  auto dir =
      std::filesystem::temp_directory_path() / ("tiersplit-bench-" + std::to_string(getpid()));
  std::string store = "dir://" + (dir / "store").string();
  ImportOptions imp;
  imp.store = store;
  imp.resolution = resolution;
  imp.per_object = batch;
  imp.max_train_per_class = (batch * (iterations + 2) + 4) / 5;
  imp.max_test_per_class = 1;
  auto manifest = import_fashion_mnist(imp);
  auto objects = split_objects(manifest, "target-train");

  ServerOptions so;
  so.store = store;
  so.listen = "127.0.0.1:0";
  so.threads = threads;
  PushdownServer server(so);
  int port = server.start();
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  PushdownClient client(url);

  auto model = make_model({"resnet18", 5, resolution, "random:1", ""});
  model->eval();
  const int64_t f = model->default_freeze();

  // 1. Plain LibTorch forward of blocks [0, f) over one batch, in mini-batches of b.
  PushdownRequest raw_req;
  raw_req.model = "resnet18";
  raw_req.num_classes = 5;
  raw_req.resolution = resolution;
  raw_req.split = 0;
  raw_req.storage_batch = storage_batch;
  raw_req.segments = {{objects[0].name, 0, batch}};
  auto x = normalise_images(to_torch(client.pushdown(raw_req).tensors.at("features")));
  std::vector<double> plain;
  {
    torch::NoGradGuard no_grad;
    for (int64_t r = 0; r < repeats + 1; ++r) {
      auto t0 = Clock::now();
      for (int64_t first = 0; first < batch; first += storage_batch) {
        model->forward_range(x.narrow(0, first, std::min(storage_batch, batch - first)), 0, f);
      }
      if (r > 0) plain.push_back(seconds_since(t0));  // first run warms up
    }
  }
  // 2. The same blocks through the server (read, decode, compute, serialise, loopback transfer).
  PushdownRequest req = raw_req;
  req.split = f;
  std::vector<double> served, server_compute, server_total, read, decode, ser;
  int64_t bytes = 0;
  for (int64_t r = 0; r < repeats + 1; ++r) {
    auto t0 = Clock::now();
    auto reply = client.pushdown(req);
    double wall = seconds_since(t0);
    if (r == 0) continue;
    served.push_back(wall);
    server_compute.push_back(reply.timings.compute_s);
    server_total.push_back(reply.timings.server_s);
    read.push_back(reply.timings.read_s);
    decode.push_back(reply.timings.decode_s);
    ser.push_back(reply.timings.serialize_s);
    bytes = reply.timings.bytes;
  }
  // 3. The trainer at split f: per-iteration overhead beyond compute and waiting for data.
  TrainOptions t;
  t.server = url;
  t.model = "resnet18";
  t.split = f;
  t.batch = batch;
  t.storage_batch = storage_batch;
  t.max_iterations = iterations;
  t.eval_samples = -1;
  t.threads = threads;
  auto report = run_training(t);
  const auto& s = report["summary"];
  TrainOptions t0 = t;
  t0.prefetch = 0;
  auto report0 = run_training(t0);
  double seq_over = 0;
  for (const auto& it : report0["iterations"]) {
    seq_over +=
        it["total_s"].get<double>() - it["compute_s"].get<double>() - it["fetch_s"].get<double>();
  }
  seq_over /= static_cast<double>(report0["iterations"].size());
  server.stop();
  std::filesystem::remove_all(dir);

  double p = median(plain), w = median(served);
  nlohmann::json out = {{"model", "resnet18"},
                        {"resolution", resolution},
                        {"split", f},
                        {"batch", batch},
                        {"storage_batch", storage_batch},
                        {"threads", threads},
                        {"response_bytes", bytes},
                        {"plain_forward_s", p},
                        {"plain_samples_per_s", batch / p},
                        {"pushdown_wall_s", w},
                        {"pushdown_samples_per_s", batch / w},
                        {"server_compute_s", median(server_compute)},
                        {"server_total_s", median(server_total)},
                        {"server_read_s", median(read)},
                        {"server_decode_s", median(decode)},
                        {"server_serialize_s", median(ser)},
                        {"pushdown_over_forward", w / p},
                        {"trainer_prefetch1",
                         {{"mean_total_s", s["mean_total_s"]},
                          {"mean_compute_s", s["mean_compute_s"]},
                          {"mean_storage_wait_s", s["mean_storage_wait_s"]},
                          {"mean_overhead_s", s["mean_overhead_s"]}}},
                        {"trainer_prefetch0_overhead_beyond_compute_and_fetch_s", seq_over}};
  std::printf(
      "ResNet-18 at %lldx%lld, split f=%lld, batch %lld, storage batch %lld, %d thread(s)\n",
      (long long)resolution, (long long)resolution, (long long)f, (long long)batch,
      (long long)storage_batch, threads);
  std::printf("  plain LibTorch forward of blocks [0,f): %8.1f samples/s (%.2f ms per batch)\n",
              batch / p, p * 1e3);
  std::printf(
      "  pushdown server, loopback:              %8.1f samples/s (%.2f ms: compute %.2f, read "
      "%.2f, "
      "decode %.2f, serialise %.2f, rest %.2f)\n",
      batch / w, w * 1e3, median(server_compute) * 1e3, median(read) * 1e3, median(decode) * 1e3,
      median(ser) * 1e3, (w - median(server_total)) * 1e3);
  std::printf("  pushdown / forward time:                %8.3f\n", w / p);
  std::printf(
      "  trainer (prefetch 1): %.2f ms/iteration, compute %.2f, storage wait %.2f, overhead %.3f "
      "ms\n",
      s["mean_total_s"].get<double>() * 1e3, s["mean_compute_s"].get<double>() * 1e3,
      s["mean_storage_wait_s"].get<double>() * 1e3, s["mean_overhead_s"].get<double>() * 1e3);
  std::printf("  trainer (prefetch 0): overhead beyond compute and fetch %.3f ms/iteration\n",
              seq_over * 1e3);
  if (!json_out.empty()) std::ofstream(json_out) << out.dump(2) << "\n";
  if (!figures_out.empty()) {
    tiersplit::bench::write_figures(
        figures_out, "bench_pushdown",
        {{"pushdown.resnet18.samples_per_s", batch / w, "samples/s", false},
         {"pushdown.resnet18.over_forward", w / p, "x", true},
         {"pushdown.resnet18.trainer_iteration_s", s["mean_total_s"].get<double>(), "s", true}});
  }
  return 0;
}
