// simgrid_model.cpp: the tiers as a SimGrid platform and each tenant as storage-side producers and
// a compute-side consumer.
//
// Platform (built once per process with the s4u API, no XML):
//   storage-k  host, speed kWork units/s, one core per concurrent pushdown slot
//   storage-k-disk  host standing for storage-k's disk: a read of n bytes executes
//              n / disk bandwidth x kWork units on its one core, so concurrent reads share the
//              disk's bandwidth equally (SimGrid 3.32's own disks keep every finished read in
//              the reading actor's activity list, which made long simulations quadratic)
//   compute-j  host, speed kWork units/s, one core (the training device)
//   path-k     link storage-k -> compute tier: min(network bandwidth, storage NIC), latency
//   core       shared link (the core link, or unlimited when the scenario has none)
//   nic-j      link into compute-j (the compute NIC, or unlimited)
//   route      storage-k -> compute-j = path-k, core, nic-j
// Hosts have pstates 0 (full speed) and 1 (slowed by the platform's interference factor), taken
// while the co-located node of the other tier (storage-k with compute-k) executes; compute hosts
// also have one pstate per storage batch of compute_slowdown_by_storage_batch (2 + its index),
// taken while storage-k executes mini-batches of that batch.
// Times are executed as work = seconds x kWork on hosts of speed kWork, so an Exec of t seconds
// takes t seconds alone and shares the host with concurrent ones.
#include "sim/engine/simgrid_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <limits>
#include <memory>
#include <simgrid/s4u.hpp>
#include <stdexcept>

#include "sim/closed_form.hpp"
#include "sim/engine/engine_clock.hpp"
#include "sim/engine/engine_setup.hpp"
#include "sim/token_bucket.hpp"
#include "sim/trace.hpp"

namespace sg4 = simgrid::s4u;

