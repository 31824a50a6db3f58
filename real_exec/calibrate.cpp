// calibrate.cpp: profiles per tier, link and server measurements, the calibrated platform.
#include "real_exec/calibrate.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/stats.hpp"
#include "common/strings.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "profiles/profile.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/object_store.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/speed_probe.hpp"
#include "real_exec/store_placement.hpp"
#include "real_exec/tier_jobs.hpp"

namespace tiersplit::real_exec {

namespace fs = std::filesystem;

namespace {

/// Busy and total jiffies per core from /proc/stat.
std::map<int, std::pair<double, double>> core_times() {
  std::map<int, std::pair<double, double>> out;
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cpu", 0) != 0 || line.size() < 4 ||
        !std::isdigit(static_cast<unsigned char>(line[3])))
      continue;
    std::istringstream ls(line.substr(3));
    int core = 0;
    ls >> core;
    double v = 0, total = 0, idle = 0;
    for (int i = 0; ls >> v; ++i) {
      if (i < 8) total += v;  // user nice system idle iowait irq softirq steal
      if (i == 3 || i == 4) idle += v;
    }
    out[core] = {total - idle, total};
  }
  return out;
}

std::string bytes_q(double v) {
  return fmt("%.0fB", v);
}
std::string seconds_q(double v) {
  return fmt("%.3fus", v * 1e6);
}
std::string bandwidth_q(double v) {
  return fmt("%.0fBps", v);
}

