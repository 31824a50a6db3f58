// test_pushdown.cpp: pushdown server and trainer in one process — invariance of storage batch
// and split, per-split predictions, bad input and faults, several tenants.
// clang-format off
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest (glog's CHECK macros)
// clang-format on

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <future>

#include "models/zoo.hpp"
#include "real_exec/fixtures.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/pushdown_server.hpp"
#include "real_exec/tensor_codec.hpp"
#include "real_exec/trainer.hpp"

using namespace tiersplit;
using namespace tiersplit::real_exec;
using namespace tiersplit::testing;

namespace {

/// An in-process server on a free port over the small data set.
struct LocalServer {
  explicit LocalServer(ServerOptions o = {}) {
    if (o.store.empty()) o.store = small_dir_store();
    o.listen = "127.0.0.1:0";
    server = std::make_unique<PushdownServer>(o);
    port = server->start();
    url = "http://127.0.0.1:" + std::to_string(port);
  }
  std::unique_ptr<PushdownServer> server;
  int port = 0;
  std::string url;
};

PushdownRequest request_for(const std::string& model, int64_t split, int64_t b, int64_t n = 20) {
  PushdownRequest r;
  r.model = model;
  r.num_classes = 5;
  r.resolution = 32;
  r.split = split;
  r.storage_batch = b;
  r.weights = "random:3";
  r.segments = {{"fashion-mnist/target-train/000001.safetensors", 3, n}};
  return r;
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TrainOptions small_job(const std::string& url) {
  TrainOptions o;
  o.server = url;
  o.model = "resnet18";
  o.batch = 20;
  o.storage_batch = 20;
  o.max_iterations = 3;
  o.eval_samples = -1;
  o.lr = 0.05;
  o.init_seed = 7;
  o.retry.max_total_s = 10;
  return o;
}

std::vector<double> losses(const nlohmann::json& report) {
  return report.at("losses").get<std::vector<double>>();
}

int http_status(const std::string& url_port_path, int port, const std::string& body,
                const std::string& token = "") {
  httplib::Client c("127.0.0.1", port);
  httplib::Headers h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  auto r = c.Post(url_port_path.c_str(), h, body, "application/json");
  return r ? r->status : -1;
}

}  // namespace

TEST_CASE("storage-batch invariance: features for b in 1 and 7 and B agree within 1e-5") {
  LocalServer s;
  PushdownClient client(s.url);
  auto m = models::build_model("resnet18", {5, 32});
  const int64_t f = m->default_freeze();
  torch::Tensor ref;
  for (int64_t b : {20, 1, 7}) {
    auto reply = client.pushdown(request_for("resnet18", f, b));
    torch::Tensor feat = to_torch(reply.tensors.at("features"));
    CHECK(feat.size(0) == 20);
    CHECK(reply.timings.block_s.size() == static_cast<std::size_t>(f));
    if (!ref.defined()) {
      ref = feat;
    } else {
      double tol = 1e-5 * std::max(1.0, ref.abs().max().item<double>());
      CHECK(max_abs_diff(feat, ref) <= tol);
    }
  }
}

TEST_CASE("storage-batch invariance: a few training steps give the same losses for any b") {
  LocalServer s;
  std::vector<double> ref;
  for (int64_t b : {20, 1, 7}) {
    auto o = small_job(s.url);
    o.split = 4;
    o.storage_batch = b;
    auto l = losses(run_training(o));
    REQUIRE(l.size() == 3);
    if (ref.empty()) {
      ref = l;
    } else {
      for (std::size_t i = 0; i < l.size(); ++i)
        CHECK(l[i] == doctest::Approx(ref[i]).epsilon(1e-4));
    }
  }
}

TEST_CASE("split invariance: the loss after k steps does not depend on s") {
  LocalServer s;
  auto m = models::build_model("resnet18", {5, 32});
  std::vector<double> ref;
  for (int64_t split : {int64_t{0}, int64_t{2}, m->default_freeze()}) {
    auto o = small_job(s.url);
    o.split = split;
    o.storage_batch = 8;
    o.prefetch = split == 2 ? 0 : 2;  // prefetching must not change results either
    auto report = run_training(o);
    auto l = losses(report);
    REQUIRE(l.size() == 3);
    CHECK(report["samples_exact"] == true);
    if (ref.empty()) {
      ref = l;
    } else {
      for (std::size_t i = 0; i < l.size(); ++i)
        CHECK(l[i] == doctest::Approx(ref[i]).epsilon(1e-4));
    }
  }
}

TEST_CASE("every split of a small model gives the same predictions as one process") {
  LocalServer s;
  PushdownClient client(s.url);
  ModelSpec spec{"mobilenet_v2", 5, 32, "random:3", ""};
  auto model = make_model(spec);
  model->eval();
  torch::NoGradGuard no_grad;
  auto raw = client.pushdown(request_for("mobilenet_v2", 0, 4, 6));
  auto x = normalise_images(to_torch(raw.tensors.at("features")));
  auto expect = model->forward(x);
  const int64_t L = model->size();
  for (int64_t split = 0; split <= L; ++split) {
    auto r = request_for("mobilenet_v2", split, 4, 6);
    r.freeze = L;  // let the server run every block for this check
    auto reply = client.pushdown(r);
    auto feat = to_torch(reply.tensors.at("features"));
    if (split == 0) feat = normalise_images(feat);
    auto logits = model->forward_range(feat, split, L);
    INFO("split " << split);
    CHECK(max_abs_diff(logits, expect) <= 1e-4);
    CHECK(torch::equal(logits.argmax(1), expect.argmax(1)));
  }
}

TEST_CASE(
    "trainer: report has per-iteration times and exact epoch coverage and held-out accuracy") {
  LocalServer s;
  auto o = small_job(s.url);
  o.max_iterations = 0;  // one whole epoch: 100 samples in batches of 20
  o.split = 3;
  o.requests = 3;
  o.eval_samples = 0;
  auto r = run_training(o);
  CHECK(r["iterations"].size() == 5);
  for (const auto& it : r["iterations"]) {
    for (const char* k : {"storage_wait_s", "transfer_s", "compute_s", "total_s", "loss"}) {
      CHECK(it.contains(k));
    }
    CHECK(it.at("page_faults").get<int64_t>() >= 0);
  }
  CHECK(r["epochs"][0]["unique_samples"] == 100);
  CHECK(r["epochs"][0]["duplicates"] == 0);
  CHECK(r["samples_exact"] == true);
  CHECK(r["eval"]["samples"] == 40);
  CHECK(r["eval"]["accuracy"].get<double>() >= 0.0);
  CHECK(r["link"] == "none");
}

TEST_CASE("server: bad input gets clear errors with proper HTTP codes") {
  ServerOptions o;
  o.max_request_bytes = 4096;
  LocalServer s(o);
  PushdownClient client(s.url, "", RetryPolicy{0.01, 0.02, 0.1});
  auto expect_status = [&](PushdownRequest r, int status, const char* words) {
    try {
      client.pushdown(r);
      FAIL("expected an error");
    } catch (const PushdownError& e) {
      CHECK(e.status() == status);
      CHECK(std::string(e.what()).find(words) != std::string::npos);
    }
  };
  auto r = request_for("resnet18", 2, 4);
  auto bad = r;
  bad.model = "resnet19";
  expect_status(bad, 404, "unknown model");
  bad = r;
  bad.segments[0].object = "fashion-mnist/target-train/999.safetensors";
  expect_status(bad, 404, "not found");
  bad = r;
  bad.split = 9;
  bad.freeze = 5;
  expect_status(bad, 400, "past the freeze index");
  bad = r;
  bad.weights = "secret-weights";
  expect_status(bad, 404, "not registered");
  bad = r;
  bad.segments[0].count = 1000;
  expect_status(bad, 400, "outside object");
  bad = r;
  bad.segments[0].object = "../../etc/passwd";
  expect_status(bad, 400, "invalid object name");
  bad = r;
  bad.resolution = 64;
  expect_status(bad, 400, "resolution");
  // Malformed and oversized bodies.
  CHECK(http_status("/v1/pushdown", s.port, "{not json") == 400);
  CHECK(http_status("/v1/pushdown", s.port,
                    R"({"model":"resnet18","split":1,"segments":[],"x":1})") == 400);
  CHECK(http_status("/v1/pushdown", s.port, std::string(10000, ' ')) == 413);
  CHECK(http_status("/v1/nothing", s.port, "{}") == 404);
  // Bytes that are not UTF-8, echoed in the error message, once made a 500 (found by fuzz_server).
  CHECK(http_status("/v1/pushdown", s.port, "{\"model\":\"x\",\xd4" "first\":1}") == 400);
  // The probe's size: digits only, within --max-response.
  httplib::Client probe("127.0.0.1", s.port);
  for (const char* bad : {"abc", "-1", "1e3", "", "99999999999999999999"}) {
    CAPTURE(bad);
    auto res = probe.Get((std::string("/v1/probe?bytes=") + bad).c_str());
    REQUIRE(res);
    CHECK(res->status == 400);
  }
  auto ok = probe.Get("/v1/probe?bytes=10");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  // The server still serves after all that.
  CHECK(client.pushdown(r).tensors.at("features").shape[0] == 20);
}

TEST_CASE("server: bearer token required when configured") {
  ServerOptions o;
  o.token = "s3cret";
  LocalServer s(o);
  RetryPolicy quick{0.01, 0.02, 0.1};
  auto r = request_for("resnet18", 1, 4);
  for (std::string token : {"", "wrong"}) {
    PushdownClient c(s.url, token, quick);
    try {
      c.pushdown(r);
      FAIL("expected 401");
    } catch (const PushdownError& e) {
      CHECK(e.status() == 401);
    }
  }
  PushdownClient good(s.url, "s3cret", quick);
  CHECK(good.pushdown(r).tensors.at("labels").shape[0] == 20);
}

TEST_CASE("server: admission control refuses what never fits and caps responses") {
  ServerOptions o;
  o.memory_budget_bytes = 64 << 20;
  o.max_response_bytes = 1 << 20;
  o.admission_wait_s = 0.05;
  LocalServer s(o);
  PushdownClient client(s.url, "", RetryPolicy{0.01, 0.02, 0.1});
  auto r = request_for("resnet18", 2, 8);
  // Fits.
  CHECK(client.pushdown(r).tensors.at("features").shape[0] == 20);
  // Response over the cap: 25 samples x 64x8x8 fp32 at split 2 is fine, raw 64 px is not the
  // point; use many samples at an early split to exceed 1 MiB.
  auto big = r;
  big.segments = {{"fashion-mnist/target-train/000000.safetensors", 0, 25},
                  {"fashion-mnist/target-train/000001.safetensors", 0, 25},
                  {"fashion-mnist/target-train/000002.safetensors", 0, 25},
                  {"fashion-mnist/target-train/000003.safetensors", 0, 25}};
  big.split = 1;
  try {
    client.pushdown(big);
    FAIL("expected 413");
  } catch (const PushdownError& e) {
    CHECK(e.status() == 413);
    CHECK(std::string(e.what()).find("cap") != std::string::npos);
  }
  // A storage batch whose peak can never fit the budget.
  ServerOptions tiny = o;
  tiny.memory_budget_bytes = 200 << 10;
  LocalServer t(tiny);
  PushdownClient tc(t.url, "", RetryPolicy{0.01, 0.02, 0.1});
  try {
    tc.pushdown(request_for("resnet18", 4, 16));
    FAIL("expected 413");
  } catch (const PushdownError& e) {
    CHECK(e.status() == 413);
    CHECK(std::string(e.what()).find("more than the whole budget") != std::string::npos);
  }
}

TEST_CASE("server: several tenants at once while one disconnects mid-response") {
  LocalServer s;
  // Tenant A opens a raw connection, asks for a response and closes after a few bytes.
  {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(s.port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    auto r = request_for("resnet18", 0, 4);
    r.segments = {{"fashion-mnist/target-train/000000.safetensors", 0, 25}};
    std::string body = to_json(r).dump();
    std::string req =
        "POST /v1/pushdown HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    REQUIRE(send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
    char buf[64];
    CHECK(recv(fd, buf, sizeof buf, 0) > 0);
    close(fd);
  }
  // Tenants B, C, D concurrently.
  std::vector<std::future<int64_t>> tenants;
  for (int i = 0; i < 3; ++i) {
    tenants.push_back(std::async(std::launch::async, [&, i] {
      PushdownClient c(s.url);
      auto r = request_for(i == 0 ? "resnet18" : "mobilenet_v2", 1 + i, 4);
      r.tenant = "tenant-" + std::to_string(i);
      return c.pushdown(r).tensors.at("features").shape[0];
    }));
  }
  for (auto& t : tenants) CHECK(t.get() == 20);
  PushdownClient c(s.url);
  auto h = c.health();
  CHECK(h["tenants"].size() >= 3);
}

TEST_CASE(
    "server: a store that is down gives 503 with Retry-After and the server keeps answering") {
  std::string dir = temp_dir("down");
  ServerOptions o;
  o.store = "dir://" + dir + "/missing";
  LocalServer s(o);
  PushdownClient client(s.url, "", RetryPolicy{0.01, 0.02, 0.2});
  try {
    client.pushdown(request_for("resnet18", 1, 4));
    FAIL("expected an error");
  } catch (const PushdownError& e) {
    CHECK(e.status() == 503);
    CHECK(std::string(e.what()).find("does not exist") != std::string::npos);
  }
  // Swift that is not running: same answer.
  ServerOptions so;
  so.store = "swift://127.0.0.1:1/none";
  LocalServer sw(so);
  PushdownClient sc(sw.url, "", RetryPolicy{0.01, 0.02, 0.2});
  try {
    sc.pushdown(request_for("resnet18", 1, 4));
    FAIL("expected an error");
  } catch (const PushdownError& e) {
    CHECK(e.status() == 503);
  }
  CHECK(sc.health()["status"] == "ok");
}

TEST_CASE(
    "pretrained weights: saved then loaded by name on the server and a mismatched head skipped") {
  std::string dir = temp_dir("weights");
  ModelSpec spec{"resnet18", 5, 32, "random:11", ""};
  auto m = make_model(spec);
  std::string file = dir + "/backbone.safetensors";
  save_weights(m, file);
  CHECK(weights_metadata(file).at("model") == "resnet18");
  std::vector<std::string> skipped;
  auto other = make_model({"resnet18", 7, 32, "backbone", file}, &skipped);
  CHECK(skipped.size() == 2);  // fc weight and bias
  ServerOptions o;
  o.weights["backbone"] = file;
  LocalServer s(o);
  PushdownClient client(s.url);
  auto r = request_for("resnet18", 3, 4);
  r.weights = "backbone";
  auto served = to_torch(client.pushdown(r).tensors.at("features"));
  m->eval();
  torch::NoGradGuard no_grad;
  auto raw = client.pushdown(request_for("resnet18", 0, 4));
  auto local = m->forward_range(normalise_images(to_torch(raw.tensors.at("features"))), 0, 3);
  CHECK(max_abs_diff(served, local) <= 1e-4);
}