namespace tiersplit::sim {
namespace {

/// Host speed: work units per second. Large so that SimGrid's absolute work-amount precision
/// (1e-5 units) is far below a nanosecond.
constexpr double kWork = 1e9;
/// Stand-in bandwidth of a link that the scenario leaves unlimited [B/s].
constexpr double kUnlimitedBandwidth = 1e15;

/// The process's engine and platform.
struct World {
  sg4::Engine* engine = nullptr;
  NetworkModelParams model;
  InterferenceParams interference;
  int slots = 1;
  std::vector<sg4::Host*> storage, compute;
  std::vector<sg4::Host*> disks;
  double disk_bandwidth = 1e9;  ///< of every storage node's disk [B/s] (configure_world)
  std::vector<sg4::Link*> paths, nics;
  sg4::Link* core = nullptr;
};

World* g_world = nullptr;

bool same_model(const NetworkModelParams& a, const NetworkModelParams& b) {
  return a.latency_factor == b.latency_factor && a.bandwidth_factor == b.bandwidth_factor &&
         a.crosstraffic == b.crosstraffic && a.tcp_window_bytes == b.tcp_window_bytes;
}

bool same_interference(const InterferenceParams& a, const InterferenceParams& b) {
  return a.storage_slowdown == b.storage_slowdown && a.compute_slowdown == b.compute_slowdown &&
         a.compute_slowdown_by_storage_batch == b.compute_slowdown_by_storage_batch;
}

/// Pstate speeds of a host of a tier slowed by `slowdown` while the other tier executes, then
/// by each of `more`.
std::vector<double> tier_speeds(double slowdown, const std::vector<double>& more = {}) {
  std::vector<double> speeds{kWork, kWork / slowdown};
  for (double f : more) speeds.push_back(kWork / f);
  return speeds;
}

/// The compute hosts' extra pstates: compute_slowdown_by_storage_batch's factors, in order.
std::vector<double> per_batch_factors(const InterferenceParams& in) {
  std::vector<double> f;
  for (const auto& [b, factor] : in.compute_slowdown_by_storage_batch) f.push_back(factor);
  return f;
}

/// The compute pstate that storage work on mini-batches of `storage_batch` puts its partner in.
int compute_pstate_for(const InterferenceParams& in, int64_t storage_batch) {
  const int64_t b = in.listed_batch_for(storage_batch);
  if (b == 0) return 1;
  const auto& listed = in.compute_slowdown_by_storage_batch;
  return 2 + static_cast<int>(std::distance(listed.begin(), listed.find(b)));
}

void build_world(const NetworkModelParams& model, const InterferenceParams& interference,
                 int64_t storage_nodes, int64_t compute_nodes, int slots) {
  auto* w = new World;
  w->engine = create_engine(model);
  w->model = model;
  w->interference = interference;
  w->slots = slots;

  auto* zone = sg4::create_full_zone("tiersplit");
  for (int64_t k = 0; k < storage_nodes; ++k) {
    std::string name = "storage-" + std::to_string(k);
    sg4::Host* h = zone->create_host(name, tier_speeds(interference.storage_slowdown))
                       ->set_core_count(slots)
                       ->seal();
    w->storage.push_back(h);
    w->disks.push_back(zone->create_host(name + "-disk", kWork)->seal());
    w->paths.push_back(zone->create_link("path-" + std::to_string(k), 1e9)->seal());
  }
  w->core = zone->create_link("core", kUnlimitedBandwidth)->seal();
  for (int64_t j = 0; j < compute_nodes; ++j) {
    w->compute.push_back(zone->create_host("compute-" + std::to_string(j),
                                           tier_speeds(interference.compute_slowdown,
                                                       per_batch_factors(interference)))
                             ->seal());
    w->nics.push_back(zone->create_link("nic-" + std::to_string(j), kUnlimitedBandwidth)->seal());
  }
  for (int64_t k = 0; k < storage_nodes; ++k) {
    for (int64_t j = 0; j < compute_nodes; ++j) {
      zone->add_route(
          w->storage[static_cast<std::size_t>(k)]->get_netpoint(),
          w->compute[static_cast<std::size_t>(j)]->get_netpoint(), nullptr, nullptr,
          {sg4::LinkInRoute(w->paths[static_cast<std::size_t>(k)]), sg4::LinkInRoute(w->core),
           sg4::LinkInRoute(w->nics[static_cast<std::size_t>(j)])},
          true);
    }
  }
  zone->seal();
  g_world = w;
}

/// Applies a configuration's bandwidths and latencies to the existing links and disks.
void configure_world(const PlatformParams& pf) {
  World& w = *g_world;
  const NetworkParams& n = pf.network;
  for (std::size_t k = 0; k < w.paths.size(); ++k) {
    w.paths[k]->set_bandwidth(n.path_bandwidth());
    w.paths[k]->set_latency(n.latency_s);
  }
  w.disk_bandwidth = pf.storage.disk_bandwidth;
  w.core->set_bandwidth(n.core_bandwidth > 0 ? n.core_bandwidth : kUnlimitedBandwidth);
  w.core->set_latency(n.core_latency_s);
  for (auto* nic : w.nics)
    nic->set_bandwidth(n.compute_nic > 0 ? n.compute_nic : kUnlimitedBandwidth);
  for (auto* h : w.storage) h->set_pstate(0);
  for (auto* h : w.compute) h->set_pstate(0);
}

// ---- interference between co-located tiers ------------------------------------------------

enum class Tier { kStorage, kCompute };

/// Executions running on each node of each tier, by the pstate they put the partner in; while
/// storage-k executes, compute-k runs at the slowest of those pstates, and the other way round
/// (pstate changes apply to running executions). Inactive (no counting, no pstate changes on the
/// sweep's hot path) without interference.
struct Colocation {
  bool active = false;
  /// [node][pstate of the partner] -> executions running
  std::vector<std::vector<int>> storage_running, compute_running;

