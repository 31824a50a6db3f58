// test_groups_real.cpp: learning over groups for real — the plan gives every sample of every group
// to exactly one worker per configuration; the data with groups; workers on threads (real Gloo,
// an in-process pushdown server): GAP equals one worker, synchronous DP equals one worker on the
// global batch, a shared stream and a cache equal a stream per configuration, and the records
// show every sample used exactly once.
// clang-format off
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest (glog's CHECK macros)
// clang-format on

#include <filesystem>
#include <fstream>
#include <future>
#include <map>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/subprocess.hpp"
#include "real_exec/fixtures.hpp"
#include "real_exec/groups/group_dataset.hpp"
#include "real_exec/groups/group_run.hpp"
#include "real_exec/groups/group_worker.hpp"
#include "real_exec/groups/heads.hpp"
#include "real_exec/groups/run_plan.hpp"
#include "real_exec/groups/worker_group.hpp"
#include "real_exec/object_store.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/pushdown_server.hpp"
#include "real_exec/tensor_codec.hpp"

using namespace tiersplit;
using namespace tiersplit::real_exec;
using namespace tiersplit::real_exec::groups;
using namespace std::chrono_literals;

namespace {

/// Per (group, configuration), which samples [first, first + count) each worker trains.
using Coverage = std::map<std::pair<int64_t, int64_t>, std::vector<std::pair<int64_t, int64_t>>>;

Coverage coverage(const RunPlan& plan) {
  Coverage c;
  for (const auto& tasks : plan.workers)
    for (const auto& t : tasks)
      for (int64_t cfg : t.configs) c[{t.group, cfg}].emplace_back(t.first, t.count);
  return c;
}

/// A dir store with a dataset "fm-groups" of groups of `sizes` samples, imported once per process.
const std::string& store_with(const std::vector<int64_t>& sizes) {
  static std::map<std::vector<int64_t>, std::string> stores;
  auto it = stores.find(sizes);
  if (it != stores.end()) return it->second;
  std::string url = "dir://" + testing::temp_dir("groups") + "/objects";
  GroupImportOptions o;
  o.store = url;
  o.name = "fm-groups";
  o.per_object = 7;
  o.sizes.sizes = sizes;
  import_fashion_mnist_groups(o);
  return stores.emplace(sizes, url).first->second;
}

/// Groups of 40, 12 and 8 samples (32, 10 and 6 to train): with 2 workers, wrap-around shards the
/// first over both.
const std::string& groups_store() {
  return store_with({40, 12, 8});
}

/// An in-process pushdown server over groups_store().
struct Server {
  PushdownServer server;
  std::string url;
  explicit Server(const std::string& store = groups_store()) : server(options(store)) {
    url = "http://127.0.0.1:" + std::to_string(server.start());
  }
  static ServerOptions options(const std::string& store) {
    ServerOptions o;
    o.store = store;
    o.listen = "127.0.0.1:0";
    return o;
  }
};

RunSpec spec_for(const std::string& url, Strategy s, Extraction e,
                 const std::vector<std::string>& configs) {
  RunSpec spec;
  spec.server = url;
  spec.dataset = "fm-groups";
  spec.model = "resnet18";
  spec.split = 2;
  spec.freeze = 4;
  spec.storage_batch = 4;
  spec.batch = 8;
  spec.strategy = s;
  spec.extraction = e;
  spec.collective_timeout_s = 60;
  for (const auto& c : configs) spec.configs.push_back(parse_head_config(c));
  return spec;
}

/// Runs `world` workers on threads (Gloo over loopback); their records, rank order.
std::vector<nlohmann::json> run_workers(const RunSpec& spec, int world, WorkerHooks hooks = {}) {
  hooks.keep_weights = true;
  if (world == 1) return {run_worker(spec, 0, 1, nullptr, hooks)};
  const int port = testing::free_port();
  std::vector<std::future<nlohmann::json>> runs;
  for (int r = 0; r < world; ++r) {
    runs.push_back(std::async(std::launch::async, [=] {
      WorkerGroup g(WorkerIdentity{r, world, "127.0.0.1", port}, 60s);
      return run_worker(spec, r, world, &g, hooks);
    }));
  }
  std::vector<nlohmann::json> out;
  for (auto& f : runs) out.push_back(f.get());
  return out;
}

/// Final head weights per (group, configuration) from the owners' records.
std::map<std::pair<int64_t, int64_t>, torch::Tensor> weights_of(
    const std::vector<nlohmann::json>& records) {
  std::map<std::pair<int64_t, int64_t>, torch::Tensor> out;
  for (const auto& r : records) {
    for (const auto& w : r.at("weights")) {
      auto v = w.at("weights").get<std::vector<float>>();
      out[{w.at("group").get<int64_t>(), w.at("config").get<int64_t>()}] = torch::tensor(v);
    }
  }
  return out;
}

void check_same_weights(const std::vector<nlohmann::json>& a,
                        const std::vector<nlohmann::json>& b) {
  auto wa = weights_of(a), wb = weights_of(b);
  REQUIRE(wa.size() == wb.size());
  for (const auto& [key, w] : wa) {
    INFO("group " << key.first << ", configuration " << key.second);
    REQUIRE(wb.count(key));
    INFO("largest difference " << (w - wb.at(key)).abs().max().item<float>() << " of "
                               << w.abs().max().item<float>());
    CHECK(torch::allclose(w, wb.at(key), 1e-4, 1e-5));
    CHECK_FALSE(torch::allclose(w, torch::zeros_like(w)));
  }
}

std::vector<DatasetGroup> dataset_of(const std::string& url) {
  PushdownClient c(url);
  return dataset_groups(c.manifest("fm-groups"));
}

}  // namespace

TEST_CASE("groups run plan: every strategy gives each sample to one worker per configuration") {
  const std::vector<int64_t> sizes{50, 20, 9, 5, 1};
  for (Strategy s : tiersplit::groups::kStrategies) {
    for (int P : {1, 2, 3}) {
      INFO(tiersplit::groups::to_string(s) << " on " << P << " workers");
      RunPlan plan = plan_run(s, Placement::kWrapAround, Extraction::kPerConfig, sizes, 3, P);
      REQUIRE(plan.workers.size() == static_cast<std::size_t>(P));
      for (auto& [key, shards] : coverage(plan)) {
        std::sort(shards.begin(), shards.end());
        int64_t next = 0;
        for (auto [first, count] : shards) {
          CHECK(first == next);  // no gap, no overlap
          next = first + count;
        }
        CHECK(next == sizes[key.first]);
      }
      CHECK(coverage(plan).size() == sizes.size() * 3);
      // Sharded tasks: every holder runs them in the same order, so no two wait on each other.
      std::vector<std::vector<int64_t>> synced(static_cast<std::size_t>(P));
      for (int w = 0; w < P; ++w)
        for (const auto& t : plan.workers[w])
          if (t.sync != Sync::kNone) synced[w].push_back(t.group);
      for (const auto& order : synced) CHECK(std::is_sorted(order.begin(), order.end()));
    }
  }
  auto dp = plan_run(Strategy::kDp, Placement::kWrapAround, Extraction::kShared, sizes, 3, 2);
  CHECK(dp.workers[0].front().sync == Sync::kAllReduce);
  auto gl = plan_run(Strategy::kGl, Placement::kWrapAround, Extraction::kShared, sizes, 3, 2);
  CHECK(gl.workers[0].front().sync == Sync::kGap);  // 50 > 85/2: sharded
  CHECK_THROWS_WITH_AS(
      plan_run(Strategy::kMtp, Placement::kWrapAround, Extraction::kShared, sizes, 3, 2),
      doctest::Contains("nothing to share"), Error);
  // Pieces: every holder the same number, together the whole shard.
  for (int64_t count : {0, 1, 7, 24}) {
    int64_t n = 0;
    for (int64_t k = 0; k < 4; ++k) n += piece(count, k, 4).second - piece(count, k, 4).first;
    CHECK(n == count);
  }
}

TEST_CASE("groups dataset: each group its own task, objects and held-out part, bad sizes named") {
  const std::string url = groups_store();
  auto store = open_store(url);
  nlohmann::json m = load_manifest(*store, "fm-groups");
  auto groups = dataset_groups(m);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].train_samples + groups[0].test_samples == 40);
  CHECK(groups[2].train_samples == 6);
  CHECK(groups[2].test_samples == 2);
  CHECK(groups[0].label_map != groups[1].label_map);  // a different task per group
  std::set<int64_t> ids;
  for (const auto& g : groups) {
    uint64_t digest = 0;
    for (const auto& o : split_objects(m, g.train_split)) {
      CHECK(o.name.rfind("fm-groups/" + g.name + "/train/", 0) == 0);  // one group per object
      SampleObject s = decode_sample_object(store->get(o.name), o.name);
      for (int64_t i = 0; i < s.count; ++i) {
        CHECK(ids.insert(s.ids[i]).second);  // no sample in two places
        digest += id_mix(s.ids[i]);
        CHECK(s.labels[i] >= 0);
        CHECK(s.labels[i] < 10);
      }
    }
    CHECK(digest_hex(digest) == g.train_digest);
    CHECK(digest_value(g.train_digest) == digest);
  }
  for (const char* bad_digest : {"", "xyz", "-1", "1234567890abcdef0", "ABC"})
    CHECK_THROWS_WITH_AS(digest_value(bad_digest), doctest::Contains("is not a hexadecimal"),
                         Error);
  GroupImportOptions bad;
  bad.store = url;
  bad.sizes.sizes = {30, 1};
  CHECK_THROWS_WITH_AS(import_fashion_mnist_groups(bad), doctest::Contains("group 1 would hold 1"),
                       Error);
  bad.sizes.sizes = {60000, 10001};
  CHECK_THROWS_WITH_AS(import_fashion_mnist_groups(bad),
                       doctest::Contains("Fashion-MNIST has 70000"), Error);
  bad.sizes.sizes = {30, 30};
  bad.held_out = 0;
  CHECK_THROWS_WITH_AS(import_fashion_mnist_groups(bad), doctest::Contains("--held-out 0"), Error);
}

