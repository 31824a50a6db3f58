// test_store.cpp: object stores (dir://, swift://), safetensors, admission, pacer, dataset import.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "real_exec/admission.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/fixtures.hpp"
#include "real_exec/object_store.hpp"
#include "real_exec/pacer.hpp"
#include "real_exec/safetensors.hpp"

using namespace tiersplit;
using namespace tiersplit::real_exec;
using namespace tiersplit::testing;

TEST_CASE("safetensors: round trip keeps names and dtypes and shapes and data and metadata") {
  TensorFile f;
  f.metadata["model"] = "resnet18";
  std::string floats(6 * 4, '\0');
  float v[6] = {1, -2, 3.5f, 0, 1e-7f, 42};
  std::memcpy(floats.data(), v, sizeof v);
  f.add("features", {"F32", {2, 3}, floats});
  f.add("labels", {"I64", {2}, std::string(16, '\1')});
  std::string bytes = encode_safetensors(f);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(n % 8 == 0);
  CHECK(bytes[8] == '{');
  TensorFile g = decode_safetensors(bytes, "test");
  CHECK(g.metadata.at("model") == "resnet18");
  CHECK(g.at("features").shape == std::vector<int64_t>{2, 3});
  CHECK(g.at("features").data == floats);
  CHECK(g.at("labels").dtype == "I64");
}

TEST_CASE("safetensors: malformed documents are refused with a message") {
  CHECK_THROWS_AS(decode_safetensors("abc", "x"), Error);
  std::string huge(8, '\xff');
  CHECK_THROWS_WITH_AS(decode_safetensors(huge + "{}", "x"), doctest::Contains("header length"),
                       Error);
  TensorFile f;
  f.add("a", {"F32", {4}, std::string(16, '\0')});
  std::string bytes = encode_safetensors(f);
  CHECK_THROWS_AS(decode_safetensors(bytes.substr(0, bytes.size() - 4), "x"), Error);  // truncated
  std::string bad = bytes;
  bad[9] = 'X';  // break the JSON
  CHECK_THROWS_AS(decode_safetensors(bad, "x"), Error);
  CHECK_THROWS_AS(encode_safetensors([] {
                    TensorFile t;
                    t.add("a", {"F32", {3}, std::string(4, '\0')});
                    return t;
                  }()),
                  Error);
}

TEST_CASE("dir store: put and get and list and missing objects and unsafe names") {
  auto store = open_store("dir://" + temp_dir("dir") + "/s");
  store->put("a/b/one", "1");
  store->put("a/two", "22");
  store->put("c", "333");
  CHECK(store->get("a/two") == "22");
  CHECK(store->list("a/") == std::vector<std::string>{"a/b/one", "a/two"});
  try {
    store->get("a/none");
    FAIL("expected StoreError");
  } catch (const StoreError& e) {
    CHECK(e.kind() == StoreError::Kind::kNotFound);
  }
  CHECK_THROWS_AS(store->get("../etc/passwd"), Error);
  CHECK_THROWS_AS(store->get("/abs"), Error);
  CHECK_THROWS_AS(open_store("ftp://x"), Error);
  CHECK_THROWS_AS(open_store("swift://host/c"), Error);
  auto gone = open_store("dir:///nonexistent-tiersplit-store");
  try {
    gone->get("x");
    FAIL("expected StoreError");
  } catch (const StoreError& e) {
    CHECK(e.kind() == StoreError::Kind::kUnavailable);
  }
}

