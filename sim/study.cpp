// study.cpp: configurations of a scenario, running one, and running many in worker processes.
#include "sim/study.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <stdexcept>
#include <thread>

#include "common/error.hpp"
#include "common/progress.hpp"
#include "common/units.hpp"
#include "sim/closed_form.hpp"

namespace tiersplit::sim {

namespace {

bool is_searching(const TenantParams& t) { return t.split < 0 || t.storage_batch < 0; }

/// The candidate with the shortest closed-form job time for the tenant alone.
Choice best_alone(const Study& st, const SweepPoint& point, const ResolvedTenant& t) {
  Choice best{0, std::min<int64_t>(t.params.batch_size, 1)};
  double best_job = std::numeric_limits<double>::infinity();
  bool have = false;
  for (const Choice& c : candidate_choices(st.scenario, t)) {
    TenantPlan plan = make_tenant_plan(st.scenario, point, t, c);
    if (!fits_storage_memory(plan, point.platform)) continue;
    ClosedForm cf = closed_form({plan}, 0, point.platform, point.prefetch_depth);
    if (!have || cf.job_s < best_job) {
      best = c;
      best_job = cf.job_s;
      have = true;
    }
  }
  if (!have) {
    auto cands = candidate_choices(st.scenario, t);
    best = {0, cands.front().storage_batch};  // no pushdown always fits
  }
  return best;
}

}  // namespace

Study prepare_study(const Scenario& sc, ProfileCache& cache, const StudyOverrides& overrides) {
  Study st;
  st.scenario = sc;
  st.points = expand_sweep(sc);
  for (SweepPoint& point : st.points) {
    std::vector<ResolvedTenant> tenants = resolve_tenants(sc, point, cache);
    for (std::size_t i = 0; i < tenants.size(); ++i) {
      ResolvedTenant& t = tenants[i];
      if (overrides.split) {
        if (*overrides.split < 0 || *overrides.split > t.freeze_index) {
          fail("--split ", *overrides.split, " is beyond the freeze index ", t.freeze_index, " of tenant '",
               t.params.name, "' (", t.params.model, "; splits run from 0 to the freeze index)");
        }
        t.params.split = *overrides.split;
      }
      if (overrides.storage_batch) {
        if (*overrides.storage_batch < 1 || *overrides.storage_batch > t.params.batch_size) {
          fail("--storage-batch ", *overrides.storage_batch, " is larger than the training batch ",
               t.params.batch_size, " of tenant '", t.params.name, "' (or below 1)");
        }
        t.params.storage_batch = *overrides.storage_batch;
      }
      point.tenants[i] = t.params;
    }
    std::vector<Choice> baseline;
    for (const auto& t : tenants) {
      baseline.push_back(is_searching(t.params) ? best_alone(st, point, t)
                                                : Choice{t.params.split, t.params.storage_batch});
    }
    // Validate every candidate now (split range, measured batch sizes): errors before any work.
    for (const auto& t : tenants) {
      for (const Choice& c : candidate_choices(sc, t)) make_tenant_plan(sc, point, t, c);
    }
    st.tenants.push_back(std::move(tenants));
    st.baseline.push_back(std::move(baseline));
  }
  for (std::size_t pi = 0; pi < st.points.size(); ++pi) {
    const auto& tenants = st.tenants[pi];
    const auto& baseline = st.baseline[pi];
    std::vector<int> fixed, searching;
    for (std::size_t i = 0; i < tenants.size(); ++i) {
      (is_searching(tenants[i].params) ? searching : fixed).push_back(static_cast<int>(i));
    }
    auto add = [&](std::vector<Choice> choices, std::vector<int> focus) {
      Config c;
      c.index = st.configs.size();
      c.point = pi;
      c.choices = std::move(choices);
      c.focus = std::move(focus);
      st.configs.push_back(std::move(c));
    };
    if (!fixed.empty()) add(baseline, fixed);
    for (int t : searching) {
      for (const Choice& c : candidate_choices(sc, tenants[static_cast<std::size_t>(t)])) {
        std::vector<Choice> choices = baseline;
        choices[static_cast<std::size_t>(t)] = c;
        add(std::move(choices), {t});
      }
    }
  }
  return st;
}

RunSpec make_run_spec(const Study& study, const Config& config) {
  const SweepPoint& point = study.points[config.point];
  const auto& tenants = study.tenants[config.point];
  RunSpec spec;
  spec.platform = point.platform;
  spec.prefetch_depth = point.prefetch_depth;
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    spec.tenants.push_back(make_tenant_plan(study.scenario, point, tenants[i], config.choices[i]));
  }
  return spec;
}

namespace {

std::string bottleneck_of(double storage, double network, double compute) {
  if (compute >= storage && compute >= network) return "compute";
  if (storage >= network) return "storage";
  return "network";
}

}  // namespace