  void init(bool interference, std::size_t storage_nodes, std::size_t compute_nodes) {
    active = interference;
    const std::size_t levels = 2 + per_batch_factors(g_world->interference).size();
    storage_running.assign(storage_nodes, std::vector<int>(levels, 0));
    compute_running.assign(compute_nodes, std::vector<int>(levels, 0));
  }
  /// The other tier's host sharing a machine with `node` of `tier`, if any.
  static sg4::Host* partner(Tier tier, std::size_t node) {
    const auto& other = tier == Tier::kStorage ? g_world->compute : g_world->storage;
    return node < other.size() ? other[node] : nullptr;
  }
  /// `tier`'s node `node` starts (+1) or ends (-1) an execution that slows its partner to
  /// `pstate`; the partner takes its slowest pstate of the executions running.
  void change(Tier tier, std::size_t node, int pstate, int delta) {
    if (!active) return;
    std::vector<int>& running = (tier == Tier::kStorage ? storage_running : compute_running)[node];
    running[static_cast<std::size_t>(pstate)] += delta;
    sg4::Host* h = partner(tier, node);
    if (!h) return;
    int slowest = 0;
    for (std::size_t l = 1; l < running.size(); ++l) {
      if (running[l] > 0 &&
          (slowest == 0 || h->get_pstate_speed(static_cast<unsigned long>(l)) <
                               h->get_pstate_speed(static_cast<unsigned long>(slowest))))
        slowest = static_cast<int>(l);
    }
    if (static_cast<int>(h->get_pstate()) != slowest)
      h->set_pstate(static_cast<unsigned long>(slowest));
  }
};

// ---- synchronisation between actors (simulated-time free; one actor runs at a time) ----------

// Blocking uses semaphores: suspending an actor would also suspend its flows in progress.

/// Credits of one producer: how many iterations it may start. Only the producer acquires.
struct Credits {
  sg4::SemaphorePtr sem = sg4::Semaphore::create(0);
  void acquire() { sem->acquire(); }
  void release() { sem->release(); }
};

/// Pushdown memory of one storage node: FIFO admission, a pushdown waits until it fits.
struct MemoryPool {
  double capacity = 0;
  double in_use = 0;
  double peak = 0;
  struct Waiter {
    sg4::SemaphorePtr wake;
    double bytes;
  };
  std::deque<Waiter> queue;
  /// `wake` is the caller's own semaphore (count 0).
  void acquire(double bytes, const sg4::SemaphorePtr& wake) {
    if (queue.empty() && in_use + bytes <= capacity) {
      take(bytes);
      return;
    }
    queue.push_back({wake, bytes});
    wake->acquire();  // release() takes the memory for us, then wakes us
  }
  void release(double bytes) {
    in_use -= bytes;
    if (in_use < 1e-6 * capacity) in_use = 0;
    while (!queue.empty() && in_use + queue.front().bytes <= capacity) {
      Waiter w = std::move(queue.front());
      queue.pop_front();
      take(w.bytes);
      w.wake->release();
    }
  }
  void take(double bytes) {
    in_use += bytes;
    peak = std::max(peak, in_use);
  }
};

struct Interval {
  double start, end;
};

/// Length of the union of `iv` within [from, to].
double busy_time(std::vector<Interval> iv, double from, double to) {
  if (to <= from) return 0;
  std::sort(iv.begin(), iv.end(),
            [](const Interval& a, const Interval& b) { return a.start < b.start; });
  double busy = 0, cur_s = 0, cur_e = -1;
  bool open = false;
  for (const auto& i : iv) {
    double s = std::max(i.start, from), e = std::min(i.end, to);
    if (e <= s) continue;
    if (open && s <= cur_e) {
      cur_e = std::max(cur_e, e);
    } else {
      if (open) busy += cur_e - cur_s;
      cur_s = s;
      cur_e = e;
      open = true;
    }
  }
  if (open) busy += cur_e - cur_s;
  return busy;
}

/// One flow, for network accounting and the trace.
struct Flow {
  int64_t tenant, node, compute_node, iteration;
  double bytes;
  double start, end;
  double shaped_bytes;  ///< of bytes, those the link carried at its rate (not a shaper's burst)
};

/// The messages of one tenant on one storage node, in order. An iteration's messages travel
/// together (sharing the path fairly); the next iteration's start once those have arrived, so a
/// prefetched iteration does not slow down the one the compute node waits for.
struct Stream {
  struct Message {
    int64_t iteration;  ///< -1: no more messages
    double bytes;
    bool last = false;  ///< the iteration's last message from this node
  };
  std::deque<Message> queue;
  sg4::SemaphorePtr ready = sg4::Semaphore::create(0);
  /// Serial fetch: released once an iteration's messages have all arrived.
  sg4::SemaphorePtr delivered = sg4::Semaphore::create(0);
  void push(int64_t iteration, double bytes, bool last = false) {
    queue.push_back({iteration, bytes, last});
    ready->release();
  }
};

/// The rate shaper on one storage node's path: its token bucket and the messages on the path.
/// Whether the path is idle is read lazily when a message starts: a finished comm has a finish
/// time and nothing left to send.
struct PathShaper {
  TokenBucket bucket;
  std::vector<sg4::CommPtr> on_path;  ///< messages sent and not yet seen finished
  double idle_since = 0;              ///< when the last finished message left the path