TEST_CASE("groups workers on threads, real Gloo, an in-process server") {
  SUBCASE("GAP over two workers gives the weights of one worker (linear heads)") {
    Server s;
    RunSpec spec = spec_for(s.url, Strategy::kGl, Extraction::kShared,
                            {"linear:lr=0.5,e=2", "linear:lr=0.1,wd=0.01,e=3"});
    auto two = run_workers(spec, 2);
    auto one = run_workers(spec, 1);
    check_same_weights(two, one);
    CHECK(two[0].at("gloo_calls").get<int64_t>() > 0);  // group 0 was sharded: GAP messages
    nlohmann::json report = merge_records(spec, dataset_of(s.url), two);
    CHECK(report.at("checks").at("exactly_once").get<bool>());
    CHECK(report.at("checks").at("checked").get<int64_t>() == 3 * (2 + 3));
    CHECK(report.at("accuracy").size() == 6);
    // A record that lost one piece no longer passes.
    auto broken = two;
    broken[1]["trained"].erase(0);
    CHECK_FALSE(
        merge_records(spec, dataset_of(s.url), broken).at("checks").at("exactly_once").get<bool>());
  }
  SUBCASE("GAP with a worker in two sharded groups (three workers) gives one worker's weights") {
    // Training sizes 24, 24 and 5 on 3 workers (n/P = 17.7): wrap-around shards group 0 over
    // workers 0 and 1 and group 1 over workers 1 and 2, so worker 1 exchanges with both.
    Server s3(store_with({30, 30, 6}));
    RunSpec spec = spec_for(s3.url, Strategy::kGl, Extraction::kShared,
                            {"linear:lr=0.5,e=2", "linear:lr=0.2,wd=0.01,e=3"});
    auto three = run_workers(spec, 3);
    check_same_weights(three, run_workers(spec, 1));
    CHECK(
        merge_records(spec, dataset_of(s3.url), three).at("checks").at("exactly_once").get<bool>());
  }
  SUBCASE("a shared stream and a cache give the weights of a stream per configuration") {
    Server s;
    const std::vector<std::string> configs{"mlp-16:lr=0.05,e=2", "linear:lr=0.5,e=2"};
    auto per = run_workers(spec_for(s.url, Strategy::kGtp, Extraction::kPerConfig, configs), 2);
    auto shared = run_workers(spec_for(s.url, Strategy::kGtp, Extraction::kShared, configs), 2);
    auto cached = run_workers(spec_for(s.url, Strategy::kGtp, Extraction::kCached, configs), 2);
    RunSpec on_disk = spec_for(s.url, Strategy::kGtp, Extraction::kCached, configs);
    on_disk.cache = "disk";
    on_disk.cache_dir = testing::temp_dir("groups-disk-cache");
    auto disk = run_workers(on_disk, 2);
    check_same_weights(per, shared);
    check_same_weights(per, cached);
    check_same_weights(per, disk);
    CHECK(disk[0].at("cache_location") == "disk");
    CHECK(disk[0].at("cache_bytes") == cached[0].at("cache_bytes"));
    CHECK(std::filesystem::is_empty(on_disk.cache_dir));  // every worker removed its files
    int64_t per_pushdowns = 0, shared_pushdowns = 0, cached_pushdowns = 0, cache_bytes = 0;
    int64_t per_eval = 0, shared_eval = 0, cached_eval = 0;
    for (int r = 0; r < 2; ++r) {
      per_pushdowns += per[r].at("pushdowns").get<int64_t>();
      shared_pushdowns += shared[r].at("pushdowns").get<int64_t>();
      cached_pushdowns += cached[r].at("pushdowns").get<int64_t>();
      cache_bytes += cached[r].at("cache_bytes").get<int64_t>();
      per_eval += per[r].at("evaluation").at("pushdowns").get<int64_t>();
      shared_eval += shared[r].at("evaluation").at("pushdowns").get<int64_t>();
      cached_eval += cached[r].at("evaluation").at("pushdowns").get<int64_t>();
    }
    // Training's pushdowns only (2 configurations, 2 epochs each): one stream feeds both heads,
    // and the cache streams epoch 1 only.
    CHECK(per_pushdowns == 2 * shared_pushdowns);
    CHECK(shared_pushdowns == 2 * cached_pushdowns);
    CHECK(cache_bytes > 0);
    // Each group's held-out part is fetched once, by its owner, whatever the extraction.
    CHECK(per_eval == static_cast<int64_t>(dataset_of(s.url).size()));
    CHECK(shared_eval == per_eval);
    CHECK(cached_eval == per_eval);
  }
  SUBCASE("synchronous DP equals one worker on the global batch (mlp heads)") {
    Server s;
    RunSpec spec =
        spec_for(s.url, Strategy::kDp, Extraction::kShared, {"mlp-16:lr=0.05,wd=0.01,e=2"});
    auto dp = run_workers(spec, 2);
    CHECK(merge_records(spec, dataset_of(s.url), dp).at("checks").at("exactly_once").get<bool>());
    // The reference: one head, the same batches (piece k of both workers' shards together), one
    // update per batch with the mean gradient.
    PushdownClient client(s.url);
    nlohmann::json m = client.manifest("fm-groups");
    auto groups = dataset_groups(m);
    auto model = make_model(ModelSpec{"resnet18", 10, 32, "random:1", ""});
    model->eval();
    auto dp_weights = weights_of(dp);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      PushdownRequest r;
      r.model = "resnet18";
      r.num_classes = 10;
      r.resolution = 32;
      r.split = 2;
      r.freeze = 4;
      r.storage_batch = 4;
      for (const auto& o : split_objects(m, groups[g].train_split))
        r.segments.push_back({o.name, 0, o.samples});
      auto reply = client.pushdown(r);
      torch::Tensor x, y = to_torch(reply.tensors.at("labels"));
      {
        torch::NoGradGuard no_grad;
        x = model->forward_range(to_torch(reply.tensors.at("features")), 2, 4);
        x = x.reshape({x.size(0), -1});
      }
      const int64_t n = groups[g].train_samples, steps = steps_per_epoch(n, spec.batch);
      const std::vector<int64_t> shards{n / 2 + n % 2, n / 2};
      Head head(spec.configs[0], x.size(1), 10, head_seed(spec.seed, int64_t(g), 0));
      for (int64_t e = 0; e < 2; ++e) {
        for (int64_t k = 0; k < steps; ++k) {
          std::vector<torch::Tensor> xs, ys;
          int64_t first = 0;
          for (int64_t c : shards) {
            auto [a, b] = piece(c, k, steps);
            xs.push_back(x.narrow(0, first + a, b - a));
            ys.push_back(y.narrow(0, first + a, b - a));
            first += c;
          }
          auto bx = torch::cat(xs), by = torch::cat(ys);
          head.accumulate(bx, by);
          head.update(head.flat_gradient(), bx.size(0));
        }
      }
      INFO("group " << g);
      CHECK(torch::allclose(head.flat_weights(), dp_weights.at({int64_t(g), 0}), 1e-4, 1e-5));
    }
  }
  SUBCASE("a resumed run, one holder an epoch behind the other, gives an uninterrupted run's") {
    Server s;
    RunSpec spec = spec_for(s.url, Strategy::kGl, Extraction::kShared,
                            {"linear:lr=0.5,e=3", "mlp-16:lr=0.05,e=3"});
    WorkerHooks hooks;
    hooks.checkpoints = testing::temp_dir("groups-checkpoints");
    auto whole = run_workers(spec, 2, hooks);
    // Worker 1 "was killed" after its first epoch: its marks stop there (its other tasks never
    // ran), while worker 0 had finished everything, sharded group 0 included.
    const std::string marks = hooks.checkpoints + "/worker-1/marks.json";
    nlohmann::json m = load_json_file(marks).raw();
    for (auto& t : m["tasks"]) {
      nlohmann::json kept = nlohmann::json::array();
      for (const auto& mark : t["marks"])
        if (mark["pass"] == 0 && mark["epoch"] == 1) kept.push_back(mark);
      t["marks"] = kept;
    }
    write_json_file(marks, m);
    hooks.resume = true;
    auto resumed = run_workers(spec, 2, hooks);
    check_same_weights(whole, resumed);
    CHECK(merge_records(spec, dataset_of(s.url), resumed)
              .at("checks")
              .at("exactly_once")
              .get<bool>());
    // Worker 0 (whose only task is its shard of group 0) streamed epochs 2 and 3 again, with
    // worker 1, not epoch 1.
    CHECK(resumed[0].at("pushdowns").get<int64_t>() < whole[0].at("pushdowns").get<int64_t>());
    CHECK(resumed[0].at("gloo_calls").get<int64_t>() > 2);  // GAP again, not only barriers
  }
  SUBCASE("a group missing from the store stops the run with one line naming it") {
    // A copy of the store without group 2's objects.
    const std::string dir = testing::temp_dir("groups-missing");
    std::filesystem::copy(groups_store().substr(6), dir + "/objects",
                          std::filesystem::copy_options::recursive);
    std::filesystem::remove_all(dir + "/objects/fm-groups/g002");
    ServerOptions o;
    o.store = "dir://" + dir + "/objects";
    o.listen = "127.0.0.1:0";
    PushdownServer server(o);
    const std::string url = "http://127.0.0.1:" + std::to_string(server.start());
    RunSpec spec = spec_for(url, Strategy::kGtp, Extraction::kShared, {"linear:lr=0.5,e=1"});
    std::string error;
    try {
      run_worker(spec, 0, 1, nullptr);
    } catch (const Error& e) {
      error = e.what();
    }
    CHECK(error.find("worker 0: ") == 0);
    CHECK(error.find("fm-groups/g002/") != std::string::npos);
    CHECK(error.find('\n') == std::string::npos);
  }
}