std::vector<TenantResult> run_config(const Study& study, const Config& config, bool simulate_it,
                                     TraceRecorder* trace) {
  const SweepPoint& point = study.points[config.point];
  RunSpec spec = make_run_spec(study, config);
  bool any_feasible = false;
  for (int f : config.focus) {
    any_feasible = any_feasible || fits_storage_memory(spec.tenants[static_cast<std::size_t>(f)], point.platform);
  }
  RunOutput sim;
  if (simulate_it && any_feasible) sim = simulate(spec, trace);

  std::vector<TenantResult> rows;
  for (int f : config.focus) {
    const auto fi = static_cast<std::size_t>(f);
    const TenantPlan& p = spec.tenants[fi];
    const ResolvedTenant& t = study.tenants[config.point][fi];
    TenantResult r;
    r.config = config.index;
    r.point = config.point;
    r.labels = point.labels;
    r.tenant = f;
    r.tenant_name = p.name;
    r.model = t.params.model;
    r.split = p.split;
    r.storage_batch = p.storage_batch;
    r.training_batch = p.training_batch;
    r.pushdown_memory = p.pushdown_memory_bytes;
    if (!fits_storage_memory(p, point.platform)) {
      r.feasible = false;
      r.note = "one pushdown needs " + format_bytes(p.pushdown_memory_bytes) + ", a storage node has " +
               format_bytes(point.platform.storage.memory_bytes);
      r.source = simulate_it ? "simulation" : "closed-form";
      rows.push_back(r);
      continue;
    }
    ClosedForm cf = closed_form(spec.tenants, fi, point.platform, point.prefetch_depth);
    r.closed_form_iteration_s = cf.iteration_s;
    r.closed_form_job_s = cf.job_s;
    const double total = static_cast<double>(p.total_iterations);
    if (simulate_it) {
      const TenantRun& run = sim.tenants[fi];
      r.source = "simulation";
      r.iteration_s = run.iteration_s;
      r.first_iteration_s = run.first_iteration_s;
      r.job_s = run.job_s;
      r.epoch_s = static_cast<double>(p.iterations_per_epoch) * run.iteration_s;
      r.bytes_per_iteration = run.bytes_per_iteration;
      r.storage_busy = run.storage_busy;
      r.network_busy = run.network_busy;
      r.compute_busy = run.compute_busy;
      r.peak_storage_memory = run.peak_storage_memory;
      r.memory_wait_s = run.memory_wait_s;
      r.memory_wait_per_iteration_s =
          run.measured_iterations > 0 ? run.memory_wait_s / static_cast<double>(run.measured_iterations) : 0;
      r.bottleneck = bottleneck_of(r.storage_busy, r.network_busy, r.compute_busy);
      r.measured_iterations = run.measured_iterations;
      r.simulated_iterations = run.simulated_iterations;
    } else {
      r.source = "closed-form";
      r.iteration_s = cf.iteration_s;
      r.first_iteration_s = cf.first_iteration_s;
      r.job_s = cf.job_s;
      r.epoch_s = cf.epoch_s;
      r.bytes_per_iteration = cf.bytes_per_iteration;
      r.storage_busy = cf.storage_busy;
      r.network_busy = cf.network_busy;
      r.compute_busy = cf.compute_busy;
      r.peak_storage_memory = p.pushdown_memory_bytes;
      r.bottleneck = cf.bottleneck;
    }
    r.job_bytes = r.bytes_per_iteration * total;
    rows.push_back(r);
  }
  return rows;
}

std::pair<int64_t, int64_t> max_nodes(const Study& study, const std::vector<std::size_t>& configs) {
  int64_t s = 1, c = 1;
  for (std::size_t i : configs) {
    const SweepPoint& p = study.points[study.configs[i].point];
    s = std::max(s, p.platform.storage.nodes);
    c = std::max(c, p.platform.compute.nodes);
  }
  return {s, c};
}

std::vector<std::size_t> shard_configs(const Study& study, const Shard& shard) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < study.configs.size(); ++i) {
    if (shard.contains(i)) out.push_back(i);
  }
  return out;
}