void note(bool quiet, const std::string& line) {
  if (!quiet) std::cerr << "calibrate: " << line << std::endl;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

/// `args` followed by `extra`.
std::vector<std::string> with(std::vector<std::string> args,
                              const std::vector<std::string>& extra) {
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// Sum over storage batches and blocks of the per-mini-batch block medians (part
/// "storage-blocks") [s].
double total_block_time(const nlohmann::json& m) {
  double t = 0;
  for (const auto& [b, blocks] : m.at("batches").items()) {
    for (const auto& blk : blocks) t += blk.at("median").get<double>();
  }
  return t;
}

/// Sum over splits of the trainer's median step (part "compute-steps") [s].
double total_step_time(const nlohmann::json& m) {
  double t = 0;
  for (const auto& sp : m.at("splits")) t += sp.at("step_s").at("median").get<double>();
  return t;
}

/// Relative difference of two totals [x].
double drift_between(double a_s, double b_s) {
  const double mean = 0.5 * (a_s + b_s);
  return mean > 0 ? std::abs(a_s - b_s) / mean : 0.0;
}

/// The same work alone (other tier idle) before, with the other tier at work, and alone again
/// after: {"alone_before_s", "busy_s", "alone_after_s", "alone_s" (their mean), "drift" (how much
/// the two alone measurements differ, relative), "ratio" (busy / alone), "slowdown"}. The
/// slowdown is the ratio only where it exceeds the drift: on a machine whose speed drifts, a
/// smaller difference is not the other tier's doing, and 1 is kept.
nlohmann::json slowdown_of(double before_s, double busy_s, double after_s) {
  const double alone = 0.5 * (before_s + after_s);
  const double drift = drift_between(before_s, after_s);
  const double ratio = alone > 0 ? busy_s / alone : 1.0;
  return {{"alone_before_s", before_s},
          {"busy_s", busy_s},
          {"alone_after_s", after_s},
          {"alone_s", alone},
          {"drift", drift},
          {"ratio", ratio},
          {"slowdown", ratio - 1.0 > drift ? ratio : 1.0}};
}

/// Two "alone" measurements of a tier's in-situ work that differ by more than this (relative to
/// their mean) bracket a change of the machine's speed: calibration measures both tiers alone
/// again, at most kMaxAloneAgain times, until the last two agree, and profiles from those two
/// (the campaign at 62fca0b and the checks at de393cf, docs/validation.md: a calibration whose
/// trainer steps took 443 ms before and 347 ms after predicted every run 14-23 % slow).
constexpr double kSteadyDrift = 0.10;
constexpr int kMaxAloneAgain = 2;

/// Timed trainer steps per split beside a server at one storage batch (after one untimed): the
/// storage batches times the splits make these many, so fewer than the 7 of the alone steps.
constexpr int kPerBatchStepRepeats = 3;

/// The platform's "interference" from calibration's measured one (calibrations from before the
/// per-storage-batch factors give the two tier factors only).
nlohmann::json platform_interference(const nlohmann::json& measured) {
  nlohmann::json out = {{"storage_slowdown", measured.value("storage_slowdown", 1.0)},
                        {"compute_slowdown", measured.value("compute_slowdown", 1.0)}};
  if (measured.contains("compute_slowdown_by_storage_batch"))
    out["compute_slowdown_by_storage_batch"] = measured.at("compute_slowdown_by_storage_batch");
  return out;
}

/// The profiler's storage-side profile with the forward times of blocks [0, f) replaced by the
/// pushdown server's own per-mini-batch block times (part "storage-blocks").
void write_insitu_storage_profile(const std::string& in, const nlohmann::json& m,
                                  const std::string& out) {
  profiles::Profile p = profiles::load_profile(in);
  for (const auto& [b, blocks] : m.at("batches").items()) {
    const int64_t batch = parse_whole_number(b, 1, 1 << 20, in + ": in-situ storage batch");
    for (std::size_t i = 0; i < blocks.size() && i < p.blocks.size(); ++i) {
      for (auto& pt : p.blocks[i].forward) {
        if (pt.batch != batch) continue;
        pt.median_s = blocks[i].at("median").get<double>();
        pt.spread = blocks[i].at("rel_iqr").get<double>();
        pt.repeats = blocks[i].at("count").get<int>();
      }
    }
  }
  p.device.derived_from =
      "in situ: forward times of blocks [0," + std::to_string(m.at("freeze").get<int64_t>()) +
      ") are the pushdown server's own, the mean of two measurements with the trainer "
      "idle (tiersplit calibrate)";
  write_json_file(out, profiles::to_json(p));
}

/// The profiler's compute-side profile with its times at B replaced so that, for every split s,
/// forward [s, f) + training [f, L) equals the trainer's measured step at s (part
/// "compute-steps"; fitted non-increasing in s first, against noise).
void write_insitu_compute_profile(const std::string& in, const nlohmann::json& m,
                                  const std::string& out) {
  profiles::Profile p = profiles::load_profile(in);
  const int64_t f = m.at("freeze").get<int64_t>();
  const int64_t B = m.at("batch").get<int64_t>();
  std::vector<double> u(static_cast<std::size_t>(f) + 1, 0.0);
  for (const auto& sp : m.at("splits")) {
    u.at(static_cast<std::size_t>(sp.at("split").get<int64_t>())) =
        sp.at("step_s").at("median").get<double>();
  }
  // A step at a later split does less work than one at an earlier split.
  u = non_increasing_fit(u);
  auto set_at = [B](std::vector<profiles::TimingPoint>& pts, double v) {
    for (auto& pt : pts) {
      if (pt.batch == B) pt.median_s = v;
    }
  };
  for (int64_t i = 0; i < f; ++i) set_at(p.blocks[i].forward, u[i] - u[i + 1]);
  double train_sum = 0;
  for (int64_t i = f; i < p.num_blocks(); ++i) train_sum += p.blocks[i].train_time(B);
  for (int64_t i = f; i < p.num_blocks(); ++i) {
    double share = train_sum > 0 ? p.blocks[i].train_time(B) / train_sum
                                 : (i + 1 == p.num_blocks() ? 1.0 : 0.0);
    set_at(p.blocks[i].train, u[f] * share);
  }
  p.device.derived_from =
      "in situ: times at batch " + std::to_string(B) +
      " reproduce the trainer's measured step at every split, the mean of two measurements "
      "with the server idle (tiersplit calibrate)";
  write_json_file(out, profiles::to_json(p));
}

/// One spread {"median", "rel_iqr", "count", ...} of two measurements of the same thing.
nlohmann::json pooled_spread(const nlohmann::json& a, const nlohmann::json& b) {
  nlohmann::json out = a;
  const double ma = a.at("median").get<double>(), mb = b.at("median").get<double>();
  const double m = 0.5 * (ma + mb);
  out["median"] = m;
  out["count"] = a.value("count", 0) + b.value("count", 0);
  out["min"] = std::min(a.value("min", ma), b.value("min", mb));
  out["max"] = std::max(a.value("max", ma), b.value("max", mb));
  out["rel_iqr"] = std::max(
      {a.value("rel_iqr", 0.0), b.value("rel_iqr", 0.0), m > 0 ? std::abs(ma - mb) / m : 0.0});
  return out;
}

}  // namespace

nlohmann::json pool_alone_measurements(const nlohmann::json& before, const nlohmann::json& after) {
  nlohmann::json out = before;
  if (before.contains("batches")) {
    for (auto& [b, blocks] : out.at("batches").items()) {
      const auto& other = after.at("batches").at(b);
      if (other.size() != blocks.size())
        fail("calibration: the two storage-block measurements of batch ", b, " differ in length");
      for (std::size_t i = 0; i < blocks.size(); ++i)
        blocks[i] = pooled_spread(blocks[i], other[i]);
    }
  }
  if (before.contains("splits")) {
    auto& splits = out.at("splits");
    const auto& other = after.at("splits");
    if (other.size() != splits.size())
      fail("calibration: the two trainer-step measurements differ in their splits");
    for (std::size_t i = 0; i < splits.size(); ++i)
      splits[i]["step_s"] = pooled_spread(splits[i].at("step_s"), other[i].at("step_s"));
  }
  return out;
}

std::string dataset_name(int64_t resolution, int64_t per_object) {
  return "fashion-mnist-r" + std::to_string(resolution) + "-o" + std::to_string(per_object);
}

void check_cores_idle(const nlohmann::json& testbed) {
  auto a = core_times();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // one sample for both tiers
  auto b = core_times();
  for (const std::string tier : {"storage", "compute"}) {
    for (int c : parse_core_list(testbed.at(tier + "_cores").get<std::string>())) {
      if (!a.count(c) || !b.count(c)) continue;
      double busy = b[c].first - a[c].first, total = b[c].second - a[c].second;
      if (total <= 0) continue;
      double share = busy / total;
      if (share > 0.3) {
        fail("the ", tier, " tier's core ", c, " is ", fmt("%.0f", 100 * share),
             "% busy with other work; timings measured there would not be the tier's own. Stop "
             "that work (see top) and try again, or pass --allow-busy to measure anyway");
      }
    }
  }
}

nlohmann::json ensure_dataset(const std::string& store_url, const std::string& dataset,
                              int64_t resolution, int64_t per_object, int64_t min_samples,
                              bool quiet) {
  std::unique_ptr<ObjectStore> store;
  nlohmann::json manifest;
  bool present = false;
  if (store_url.rfind("dir://", 0) == 0) {  // a plain folder: make it, the data set goes in it
    std::error_code ec;
    fs::create_directories(store_url.substr(6), ec);
  }
  try {
    store = open_store(store_url);
    manifest = load_manifest(*store, dataset);
    present = true;
  } catch (const StoreError& e) {
    if (e.kind() != StoreError::Kind::kNotFound) {
      fail("the object store ", store_url, " cannot be used: ", e.what(),
           ". Start Swift with scripts/swift-aio.sh, or pass --store dir://PATH");
    }
  }
  if (present) {
    if (manifest.value("resolution", int64_t{0}) != resolution)
      fail("data set '", dataset, "' in ", store_url, " has resolution ",
           manifest.value("resolution", 0), ", not ", resolution, "; pass another --dataset name");
    int64_t have = 0;
    for (const auto& o : split_objects(manifest, "target-train")) have += o.samples;
    if (manifest.value("per_object", int64_t{0}) == per_object && have >= min_samples)
      return manifest;
  }
  ImportOptions io;
  io.store = store_url;
  io.name = dataset;
  io.resolution = resolution;
  io.per_object = per_object;
  const int64_t target_classes = 10 - static_cast<int64_t>(io.source_classes.size());
  io.max_train_per_class =
      std::min<int64_t>(6000, (min_samples + target_classes - 1) / target_classes + per_object);
  io.max_test_per_class = 20;
  note(quiet, "importing Fashion-MNIST at " + std::to_string(resolution) + " px into " + store_url +
                  " as " + dataset + " (" + std::to_string(io.max_train_per_class) +
                  " training samples per class, " + std::to_string(per_object) + " per object)");
  try {
    return import_fashion_mnist(io);
  } catch (const StoreError& e) {
    fail("importing into ", store_url, " failed: ", e.what(),
         ". Start Swift with scripts/swift-aio.sh, or pass --store dir://PATH");
  }
}

TierServer start_tier_server(const std::string& state_dir, const std::string& store, int port,
                             int threads, const std::string& log_file, int compute_slots) {
  auto st = testbed_state(state_dir);
  const std::string addr = st.at("server_address").get<std::string>();
  TierServer s;
  s.url = "http://" + addr + ":" + std::to_string(port);
  s.log = log_file;
  std::vector<std::string> args{"serve",     "--allow-remote",
                                "--store",   store,
                                "--listen",  addr + ":" + std::to_string(port),
                                "--threads", std::to_string(threads)};
  if (compute_slots > 0)
    args.insert(args.end(), {"--compute-slots", std::to_string(compute_slots)});
  s.process = ChildProcess(on_tier(state_dir, "storage", args), log_file);
  PushdownClient client(s.url, "", RetryPolicy{0.05, 0.2, 0.5});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  for (;;) {
    if (!s.process.running()) {
      fail("the pushdown server on the storage tier exited (status ", s.process.exit_status(),
           ") before answering; its log ", log_file, " ends with:", log_tail(log_file));
    }
    try {
      client.health();
      return s;
    } catch (const Error&) {
    }
    if (std::chrono::steady_clock::now() > deadline) {
      fail("the pushdown server at ", s.url, " did not answer within 90 s; its log ", log_file,
           " ends with:", log_tail(log_file));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

nlohmann::json profile_tiers(const std::string& state_dir, const std::string& model,
                             int64_t resolution, int64_t num_classes, int64_t batch,
                             const std::vector<int64_t>& storage_batches, int threads,
                             const std::string& dir, bool quiet) {
  fs::create_directories(dir);
  const std::string stem =
      model + "-r" + std::to_string(resolution) + "-c" + std::to_string(num_classes);
  const std::string storage_file = (fs::path(dir) / (stem + "-storage.json")).string();
  const std::string compute_file =
      (fs::path(dir) / (stem + "-compute-b" + std::to_string(batch) + ".json")).string();
  std::vector<std::string> bs;
  for (int64_t b : storage_batches) bs.push_back(std::to_string(b));
  auto profile_args = [&](const std::vector<std::string>& extra) {
    return with({"profile", "-m", model, "--input", std::to_string(resolution), "--classes",
                 std::to_string(num_classes), "--threads", std::to_string(threads), "-q"},
                extra);
  };
  const std::vector<TierJob> jobs = {
      {"storage", profile_args({"--batch", join(bs, ","), "--no-train"}), storage_file},
      {"compute", profile_args({"--batch", std::to_string(batch)}), compute_file}};
  if (!fs::exists(storage_file) || !fs::exists(compute_file)) {
    note(quiet, "profiling " + model + " at " + std::to_string(resolution) +
                    " px on both tiers at once (storage: forward at b = " + join(bs, ",") +
                    "; compute: forward and training at B = " + std::to_string(batch) + ")");
  }
  // Both tiers are busy at once when deployed (shared caches and memory bandwidth), so the
  // profiles' metadata and their split of the training time are measured with both at work.
  run_tier_jobs_together(state_dir, jobs, "profiling " + model);
  return {{"storage", storage_file}, {"compute", compute_file}};
}

nlohmann::json calibrated_network(const nlohmann::json& testbed, const nlohmann::json& link) {
  const double nominal = testbed.at("bandwidth_bytes_per_s").get<double>();
  const double delay = testbed.at("delay_s").get<double>();
  const auto& fit = link.at("fit");
  const double fixed = fit.at("fixed_s").get<double>();
  const double bw = fit.at("bandwidth_bytes_per_s").get<double>();
  // SimGrid (CM02): a lone flow of x bytes takes latency x latency_factor + x / (bandwidth x
  // bandwidth_factor). The measured line fixed + x / bw maps onto that, except where the server
  // delays each response (the pacer) on a shaped link: the link idles meanwhile, the shaper's
  // bucket refills and the transfer makes the delay up, so back-to-back probes do not show it.
  // Then the latency is that delay (plus the fixed cost) and the bucket is in "burst".
  const double latency = delay > 0 ? delay : 1e-6;
  const bool delay_before_send =
      delay > 0 && (testbed.value("delay_by_pacer", false) || testbed.value("mode", "") == "pacer");
  const double effective_latency = delay_before_send ? delay + fixed : fixed;
  const double bwf = std::min(1.0, bw / nominal);
  nlohmann::json network = {{"bandwidth", bandwidth_q(nominal)},
                            {"latency", seconds_q(latency)},
                            {"model",
                             {{"latency_factor", effective_latency / latency},
                              {"bandwidth_factor", bwf},
                              {"crosstraffic", false},
                              {"tcp_window", "none"}}}};
  // The bucket: a transfer of W bytes after idle takes latency + (W - burst) / bw.
  if (link.contains("after_idle")) {
    const auto& idle = link.at("after_idle");
    const double w = idle.at("bytes").get<double>();
    const double t = idle.at("elapsed_s").at("median").get<double>();
    const double at_once = w - (t - effective_latency) * bw;  // payload bytes
    // The scenario's burst is in bytes on the wire, like the bandwidth.
    network["burst"] = at_once > 0 ? bytes_q(at_once / bwf) : "none";
  }
  return network;
}

nlohmann::json calibrated_platform(const nlohmann::json& testbed, const nlohmann::json& measured,
                                   double storage_memory_bytes) {
  const auto& s1 = measured.at("server").at("split_1");
  auto med = [](const nlohmann::json& j) { return j.at("median").get<double>(); };
  const double read = med(s1.at("read_s_per_request")) / s1.at("objects_per_request").get<double>();
  const double per_sample = med(s1.at("decode_s_per_sample")) +
                            med(s1.at("serialize_s_per_sample")) + med(s1.at("other_s_per_sample"));
  const double normalise = med(measured.at("compute").at("normalise_s_per_sample"));
  const nlohmann::json interference = measured.value("interference", nlohmann::json::object());
  // The storage tier's cores: its pinning, or all of its host (real hosts not pinned).
  int storage_cores =
      static_cast<int>(parse_core_list(testbed.at("storage_cores").get<std::string>()).size());
  if (storage_cores == 0) storage_cores = testbed.value("storage_cpu_count", 1);
  const int threads = testbed.value("threads", 1);
  return {{"storage",
           {{"nodes", 1},
            {"cores", storage_cores},
            {"pushdown_device", "this-machine"},
            {"pushdown_threads", threads},
            {"memory", bytes_q(storage_memory_bytes)},
            {"disk_bandwidth", "1TBps"},  // whole-object reads are in request_overhead
            {"request_overhead", seconds_q(read)},
            {"decode_time_per_sample", seconds_q(per_sample)}}},
          {"network", calibrated_network(testbed, measured.at("link"))},
          {"compute",
           {{"nodes", 1},
            {"device", "this-machine"},
            {"memory", "16GiB"},
            {"decode_time_per_sample", seconds_q(normalise)}}},
          // Tiers on one machine slow each other down (on two hosts the factors come out at 1
          // unless their drift-checked measurements say otherwise).
          {"interference", platform_interference(interference)}};
}

/// Copies profile files (*.json) that `to` lacks.
void sync_profiles(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(from);
  std::filesystem::create_directories(to);
  for (const auto& e : std::filesystem::directory_iterator(from)) {
    if (e.path().extension() == ".json" && !std::filesystem::exists(to / e.path().filename()))
      std::filesystem::copy_file(e.path(), to / e.path().filename());
  }
}

nlohmann::json calibrate(const CalibrateOptions& o) {
  if (o.models.empty()) fail("calibrate: give at least one --model");
  if (o.batch < 1) fail("--batch ", o.batch, " must be >= 1");
  const int64_t per_object = o.per_object > 0 ? o.per_object : o.batch;
  const std::string dataset =
      o.dataset.empty() ? dataset_name(o.resolution, per_object) : o.dataset;
  std::vector<int64_t> storage_batches = o.storage_batches;
  if (storage_batches.empty()) {
    for (int64_t b = 1; b < o.batch; b *= 2) storage_batches.push_back(b);
    storage_batches.push_back(o.batch);
  }
  fs::create_directories(o.dir);
  const std::string dir = fs::absolute(o.dir).string();
  const std::string state_dir = fs::absolute(o.testbed.state_dir).string();

  nlohmann::json testbed = o.bring_up_testbed ? testbed_up(o.testbed) : testbed_state(state_dir);
  note(o.quiet, "testbed " + testbed.value("mode", std::string("?")) + ": " +
                    testbed.value("link", std::string("")));
  if (testbed.value("mode", std::string()) != "hosts") {  // this machine's cores
    if (!o.allow_busy) check_cores_idle(testbed);
    const std::string warning = swift_placement_warning(
        local_swift_processes(), parse_core_list(testbed.at("compute_cores").get<std::string>()));
    if (!warning.empty()) std::cerr << "calibrate: warning: " << warning << "\n";
  }
  nlohmann::json manifest =
      ensure_dataset(o.store, dataset, o.resolution, per_object, 8 * o.batch, o.quiet);
  const int64_t classes = split_classes(manifest, "target-train");

  nlohmann::json profiles = nlohmann::json::array();
  std::vector<std::string> sbs;
  for (int64_t b : storage_batches) sbs.push_back(std::to_string(b));
  for (const auto& m : o.models) {
    nlohmann::json files =
        profile_tiers(state_dir, m, o.resolution, classes, o.batch, storage_batches,
                      testbed.value("threads", 1), (fs::path(dir) / "profiles").string(), o.quiet);
    profiles.push_back(
        {{"model", m},
         {"resolution", o.resolution},
         {"num_classes", classes},
         {"batch", o.batch},
         {"storage_batches", storage_batches},
         {"storage", fs::relative(files["storage"].get<std::string>(), dir).string()},
         {"compute", fs::relative(files["compute"].get<std::string>(), dir).string()}});
  }

  note(o.quiet, "measuring the link and the server's overheads from the compute tier");
  const std::string label = fmt("%.0f", testbed.at("bandwidth_bytes_per_s").get<double>() * 8);
  const std::string link_file = (fs::path(dir) / ("link-" + label + "bit.json")).string();
  const std::string server_file =
      (fs::path(dir) / ("server-overheads-" + label + "bit.json")).string();
  nlohmann::json interference = {{"models", nlohmann::json::object()}};
  nlohmann::json speed;
  {
    TierServer server = start_tier_server(state_dir, o.store, o.port, testbed.value("threads", 1),
                                          (fs::path(dir) / "server.log").string());
    auto link_args = [&](const std::string& model) {
      return std::vector<std::string>{"calibrate-link",
                                      "--server",
                                      server.url,
                                      "--dataset",
                                      dataset,
                                      "--model",
                                      model,
                                      "--resolution",
                                      std::to_string(o.resolution),
                                      "--batch",
                                      std::to_string(o.batch),
                                      "--classes",
                                      std::to_string(classes)};
    };
    std::vector<std::string> args = link_args(o.models.front());
    args.insert(args.end(),
                {"--bandwidth", bandwidth_q(testbed.at("bandwidth_bytes_per_s").get<double>())});
    // The link from the compute tier (over the shaped link); the server's own parts from the
    // storage tier (the server's address is local there: s = 1 responses do not cross the link).
    run_tier_jobs_alone(state_dir,
                        {{"compute", with(args, {"--part", "link"}), link_file},
                         {"storage", with(args, {"--part", "server"}), server_file}},
                        "calibration");
    // The machine's speed on both tiers before and after the in-situ measurements: what runs
    // predicted from this calibration are compared with (validate probes around every run).
    const nlohmann::json speed_before =
        probe_tiers(state_dir, server.url, (fs::path(dir) / "speed-before").string());
    // In situ: the server's own block times (storage tier) and the trainer's own step at every
    // split (compute tier), each with the other tier idle (the profiles the simulator uses) and
    // with the other tier at work (their ratio is the tiers' interference).
    for (auto& p : profiles) {
      const std::string m = p["model"].get<std::string>();
      auto file = [&](const std::string& what) {
        return (fs::path(dir) / ("insitu-" + m + "-" + what + ".json")).string();
      };
      const std::vector<std::string> part_args =
          with(link_args(m), {"--storage-batches", join(sbs, ",")});
      const TierJob blocks{"storage", with(part_args, {"--part", "storage-blocks"}),
                           file("storage-blocks-alone")};
      const TierJob steps{"compute", with(part_args, {"--part", "compute-steps"}),
                          file("compute-steps-alone")};
      TierJob blocks_busy = blocks, steps_busy = steps, blocks_after = blocks, steps_after = steps;
      blocks_busy.file = file("storage-blocks-busy");
      steps_busy.file = file("compute-steps-busy");
      blocks_after.file = file("storage-blocks-alone-after");
      steps_after.file = file("compute-steps-alone-after");
      note(o.quiet, "measuring " + m +
                        " in situ (server block times, trainer steps per split): each tier alone, "
                        "both at once, each alone again");
      const std::string what = "in-situ calibration of " + m;
      run_tier_jobs_alone(state_dir, {blocks, steps}, what);
      run_tier_jobs_together(state_dir, {blocks_busy, steps_busy}, what);
      run_tier_jobs_alone(state_dir, {blocks_after, steps_after}, what);

      auto load = [](const TierJob& j) { return load_json_file(j.file).raw(); };
      // Every alone measurement in order (before and after the interference run, then any
      // repeats); the profiles come from the last two, once they agree.
      std::vector<nlohmann::json> blocks_runs{load(blocks), load(blocks_after)};
      std::vector<nlohmann::json> steps_runs{load(steps), load(steps_after)};
      auto last_drifts = [&]() {
        const std::size_t n = blocks_runs.size();
        return std::pair{
            drift_between(total_block_time(blocks_runs[n - 2]),
                          total_block_time(blocks_runs[n - 1])),
            drift_between(total_step_time(steps_runs[n - 2]), total_step_time(steps_runs[n - 1]))};
      };
      for (int again = 1; again <= kMaxAloneAgain; ++again) {
        const auto [storage_drift, compute_drift] = last_drifts();
        if (storage_drift <= kSteadyDrift && compute_drift <= kSteadyDrift) break;
        note(o.quiet, "the last two alone measurements of " + m + " differ by " +
                          fmt("%.0f %%", 100 * storage_drift) + " (server) and " +
                          fmt("%.0f %%", 100 * compute_drift) +
                          " (trainer): measuring both alone again (" + std::to_string(again) +
                          " of at most " + std::to_string(kMaxAloneAgain) + ")");
        TierJob b = blocks, st = steps;
        b.file = file("storage-blocks-alone-again-" + std::to_string(again));
        st.file = file("compute-steps-alone-again-" + std::to_string(again));
        run_tier_jobs_alone(state_dir, {b, st}, what);
        blocks_runs.push_back(load(b));
        steps_runs.push_back(load(st));
      }
      const auto [storage_drift, compute_drift] = last_drifts();
      const nlohmann::json steady = {{"alone_measurements", blocks_runs.size()},
                                     {"storage_drift", storage_drift},
                                     {"compute_drift", compute_drift},
                                     {"tolerance", kSteadyDrift}};
      const double steps_before_s = total_step_time(steps_runs[0]);
      const double steps_after_s = total_step_time(steps_runs[1]);
      interference["models"][m] = {
          {"storage",
           slowdown_of(total_block_time(blocks_runs[0]), total_block_time(load(blocks_busy)),
                       total_block_time(blocks_runs[1]))},
          {"compute",
           slowdown_of(steps_before_s, total_step_time(load(steps_busy)), steps_after_s)}};
      // The trainer's steps beside a server computing mini-batches of one storage batch only,
      // for each: a larger b may take more of the shared caches and slow the trainer more,
      // which one factor over all batches cannot show (docs/validation.md, the campaign at
      // 62fca0b, found no trend on its machine).
      note(o.quiet, "measuring " + m + "'s trainer steps beside a server at each storage batch");
      const double busy_for_s =
          1.5 * (kPerBatchStepRepeats + 1) * std::max(steps_before_s, steps_after_s) + 2.0;
      nlohmann::json by_batch = nlohmann::json::object();
      for (int64_t b : storage_batches) {
        const std::string sb = std::to_string(b);
        const TierJob server_at_b{
            "storage",
            with(link_args(m), {"--part", "storage-blocks", "--storage-batches", sb,
                                "--min-duration", fmt("%.1f", busy_for_s)}),
            file("storage-blocks-beside-steps-b" + sb)};
        const TierJob steps_beside{"compute",
                                   with(link_args(m), {"--part", "compute-steps", "--step-repeats",
                                                       std::to_string(kPerBatchStepRepeats)}),
                                   file("compute-steps-busy-b" + sb)};
        run_tier_jobs_together(state_dir, {server_at_b, steps_beside}, what);
        by_batch[sb] =
            slowdown_of(steps_before_s, total_step_time(load(steps_beside)), steps_after_s);
      }
      interference["models"][m]["compute_by_storage_batch"] = by_batch;
      interference["models"][m]["profiles_from"] = steady;
      const fs::path pdir = fs::path(dir);
      const std::string st_in = (pdir / p["storage"].get<std::string>()).string();
      const std::string cp_in = (pdir / p["compute"].get<std::string>()).string();
      const std::string st_out = st_in.substr(0, st_in.size() - 5) + "-insitu.json";
      const std::string cp_out = cp_in.substr(0, cp_in.size() - 5) + "-insitu.json";
      const std::size_t last = blocks_runs.size() - 1;
      write_insitu_storage_profile(
          st_in, pool_alone_measurements(blocks_runs[last - 1], blocks_runs[last]), st_out);
      write_insitu_compute_profile(
          cp_in, pool_alone_measurements(steps_runs[last - 1], steps_runs[last]), cp_out);
      p["profiler_storage"] = p["storage"];
      p["profiler_compute"] = p["compute"];
      p["storage"] = fs::relative(st_out, dir).string();
      p["compute"] = fs::relative(cp_out, dir).string();
    }
    speed = speed_reference(
        speed_before, probe_tiers(state_dir, server.url, (fs::path(dir) / "speed-after").string()));
  }
  // One factor per tier for the platform: all models' times together; the same per storage
  // batch for the compute tier.
  auto pooled = [&](auto&& pick) {
    double before = 0, busy = 0, after = 0;
    for (const auto& [m, f] : interference["models"].items()) {
      const nlohmann::json& one = pick(f);
      before += one.at("alone_before_s").get<double>();
      busy += one.at("busy_s").get<double>();
      after += one.at("alone_after_s").get<double>();
    }
    return slowdown_of(before, busy, after);
  };
  for (const std::string tier : {"storage", "compute"}) {
    interference[tier] =
        pooled([&](const nlohmann::json& f) -> const nlohmann::json& { return f.at(tier); });
    interference[tier + "_slowdown"] = interference[tier].at("slowdown");
  }
  for (int64_t b : storage_batches) {
    const std::string sb = std::to_string(b);
    interference["compute_by_storage_batch"][sb] =
        pooled([&](const nlohmann::json& f) -> const nlohmann::json& {
          return f.at("compute_by_storage_batch").at(sb);
        });
    interference["compute_slowdown_by_storage_batch"][sb] =
        interference["compute_by_storage_batch"][sb].at("slowdown");
  }
  nlohmann::json measured = load_json_file(link_file).raw();
  measured["server"] = load_json_file(server_file).raw().at("server");
  measured["interference"] = interference;
  measured["speed"] = speed;
  double memory = 2.0 * 1073741824.0;  // `tiersplit serve`'s default --memory-budget
  nlohmann::json doc = {
      {"format", kCalibrationFormatName},
      {"version", kCalibrationFormatVersion},
      {"created", utc_now()},
      {"testbed", testbed},
      {"store", o.store},
      {"dataset",
       {{"name", dataset},
        {"resolution", o.resolution},
        {"per_object", per_object},
        {"bytes_per_sample", manifest.at("bytes_per_sample")},
        {"target_train_samples", manifest.at("splits").at("target-train").at("samples")},
        {"target_classes", classes}}},
      {"profiles", profiles},
      {"measured", measured},
      {"platform", calibrated_platform(testbed, measured, memory)}};
  write_json_file((fs::path(dir) / "calibration.json").string(), doc);
  return doc;
}

}  // namespace tiersplit::real_exec