  /// Payload bytes of a message of `bytes` starting now that the bucket lets through at once;
  /// the link idles `refill_s` more before the message reaches the shaper.
  double take(double bytes, double refill_s) {
    if (bucket.depth() <= 0) return 0;
    bool busy = false;
    auto left = on_path.begin();
    for (auto& c : on_path) {
      if (c->get_remaining() <= 0 && c->get_finish_time() >= 0) {
        idle_since = std::max(idle_since, c->get_finish_time());
      } else {
        busy = true;
        *left++ = c;
      }
    }
    on_path.erase(left, on_path.end());
    return bucket.take(sg4::Engine::get_clock() + refill_s, bytes, idle_since, busy);
  }
};

/// State of one run shared by its actors.
struct Run {
  const ConfigurationCosts* spec = nullptr;
  TraceRecorder* trace = nullptr;
  double t0 = 0;
  int64_t nodes = 1;
  int64_t measuring_left = 0;      ///< tenants still in their measured iterations
  double last_arrival = 0;         ///< when the last tenant arrives (absolute)
  std::vector<MemoryPool> memory;  ///< per storage node
  std::vector<std::vector<Interval>> storage_busy, compute_busy;  ///< per node
  std::vector<PathShaper> shapers;                                ///< per storage node
  double path_refill_s = 0;  ///< of a message's latency, the part during which buckets refill
  Colocation colocation;
  std::vector<Flow> flows;