TEST_CASE("groups worker command: a malformed spec or an unreachable server is one line, exit 2") {
  const std::string dir = testing::temp_dir("groups-cli");
  const std::string bin = TIERSPLIT_BINARY;
  RunSpec spec =
      spec_for("http://127.0.0.1:1", Strategy::kGl, Extraction::kShared, {"linear:lr=0.5,e=1"});
  spec.retry_timeout_s = 0.5;
  write_json_file(dir + "/spec.json", to_json(spec));
  auto run = [&](const std::vector<std::string>& env, const std::string& spec_file) {
    std::vector<std::string> argv{"/usr/bin/env", "-i"};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.insert(argv.end(),
                {bin, "groups", "worker", "--spec", spec_file, "--out", dir + "/w.json"});
    return capture_process(argv);
  };
  std::ofstream(dir + "/bad.json") << R"({"format": "tiersplit-groups-run/1", "server": 3})";
  auto bad_spec = run({"RANK=0"}, dir + "/bad.json");
  CHECK(bad_spec.status == 2);
  CHECK(bad_spec.output.find("bad.json") != std::string::npos);
  CHECK(bad_spec.output.find("/server") != std::string::npos);
  auto unreachable = run({"RANK=0", "WORLD_SIZE=1", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=29999"},
                         dir + "/spec.json");
  CHECK(unreachable.status == 2);
  CHECK(unreachable.output.find("worker 0: ") != std::string::npos);
  CHECK(unreachable.output.find("127.0.0.1:1") != std::string::npos);
}