namespace {

void write_all(int fd, const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(4);  // the parent went away
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

/// A worker: takes the next configuration from the shared counter until none is left; one line
/// per result and "D <config>" after each configuration.
[[noreturn]] void worker_main(const Study& study, const std::vector<std::size_t>& todo,
                              std::atomic<std::size_t>* next, int fd) {
  int code = 0;
  try {
    auto [s, c] = max_nodes(study, todo);
    prepare_engine(study.points[study.configs[todo.front()].point].platform, s, c);
    for (;;) {
      std::size_t i = next->fetch_add(1);
      if (i >= todo.size()) break;
      std::size_t ci = todo[i];
      std::string out;
      for (const auto& r : run_config(study, study.configs[ci], true)) out += "R " + to_json(r).dump() + "\n";
      out += "D " + std::to_string(ci) + "\n";
      write_all(fd, out);
    }
  } catch (const Error& e) {
    write_all(fd, std::string("E ") + e.what() + "\n");
    code = 2;
  } catch (const std::exception& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    write_all(fd, "X " + what + "\n");
    code = 1;
  }
  ::close(fd);
  _exit(code);
}

}  // namespace

std::vector<TenantResult> run_sweep(const Study& study, const SweepOptions& options) {
  std::vector<std::size_t> todo = shard_configs(study, options.shard);
  std::vector<TenantResult> rows;
  if (todo.empty()) return rows;
  if (!options.simulate) {
    for (std::size_t ci : todo) {
      for (auto& r : run_config(study, study.configs[ci], false)) rows.push_back(std::move(r));
    }
    return rows;
  }
  int jobs = options.jobs > 0 ? options.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  jobs = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(jobs), todo.size()));

  std::fflush(stdout);
  std::fflush(stderr);
  struct Worker {
    pid_t pid = -1;
    int fd = -1;
    std::string buffer;
  };
  std::vector<Worker> workers(static_cast<std::size_t>(jobs));
  // Workers share a counter of handed-out configurations (dynamic load balancing).
  void* shared = ::mmap(nullptr, sizeof(std::atomic<std::size_t>), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
  auto* next = new (shared) std::atomic<std::size_t>(0);
  struct Unmap {
    void* p;
    ~Unmap() { ::munmap(p, sizeof(std::atomic<std::size_t>)); }
  } unmap{shared};
  for (int w = 0; w < jobs; ++w) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::close(fds[0]);
      for (int o = 0; o < w; ++o) ::close(workers[static_cast<std::size_t>(o)].fd);
      worker_main(study, todo, next, fds[1]);
    }
    ::close(fds[1]);
    workers[static_cast<std::size_t>(w)].pid = pid;
    workers[static_cast<std::size_t>(w)].fd = fds[0];
  }

  std::optional<ProgressBar> bar;
  if (options.progress) bar.emplace("sweep", static_cast<int64_t>(todo.size()));
  std::map<std::size_t, std::vector<TenantResult>> by_config;
  std::string error_user, error_internal;
  std::size_t open = workers.size();
  auto handle_line = [&](const std::string& line) {
    if (line.size() < 2) return;
    char kind = line[0];
    std::string body = line.substr(2);
    if (kind == 'R') {
      TenantResult r = result_from_json(nlohmann::json::parse(body));
      by_config[r.config].push_back(std::move(r));
    } else if (kind == 'D') {
      if (bar) bar->advance(1);
    } else if (kind == 'E') {
      if (error_user.empty()) error_user = body;
    } else {
      if (error_internal.empty()) error_internal = body;
    }
  };
  while (open > 0) {
    std::vector<pollfd> pfds;
    std::vector<std::size_t> which;
    for (std::size_t w = 0; w < workers.size(); ++w) {
      if (workers[w].fd >= 0) {
        pfds.push_back({workers[w].fd, POLLIN, 0});
        which.push_back(w);
      }
    }
    int n = ::poll(pfds.data(), pfds.size(), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; i < pfds.size(); ++i) {
      if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Worker& wk = workers[which[i]];
      char buf[65536];
      ssize_t got = ::read(wk.fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(wk.fd);
        wk.fd = -1;
        --open;
        continue;
      }
      wk.buffer.append(buf, static_cast<std::size_t>(got));
      std::size_t start = 0, nl;
      while ((nl = wk.buffer.find('\n', start)) != std::string::npos) {
        handle_line(wk.buffer.substr(start, nl - start));
        start = nl + 1;
      }
      wk.buffer.erase(0, start);
    }
  }
  if (bar) bar->finish();
  std::string crashed;
  for (auto& wk : workers) {
    int status = 0;
    while (::waitpid(wk.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status) && crashed.empty()) {
      crashed = "a sweep worker died of signal " + std::to_string(WTERMSIG(status));
    }
  }
  if (!error_user.empty()) throw Error(error_user);
  if (!error_internal.empty()) throw std::runtime_error(error_internal);
  if (!crashed.empty()) throw std::runtime_error(crashed);
  for (std::size_t ci : todo) {
    auto it = by_config.find(ci);
    if (it == by_config.end()) throw std::runtime_error("a sweep worker returned no result for configuration " + std::to_string(ci));
    for (auto& r : it->second) rows.push_back(std::move(r));
  }
  return rows;
}

nlohmann::json results_document(const Study& study, const std::vector<TenantResult>& rows, const Shard& shard) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : rows) results.push_back(to_json(r));
  nlohmann::json best = nlohmann::json::array();
  for (const auto& r : best_per_point(rows)) best.push_back(to_json(r));
  return {{"format", "tiersplit-results"},
          {"version", 1},
          {"scenario", study.scenario.name},
          {"scenario_file", study.scenario.file},
          {"shard", std::to_string(shard.index) + "/" + std::to_string(shard.count)},
          {"configurations", study.configs.size()},
          {"sweep_points", study.points.size()},
          {"results", results},
          {"best", best}};
}

}  // namespace tiersplit::sim