  struct Tenant {
    const TenantCosts* plan = nullptr;
    bool active = false;
    sg4::Mailbox* mailbox = nullptr;
    std::vector<Credits> credits;                ///< per storage node
    std::vector<Stream> streams;                 ///< per storage node
    std::vector<std::vector<NodeShare>> shares;  ///< per granted iteration
    std::vector<int64_t> needed, received;       ///< messages per iteration
    int64_t granted = 0;
    bool stopped = false;
    std::vector<double> ends;                    ///< completion of every iteration (absolute)
    std::vector<double> memory_wait;             ///< per granted iteration, summed over nodes
    int64_t window_begin = -1, window_end = -1;  ///< measured iterations [begin, end)
    TenantRun out;
  };
  std::vector<Tenant> tenants;
};

double now() {
  return sg4::Engine::get_clock();
}

/// Executes `seconds` of `tier` work (at full speed) on the calling actor's host, node `node`,
/// slowing the co-located host of the other tier to `partner_pstate` meanwhile.
void tier_execute(Run& run, Tier tier, std::size_t node, double seconds, int partner_pstate = 1) {
  if (seconds <= 0) return;
  run.colocation.change(tier, node, partner_pstate, +1);
  sg4::this_actor::execute(seconds * kWork);
  run.colocation.change(tier, node, partner_pstate, -1);
}

void grant(Run& run, Run::Tenant& t) {
  int64_t it = t.granted++;
  t.shares.push_back(t.plan->shares(it, run.nodes));
  int64_t msgs = 0;
  for (const auto& s : t.shares.back())
    msgs += static_cast<int64_t>(t.plan->chunks(s.samples).size());
  t.needed.push_back(msgs);
  t.memory_wait.push_back(0);
  t.received.push_back(0);
  for (auto& c : t.credits) c.release();
}

void producer(Run* run, int64_t ti, int64_t k) {
  Run::Tenant& t = run->tenants[static_cast<std::size_t>(ti)];
  const TenantCosts& p = *t.plan;
  const std::size_t node = static_cast<std::size_t>(k);
  sg4::Host* disk = g_world->disks[node];
  MemoryPool& pool = run->memory[node];
  const std::string track = run->trace ? "storage-" + std::to_string(k) : "";
  const sg4::SemaphorePtr wake = sg4::Semaphore::create(0);
  const int partner_pstate = compute_pstate_for(g_world->interference, p.storage_batch);
  for (int64_t it = 0;; ++it) {
    t.credits[node].acquire();
    if (t.stopped && it >= t.granted) break;
    const NodeShare share = t.shares[static_cast<std::size_t>(it)][node];
    if (share.samples == 0) continue;
    double start = now();
    if (p.request_overhead_s > 0)
      sg4::this_actor::sleep_for(p.request_overhead_s * static_cast<double>(share.objects));
    double read_bytes = std::round(p.read_bytes_per_sample * static_cast<double>(share.samples));
    if (read_bytes > 0)
      sg4::this_actor::exec_init(read_bytes / g_world->disk_bandwidth * kWork)
          ->set_host(disk)
          ->wait();
    double read_end = now();
    run->storage_busy[node].push_back({start, read_end});
    if (run->trace) {
      run->trace->add(track, p.name + " read", start - run->t0, read_end - run->t0,
                      {{"tenant", p.name}, {"iteration", it}, {"samples", share.samples}});
    }
    if (p.pushdown_memory_bytes > 0) {
      double wait_start = now();
      pool.acquire(p.pushdown_memory_bytes, wake);
      double waited = now() - wait_start;
      t.memory_wait[static_cast<std::size_t>(it)] += waited;
      if (run->trace && waited > 0) {
        run->trace->add(track, p.name + " wait for memory", wait_start - run->t0, now() - run->t0,
                        {{"tenant", p.name}, {"iteration", it}});
      }
    }
    double compute_start = now();
    const std::vector<Chunk> chunks = p.chunks(share.samples);
    for (std::size_t ci = 0; ci < chunks.size(); ++ci) {
      const Chunk& chunk = chunks[ci];
      double mb_start = now();
      tier_execute(*run, Tier::kStorage, node, chunk.compute_s, partner_pstate);
      if (run->trace && chunk.compute_s > 0) {
        run->trace->add(track, p.name + " blocks [0," + std::to_string(p.split) + ")",
                        mb_start - run->t0, now() - run->t0,
                        {{"tenant", p.name}, {"iteration", it}, {"samples", chunk.samples}});
      }
      t.streams[node].push(it,
                           std::round(p.sent_bytes_per_sample * static_cast<double>(chunk.samples)),
                           ci + 1 == chunks.size());
    }
    double compute_end = now();
    if (compute_end > compute_start)
      run->storage_busy[node].push_back({compute_start, compute_end});
    if (p.pushdown_memory_bytes > 0) pool.release(p.pushdown_memory_bytes);
    // Serial fetch: the node answers the tenant's next request only after this one arrived.
    if (p.serial_fetch && !chunks.empty()) t.streams[node].delivered->acquire();
  }
  t.streams[node].push(-1, 0);
}

/// Sends a stream's messages: those of one iteration concurrently as they are produced, the next
/// iteration's only once the previous iteration's have arrived.
void sender(Run* run, int64_t ti, int64_t k) {
  Run::Tenant& t = run->tenants[static_cast<std::size_t>(ti)];
  Stream& stream = t.streams[static_cast<std::size_t>(k)];
  std::vector<sg4::CommPtr> comms;  // the current iteration's, referenced until they complete
  std::vector<Stream::Message> sent;
  std::vector<double> sent_at_once;  ///< per message sent: bytes a shaper let through at once
  auto drain = [&]() {
    sg4::Comm::wait_all(comms);
    for (std::size_t i = 0; i < comms.size(); ++i) {
      run->flows.push_back({ti, k, t.plan->compute_node, sent[i].iteration, sent[i].bytes,
                            comms[i]->get_start_time(), comms[i]->get_finish_time(),
                            sent[i].bytes - sent_at_once[i]});
    }
    comms.clear();
    sent.clear();
    sent_at_once.clear();
  };
  for (;;) {
    stream.ready->acquire();
    Stream::Message m = stream.queue.front();
    stream.queue.pop_front();
    if (!sent.empty() && m.iteration != sent.back().iteration) drain();
    if (m.iteration < 0) break;
    // A shaped path lets the bucket's tokens through at once: only the rest is a flow.
    PathShaper& shaper = run->shapers[static_cast<std::size_t>(k)];
    const double at_once = shaper.take(m.bytes, run->path_refill_s);
    comms.push_back(
        t.mailbox->put_async(reinterpret_cast<void*>(static_cast<uintptr_t>(m.iteration + 1)),
                             static_cast<uint64_t>(std::llround(m.bytes - at_once))));
    if (shaper.bucket.depth() > 0) shaper.on_path.push_back(comms.back());
    sent.push_back(m);
    sent_at_once.push_back(at_once);
    if (t.plan->serial_fetch && m.last) {
      drain();
      stream.delivered->release();
    }
  }
}

void consumer(Run* run, int64_t ti) {
  Run::Tenant& t = run->tenants[static_cast<std::size_t>(ti)];
  const TenantCosts& p = *t.plan;
  const std::size_t cnode = static_cast<std::size_t>(p.compute_node);
  t.mailbox->set_receiver(sg4::Actor::self());
  const std::string track = run->trace ? "compute-" + std::to_string(p.compute_node) : "";
  const int64_t first_grants = std::min(run->spec->prefetch_depth + 1, p.total_iterations);
  for (int64_t i = 0; i < first_grants; ++i) grant(*run, t);
  bool measured = false;
  for (int64_t it = 0; it < t.granted; ++it) {
    // Measuring starts with the first iteration that begins once every tenant has arrived.
    if (t.window_begin < 0 && now() >= run->last_arrival) t.window_begin = it;
    while (t.received[static_cast<std::size_t>(it)] < t.needed[static_cast<std::size_t>(it)]) {
      auto* data = t.mailbox->get<char>();
      auto got = static_cast<int64_t>(reinterpret_cast<uintptr_t>(data)) - 1;
      t.received[static_cast<std::size_t>(got)]++;
    }
    double start = now();
    tier_execute(*run, Tier::kCompute, cnode, p.compute_time_s);
    double end = now();
    if (end > start) run->compute_busy[cnode].push_back({start, end});
    if (run->trace) {
      run->trace->add(track, p.name + " blocks [" + std::to_string(p.split) + ",L)",
                      start - run->t0, end - run->t0, {{"tenant", p.name}, {"iteration", it}});
    }
    t.ends.push_back(end);
    if (!measured && ((t.window_begin >= 0 && it + 1 - t.window_begin >= p.measure_iterations) ||
                      it + 1 == p.total_iterations)) {
      // Enough measured, or the job ends (before the last arrival: measure all of it).
      measured = true;
      if (t.window_begin < 0) t.window_begin = std::max<int64_t>(0, it + 1 - p.measure_iterations);
      t.window_end = it + 1;
      --run->measuring_left;
    }
    // Grant the iteration the freed credit allows, while measuring or keeping others' contention.
    int64_t next = t.granted;
    if (!t.stopped && next < p.total_iterations && (!measured || run->measuring_left > 0)) {
      grant(*run, t);
    } else {
      t.stopped = true;
    }
  }
  t.stopped = true;
  t.out.simulated_iterations = t.granted;
  for (auto& c : t.credits) c.release();  // lets each producer see the stop
  t.mailbox->set_receiver(nullptr);
}

}  // namespace

void prepare_engine(const PlatformParams& pf, int64_t storage_nodes, int64_t compute_nodes) {
  const int slots = static_cast<int>(pf.storage.slots());
  if (!g_world) {
    build_world(pf.network.model, pf.interference, storage_nodes, compute_nodes, slots);
    return;
  }
  if (!same_model(g_world->model, pf.network.model)) {
    throw std::logic_error("the SimGrid network model cannot change within one process");
  }
  if (!same_interference(g_world->interference, pf.interference)) {
    throw std::logic_error("the platform's interference factors cannot change within one process");
  }
  if (g_world->slots != slots)
    throw std::logic_error("storage slots cannot change within one process");
  if (storage_nodes > static_cast<int64_t>(g_world->storage.size()) ||
      compute_nodes > static_cast<int64_t>(g_world->compute.size())) {
    throw std::logic_error(
        "the SimGrid platform was prepared with fewer nodes than a configuration needs");
  }
}

double steady_iteration_time(const std::vector<double>& ends, double arrival_s, int64_t warmup) {
  const std::size_t n = ends.size();
  if (n == 0) return 0;
  if (warmup >= 0 && static_cast<std::size_t>(warmup) < n) {
    const auto w = static_cast<std::size_t>(warmup);
    const double from = w == 0 ? arrival_s : ends[w - 1];
    return (ends[n - 1] - from) / static_cast<double>(n - w);
  }
  if (n == 1) return ends[0] - arrival_s;
  std::size_t w = n / 2;
  if (w >= n - 1) w = n - 2;
  return (ends[n - 1] - ends[w]) / static_cast<double>(n - 1 - w);
}

RunOutput simulate(const ConfigurationCosts& spec, TraceRecorder* trace) {
  const PlatformParams& pf = spec.platform;
  prepare_engine(pf, pf.storage.nodes, pf.compute.nodes);
  configure_world(pf);
  // Every run starts at clock 0 where the engine allows it, so a result never depends on what
  // ran before it (absolute dates round differently and can reorder simultaneous events).
  restart_clock(*g_world->engine);

  Run run;
  run.spec = &spec;
  run.trace = trace;
  run.t0 = now();
  run.last_arrival = run.t0;
  run.nodes = pf.storage.nodes;
  run.memory.assign(static_cast<std::size_t>(pf.storage.nodes), MemoryPool{});
  for (auto& m : run.memory) m.capacity = pf.storage.memory_bytes;
  {
    // The shaper's bucket in the simulator's units: payload bytes at the path's effective rate.
    const PathModel path = path_model(pf);
    const double rate = pf.network.path_bandwidth() * pf.network.model.bandwidth_factor;
    run.shapers.assign(static_cast<std::size_t>(pf.storage.nodes), PathShaper{});
    for (auto& sh : run.shapers) {
      sh.bucket = TokenBucket(path.burst_bytes, rate);
      sh.idle_since = run.t0;
    }
    run.path_refill_s = path.refill_s;
  }
  run.storage_busy.resize(static_cast<std::size_t>(pf.storage.nodes));
  run.compute_busy.resize(static_cast<std::size_t>(pf.compute.nodes));
  run.colocation.init(pf.interference.any(), g_world->storage.size(), g_world->compute.size());
  run.tenants.resize(spec.tenants.size());
  for (std::size_t i = 0; i < spec.tenants.size(); ++i) {
    Run::Tenant& t = run.tenants[i];
    t.plan = &spec.tenants[i];
    t.active =
        t.plan->pushdown_memory_bytes <= pf.storage.memory_bytes && t.plan->total_iterations > 0;
    t.credits.resize(static_cast<std::size_t>(pf.storage.nodes));
    t.streams.resize(static_cast<std::size_t>(pf.storage.nodes));
    t.mailbox = sg4::Mailbox::by_name("tenant-" + std::to_string(i));
    if (t.active) {
      ++run.measuring_left;
      run.last_arrival = std::max(run.last_arrival, run.t0 + t.plan->arrival_s);
    }
  }

  for (std::size_t i = 0; i < run.tenants.size(); ++i) {
    Run::Tenant& t = run.tenants[i];
    if (!t.active) continue;
    const TenantCosts& p = *t.plan;
    double start = run.t0 + p.arrival_s;
    Run* r = &run;
    auto ti = static_cast<int64_t>(i);
    sg4::Actor::create("consumer-" + std::to_string(i),
                       g_world->compute[static_cast<std::size_t>(p.compute_node)],
                       [r, ti, start]() {
                         if (start > now()) sg4::this_actor::sleep_until(start);
                         consumer(r, ti);
                       });
    for (int64_t k = 0; k < pf.storage.nodes; ++k) {
      sg4::Actor::create("producer-" + std::to_string(i) + "-" + std::to_string(k),
                         g_world->storage[static_cast<std::size_t>(k)], [r, ti, k, start]() {
                           if (start > now()) sg4::this_actor::sleep_until(start);
                           producer(r, ti, k);
                         });
      sg4::Actor::create("sender-" + std::to_string(i) + "-" + std::to_string(k),
                         g_world->storage[static_cast<std::size_t>(k)],
                         [r, ti, k]() { sender(r, ti, k); });
    }
  }
  g_world->engine->run();
  const double t_end = now();

  // Network accounting: every flow has completed (its consumer received it).
  const double bwf = pf.network.model.bandwidth_factor;
  const NetworkParams& n = pf.network;
  double path_cap = n.path_bandwidth() * bwf;
  double core_cap = n.core_bandwidth > 0 ? n.core_bandwidth * bwf : 0;
  double nic_cap = n.compute_nic > 0 ? n.compute_nic * bwf : 0;
  std::vector<double> tenant_bytes(run.tenants.size(), 0.0);
  for (const auto& f : run.flows) {
    const double s = f.start, e = f.end;
    const TenantCosts& p = *run.tenants[static_cast<std::size_t>(f.tenant)].plan;
    const Run::Tenant& ft = run.tenants[static_cast<std::size_t>(f.tenant)];
    if (f.iteration >= ft.window_begin && f.iteration < ft.window_end) {
      tenant_bytes[static_cast<std::size_t>(f.tenant)] += f.bytes;
    }
    if (trace) {
      std::string name = p.name + " it" + std::to_string(f.iteration);
      nlohmann::json args = {{"tenant", p.name}, {"iteration", f.iteration}, {"bytes", f.bytes}};
      trace->add("link path-" + std::to_string(f.node), name, s - run.t0, e - run.t0, args);
      if (core_cap > 0) trace->add("link core", name, s - run.t0, e - run.t0, args);
      if (nic_cap > 0)
        trace->add("link nic-" + std::to_string(f.compute_node), name, s - run.t0, e - run.t0,
                   args);
    }
  }

  RunOutput out;
  out.makespan_s = t_end - run.t0;
  // When each tenant's job ended (it ran all its iterations), for the phases of others' windows.
  std::vector<double> finished(run.tenants.size(), std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < run.tenants.size(); ++i) {
    const Run::Tenant& t = run.tenants[i];
    if (t.active && static_cast<int64_t>(t.ends.size()) >= t.plan->total_iterations)
      finished[i] = t.ends.back();
  }
  auto running_at = [&](double when) {
    int64_t n = 0;
    for (std::size_t i = 0; i < run.tenants.size(); ++i) {
      const Run::Tenant& t = run.tenants[i];
      if (t.active && run.t0 + t.plan->arrival_s <= when && when < finished[i]) ++n;
    }
    return n;
  };
  double peak_memory = 0;
  for (const auto& m : run.memory) peak_memory = std::max(peak_memory, m.peak);
  for (std::size_t i = 0; i < run.tenants.size(); ++i) {
    Run::Tenant& t = run.tenants[i];
    const TenantCosts& p = *t.plan;
    TenantRun r = t.out;
    r.simulated = t.active;
    if (!t.active) {
      out.tenants.push_back(r);
      continue;
    }
    const double arrival = run.t0 + p.arrival_s;
    const auto wb = static_cast<std::size_t>(t.window_begin),
               we = static_cast<std::size_t>(t.window_end);
    const std::vector<double> window(t.ends.begin() + static_cast<std::ptrdiff_t>(wb),
                                     t.ends.begin() + static_cast<std::ptrdiff_t>(we));
    const double before =
        wb > 0 ? t.ends[wb - 1] : arrival;  // when the window's first iteration began
    r.measured_iterations = static_cast<int64_t>(window.size());
    r.running_at_window_begin = running_at(before);
    r.running_at_window_end = running_at(std::nextafter(window.back(), -1.0));
    r.first_measured_iteration = t.window_begin;
    for (double e : t.ends) r.iteration_end_s.push_back(e - arrival);
    r.first_iteration_s = t.ends.front() - arrival;
    r.iteration_s = steady_iteration_time(window, before, p.measure_warmup);
    const auto simulated = static_cast<int64_t>(t.ends.size());
    r.job_s = p.total_iterations <= simulated
                  ? t.ends[static_cast<std::size_t>(p.total_iterations - 1)] - arrival
                  : t.ends.back() - arrival +
                        static_cast<double>(p.total_iterations - simulated) * r.iteration_s;
    r.bytes_per_iteration = tenant_bytes[i] / static_cast<double>(r.measured_iterations);
    for (std::size_t it = wb; it < we; ++it) r.memory_wait_s += t.memory_wait[it];
    r.peak_storage_memory = peak_memory;
    // Busy fractions over the middle half of the window: the run's last iterations have no
    // storage work after them, its first ones fill the pipeline.
    const std::size_t nends = window.size();
    double from = before, to = window.back();
    if (nends >= 8) {
      from = window[nends / 4];
      to = window[(3 * nends) / 4];
    }
    double span = to - from;
    if (span > 0) {
      double storage = 0, network = 0;
      for (std::size_t k = 0; k < run.storage_busy.size(); ++k) {
        storage = std::max(storage, busy_time(run.storage_busy[k], from, to) / span);
      }
      // Bytes of flows finishing in the window over each link's capacity (without those a
      // shaper's bucket let through at once: they do not hold the link).
      std::vector<double> node_bytes(static_cast<std::size_t>(pf.storage.nodes), 0.0);
      double core_bytes = 0, nic_bytes = 0;
      for (const auto& f : run.flows) {
        if (f.end <= from || f.end > to) continue;
        node_bytes[static_cast<std::size_t>(f.node)] += f.shaped_bytes;
        core_bytes += f.shaped_bytes;
        if (f.compute_node == p.compute_node) nic_bytes += f.shaped_bytes;
      }
      for (double b : node_bytes) network = std::max(network, b / (path_cap * span));
      if (core_cap > 0) network = std::max(network, core_bytes / (core_cap * span));
      if (nic_cap > 0) network = std::max(network, nic_bytes / (nic_cap * span));
      r.storage_busy = std::min(1.0, storage);
      r.network_busy = std::min(1.0, network);
      r.compute_busy = std::min(
          1.0,
          busy_time(run.compute_busy[static_cast<std::size_t>(p.compute_node)], from, to) / span);
    }
    out.tenants.push_back(r);
  }
  return out;
}

}  // namespace tiersplit::sim