TEST_CASE("swift store: put and get and list against a local Swift (scripts/swift-aio.sh)") {
  std::string why = ensure_swift();
  if (!why.empty()) {
    MESSAGE("Swift could not be started, skipping: " << why);
    return;
  }
  auto store = open_store(kSwiftStore);
  std::string data(100000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  store->put("unit/obj 1.bin", data);
  store->put("unit/obj2.bin", "x");
  CHECK(store->get("unit/obj 1.bin") == data);
  auto names = store->list("unit/");
  CHECK(names == std::vector<std::string>{"unit/obj 1.bin", "unit/obj2.bin"});
  try {
    store->get("unit/missing");
    FAIL("expected StoreError");
  } catch (const StoreError& e) {
    CHECK(e.kind() == StoreError::Kind::kNotFound);
  }
  auto down = open_store("swift://127.0.0.1:1/c");
  try {
    down->get("x");
    FAIL("expected StoreError");
  } catch (const StoreError& e) {
    CHECK(e.kind() == StoreError::Kind::kUnavailable);
  }
}

TEST_CASE("dataset import: objects and manifest and labels and disjoint source/target classes") {
  std::string url = small_dir_store();
  auto store = open_store(url);
  auto m = load_manifest(*store, "fashion-mnist");
  CHECK(m["resolution"] == 32);
  CHECK(m["splits"]["source-train"]["samples"] == 100);
  CHECK(m["splits"]["target-test"]["samples"] == 40);
  CHECK(m["splits"]["source-train"]["classes"] == nlohmann::json({0, 1, 2, 3, 4}));
  CHECK(m["splits"]["target-train"]["classes"] == nlohmann::json({5, 6, 7, 8, 9}));
  double bps = m["bytes_per_sample"].get<double>();
  CHECK(bps > 3 * 32 * 32);
  CHECK(bps < 3 * 32 * 32 + 100);
  auto objs = split_objects(m, "target-train");
  CHECK(objs.size() == 4);
  SampleObject o = decode_sample_object(store->get(objs[0].name), objs[0].name);
  CHECK(o.count == 25);
  CHECK(o.channels == 3);
  CHECK(o.height == 32);
  for (int64_t l : o.labels) CHECK((l >= 0 && l < 5));
  // Channels are the replicated grey image.
  CHECK(std::memcmp(o.pixels.data(), o.pixels.data() + 32 * 32, 32 * 32) == 0);
  CHECK_THROWS_AS(split_objects(m, "nope"), Error);
}

TEST_CASE("resize: bilinear keeps constant images and corners sensible") {
  std::vector<uint8_t> flat(28 * 28, 77);
  auto r = resize_bilinear(flat.data(), 28, 28, 32, 32);
  for (auto v : r) CHECK(v == 77);
  auto same = resize_bilinear(flat.data(), 28, 28, 28, 28);
  CHECK(same == flat);
}

TEST_CASE("admission: fits and waits and refuses what never fits and releases") {
  MemoryAdmission a(100);
  MemoryAdmission::Ticket t1, t2, t3;
  CHECK(a.acquire(60, std::chrono::milliseconds(0), t1) == MemoryAdmission::Outcome::kAdmitted);
  CHECK(a.acquire(50, std::chrono::milliseconds(10), t2) == MemoryAdmission::Outcome::kBusy);
  CHECK(a.acquire(101, std::chrono::milliseconds(10), t3) == MemoryAdmission::Outcome::kNeverFits);
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    t1.release();
  });
  CHECK(a.acquire(50, std::chrono::seconds(10), t2) == MemoryAdmission::Outcome::kAdmitted);
  releaser.join();
  CHECK(a.in_use() == 50);
  t2.release();
  CHECK(a.in_use() == 0);
  CHECK(a.peak_in_use() == 60);
}

TEST_CASE("compute slots: never more holders than slots, 0 slots is no limit") {
  for (int slots : {1, 2}) {
    ComputeSlots cs(slots);
    std::atomic<int> holding{0}, most{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i) {
      threads.emplace_back([&] {
        ComputeSlots::Slot slot = cs.acquire();
        const int now = ++holding;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        --holding;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(most.load() <= slots);
  }
  ComputeSlots unlimited(0);
  auto a = unlimited.acquire();
  auto b = unlimited.acquire();  // does not wait (a limit would deadlock the test here)
}

TEST_CASE("compute slots: waiters get the slot in the order they asked") {
  ComputeSlots cs(1);
  std::mutex m;
  std::vector<int> order;
  std::vector<std::thread> threads;
  {
    ComputeSlots::Slot held = cs.acquire();
    for (int i = 0; i < 5; ++i) {
      threads.emplace_back([&, i] {
        ComputeSlots::Slot slot = cs.acquire();
        std::lock_guard<std::mutex> lock(m);
        order.push_back(i);
      });
      while (cs.waiting() < i + 1) std::this_thread::yield();  // thread i is in the queue
    }
  }  // the held slot goes: the queue drains
  for (auto& t : threads) t.join();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(cs.waiting() == 0);
}

TEST_CASE("pacer: sends through a shared bucket take bytes / rate") {
  Pacer p(1e6, std::chrono::microseconds(0), 1000);  // 1 MB/s
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) p.wait_for_send(10000);  // 100 kB -> about 0.1 s
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(s >= 0.098);  // a lower bound only: never faster than the link (no upper timing bound)
}
