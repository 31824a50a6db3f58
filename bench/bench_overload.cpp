// bench_overload.cpp: a running pushdown server under overload — many trainers at once, whose
// requests together need several times its memory budget, and bad requests among them. Measures
// the unloaded and loaded rates, 503s, sample accounting per trainer and the server's peak RSS.
// Run by scripts/overload.sh, which starts the server; docs/reliability.md has the figures.
//   bench_overload --server URL --token T --server-pid PID [--dataset NAME] [--model vgg11]
//                  [--trainers 16] [--split 4] [--storage-batch 8] [--per-request 8]
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "common/stopwatch.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/train_common.hpp"

using namespace tiersplit::real_exec;
using Clock = tiersplit::SteadyClock;
using tiersplit::seconds_since;

namespace {

struct Options {
  std::string server, token, dataset = "overload", model = "vgg11";
  int server_pid = 0;
  int64_t trainers = 16, split = 4, storage_batch = 8, per_request = 8;
};

/// A /proc/PID/status field in bytes ("VmRSS", "VmHWM").
int64_t proc_bytes(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  tiersplit::fail("no ", field, " for process ", pid, " (is the server running?)");
}

/// One trainer's epoch: every request of its plan, the sample ids it got back, retries seen.
struct EpochResult {
  std::vector<int64_t> ids;
  int64_t planned = 0, requests = 0, retries = 0;
  std::string error;
};

EpochResult run_epoch(PushdownClient& client, const PushdownRequest& base,
                      const std::vector<std::vector<Segment>>& plan) {
  EpochResult r;
  for (const auto& segs : plan) {
    PushdownRequest q = base;
    q.segments = segs;
    r.planned += segments_samples(segs);
    try {
      PushdownReply reply = client.pushdown(q);
      const RawTensor& ids = reply.tensors.at("ids");
      const auto* p = reinterpret_cast<const int64_t*>(ids.data.data());
      r.ids.insert(r.ids.end(), p, p + ids.shape.at(0));
      r.retries += reply.timings.attempts - 1;
      ++r.requests;
    } catch (const std::exception& e) {
      r.error = e.what();
      break;
    }
  }
  return r;
}

/// Sends bad requests in a loop until `stop`; counts answers that were not the expected status.
struct BadRequests {
  struct Count {
    int64_t sent = 0, wrong_status = 0, no_answer = 0;
  };
  std::map<std::string, Count> counts;
  void run(const Options& o, const PushdownRequest& good, const std::atomic<bool>& stop) {
    auto colon = o.server.rfind(':');
    httplib::Client c(o.server.substr(7, colon - 7), std::stoi(o.server.substr(colon + 1)));
    c.set_read_timeout(120, 0);  // answers wait behind the trainers' requests
    const httplib::Headers auth{{"Authorization", "Bearer " + o.token}};
    PushdownRequest wrong_model = good;
    wrong_model.model = "no-such-model";
    struct Kind {
      std::string name, body;
      httplib::Headers headers;
      int expect;
    };
    const std::vector<Kind> kinds = {{"malformed", "{\"model\": ", auth, 400},
                                     {"oversized", std::string(2 << 20, ' '), auth, 413},
                                     {"unauthenticated", to_json(good).dump(), {}, 401},
                                     {"wrong-model", to_json(wrong_model).dump(), auth, 404}};
    while (!stop) {
      for (const auto& k : kinds) {
        auto res = c.Post("/v1/pushdown", k.headers, k.body, "application/json");
        Count& n = counts[k.name];
        ++n.sent;
        if (!res)
          ++n.no_answer;
        else if (res->status != k.expect)
          ++n.wrong_status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--server")
      o.server = v;
    else if (k == "--token")
      o.token = v;
    else if (k == "--server-pid")
      o.server_pid = std::stoi(v);
    else if (k == "--dataset")
      o.dataset = v;
    else if (k == "--model")
      o.model = v;
    else if (k == "--trainers")
      o.trainers = std::stoll(v);
    else if (k == "--split")
      o.split = std::stoll(v);
    else if (k == "--storage-batch")
      o.storage_batch = std::stoll(v);
    else if (k == "--per-request")
      o.per_request = std::stoll(v);
    else
      tiersplit::fail("unknown option ", k);
  }
  if (o.server.rfind("http://", 0) != 0 || o.server_pid <= 0)
    tiersplit::fail("needs --server http://HOST:PORT and --server-pid PID");
  return o;
}

/// Unique and duplicate sample ids of one epoch.
std::pair<int64_t, int64_t> accounting(std::vector<int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  int64_t unique = std::unique(ids.begin(), ids.end()) - ids.begin();
  return {unique, static_cast<int64_t>(ids.size()) - unique};
}

int run(const Options& o) {
  RetryPolicy patient{0.05, 1.0, 600.0};  // trainers wait out the overload
  PushdownClient probe(o.server, o.token, patient);
  nlohmann::json manifest = probe.manifest(o.dataset);
  auto objects = split_objects(manifest, "target-train");
  PushdownRequest base;
  base.model = o.model;
  base.num_classes = split_classes(manifest, "target-train");
  base.resolution = manifest.at("resolution").get<int64_t>();
  base.split = o.split;
  base.storage_batch = o.storage_batch;
  const int64_t rss_start = proc_bytes(o.server_pid, "VmRSS");

  // Unloaded: one trainer alone (after one request that loads the model).
  base.tenant = "alone";
  run_epoch(probe, base, {plan_epoch(objects, o.per_request, 99, true).front()});
  const int64_t rss_loaded = proc_bytes(o.server_pid, "VmRSS");
  auto t0 = Clock::now();
  EpochResult alone = run_epoch(probe, base, plan_epoch(objects, o.per_request, 1, true));
  const double alone_rate = static_cast<double>(alone.ids.size()) / seconds_since(t0);
  std::cerr << "bench_overload: alone " << alone_rate << " samples/s\n";

  // Loaded: every trainer its own epoch at once, bad requests alongside.
  std::vector<EpochResult> results(o.trainers);
  std::atomic<bool> stop{false};
  BadRequests bad;
  PushdownRequest named = base;  // a well-formed request, for the bad ones to differ from
  named.segments = plan_epoch(objects, o.per_request, 1, true).front();
  std::thread bad_thread([&] { bad.run(o, named, stop); });
  t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int64_t t = 0; t < o.trainers; ++t) {
    threads.emplace_back([&, t] {
      PushdownClient c(o.server, o.token, patient);
      PushdownRequest q = base;
      q.tenant = "trainer-" + std::to_string(t);
      results[t] = run_epoch(c, q, plan_epoch(objects, o.per_request, 100 + t, true));
    });
  }
  for (auto& th : threads) th.join();
  const double loaded_s = seconds_since(t0);
  stop = true;
  bad_thread.join();

  nlohmann::json trainers = nlohmann::json::array();
  int64_t samples = 0, requests = 0, retries = 0, exact = 0;
  for (const auto& r : results) {
    auto [unique, dups] = accounting(r.ids);
    bool ok = r.error.empty() && dups == 0 && unique == r.planned;
    exact += ok;
    samples += static_cast<int64_t>(r.ids.size());
    requests += r.requests;
    retries += r.retries;
    trainers.push_back(
        {{"planned", r.planned}, {"unique", unique}, {"duplicates", dups}, {"error", r.error}});
  }
  nlohmann::json health = probe.health();
  nlohmann::json badj = nlohmann::json::object();
  for (const auto& [k, n] : bad.counts)
    badj[k] = {{"sent", n.sent}, {"wrong_status", n.wrong_status}, {"no_answer", n.no_answer}};
  nlohmann::json out = {{"model", o.model},
                        {"split", o.split},
                        {"storage_batch", o.storage_batch},
                        {"samples_per_request", o.per_request},
                        {"trainers", o.trainers},
                        {"memory_budget_bytes", health["memory_budget_bytes"]},
                        {"admitted_peak_bytes", health["memory_peak_bytes"]},
                        {"alone_samples_per_s", alone_rate},
                        {"loaded_samples_per_s", samples / loaded_s},
                        {"loaded_over_alone", samples / loaded_s / alone_rate},
                        {"loaded_s", loaded_s},
                        {"requests", requests},
                        {"retried_attempts", retries},
                        {"server_refused", health["refused"]},
                        {"server_refused_by_status", health["refused_by_status"]},
                        {"server_tensor_pool", health.value("tensor_pool", nlohmann::json())},
                        {"trainers_exact", exact},
                        {"trainer_epochs", trainers},
                        {"bad_requests", badj},
                        {"server_rss_start_bytes", rss_start},
                        {"server_rss_model_loaded_bytes", rss_loaded},
                        {"server_rss_peak_bytes", proc_bytes(o.server_pid, "VmHWM")}};
  std::cout << out.dump(2) << "\n";
  return exact == o.trainers ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "bench_overload: " << e.what() << "\n";
    return 2;
  }
}
