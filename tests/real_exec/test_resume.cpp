// test_resume.cpp: a trainer killed mid-epoch and started again with --resume continues after
// its last completed iteration, with every sample used exactly once and the same end as a run
// that was never interrupted.
// clang-format off
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest (glog's CHECK macros)
// clang-format on

#include <signal.h>

#include <filesystem>
#include <thread>

#include "common/subprocess.hpp"
#include "real_exec/fixtures.hpp"
#include "real_exec/pushdown_server.hpp"
#include "real_exec/trainer.hpp"

using namespace tiersplit;
using namespace tiersplit::real_exec;
using namespace tiersplit::testing;

namespace {

TrainOptions resumable_job(const std::string& url, const std::string& checkpoint) {
  TrainOptions o;
  o.server = url;
  o.model = "resnet18";
  o.split = 2;
  o.batch = 5;
  o.storage_batch = 5;
  o.epochs = 3;  // 60 iterations of 5 samples
  o.eval_samples = -1;
  o.init_seed = 7;
  o.heap_reserve_mib = 0;
  o.checkpoint = checkpoint;
  return o;
}

std::vector<std::string> train_argv(const TrainOptions& o) {
  return {TIERSPLIT_BINARY,
          "train",
          "--server",
          o.server,
          "--model",
          o.model,
          "--split",
          std::to_string(o.split),
          "-b",
          std::to_string(o.storage_batch),
          "-B",
          std::to_string(o.batch),
          "--epochs",
          std::to_string(o.epochs),
          "--eval-samples",
          "-1",
          "--init-seed",
          std::to_string(o.init_seed),
          "--heap-reserve",
          "0",
          "--checkpoint",
          o.checkpoint};
}

}  // namespace

TEST_CASE("trainer: killed mid-epoch, then --resume continues at the last completed iteration") {
  ServerOptions so;
  so.store = small_dir_store();
  so.listen = "127.0.0.1:0";
  PushdownServer server(so);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.start());
  const std::string dir = temp_dir("resume");
  TrainOptions o = resumable_job(url, dir + "/train.ckpt");

  // A separate trainer process, killed (SIGKILL) as soon as its first checkpoint is there.
  {
    ChildProcess p(train_argv(o), dir + "/train.log");
    for (int i = 0; i < 6000 && !std::filesystem::exists(o.checkpoint); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(std::filesystem::exists(o.checkpoint));
    ::kill(p.pid(), SIGKILL);
  }
  o.resume = true;
  nlohmann::json resumed = run_training(o);
  const int64_t from = resumed.at("resumed_from_iteration").get<int64_t>();
  CHECK(from >= 1);
  CHECK(from < 60);
  CHECK(resumed.at("iterations").size() == 60);
  CHECK(resumed.at("samples_exact") == true);
  for (const auto& e : resumed.at("epochs")) CHECK(e.at("unique_samples") == 100);

  // The same job never interrupted ends with the same loss.
  TrainOptions whole = resumable_job(url, "");
  nlohmann::json ref = run_training(whole);
  const auto a = resumed.at("losses").get<std::vector<double>>();
  const auto b = ref.at("losses").get<std::vector<double>>();
  REQUIRE(a.size() == b.size());
  CHECK(a.back() == doctest::Approx(b.back()).epsilon(1e-3));
}

TEST_CASE("trainer: --resume refuses a checkpoint of another job and a missing one") {
  ServerOptions so;
  so.store = small_dir_store();
  so.listen = "127.0.0.1:0";
  PushdownServer server(so);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.start());
  const std::string dir = temp_dir("resume-bad");
  TrainOptions o = resumable_job(url, dir + "/c.ckpt");
  o.epochs = 1;
  o.max_iterations = 2;
  run_training(o);
  o.resume = true;
  o.split = 1;
  CHECK_THROWS_WITH_AS(run_training(o), doctest::Contains("split"), Error);
  o.checkpoint = dir + "/none.ckpt";
  CHECK_THROWS_WITH_AS(run_training(o), doctest::Contains("no checkpoint"), Error);
}
