// groups_model.cpp: the groups platform as a SimGrid world and a plan's steps as actors.
//
// Platform (built once per process with the s4u API):
//   storage-k       host, one core per pushdown slot (the node's pushdown device); with a CPU
//                   pushdown device the object store's reads run there too
//   storage-k-disk  host, one core: a read of n bytes executes n / disk bandwidth
//   worker-j        host, one core (the worker's device); worker-j-disk: its local disk
//   path-k          link storage-k -> compute tier; core: the optional core link; nic-j: into
//                   worker-j; out-j / in-j: worker-j's full-duplex link to the compute tier's
//                   switch, one link per direction
//   routes          storage-k -> worker-j = path-k, core, nic-j; worker-i -> worker-j = out-i,
//                   in-j
// Actors per worker: a producer (reads and pushdowns of the next pieces, on every storage node at
// once), a sender (each piece's transfers from every node) and the worker (its steps in order).
#include "groups/engine/groups_model.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <simgrid/s4u.hpp>
#include <stdexcept>

#include "sim/engine/engine_clock.hpp"
#include "sim/engine/engine_setup.hpp"
#include "sim/trace.hpp"

namespace sg4 = simgrid::s4u;

namespace tiersplit::groups {
namespace {

constexpr double kWork = 1e9;  ///< host speed: work units per second
constexpr double kUnlimited = 1e15;

struct World {
  sg4::Engine* engine = nullptr;
  sim::NetworkModelParams model;
  int slots = 1;
  std::vector<sg4::Host*> storage, storage_disks, workers, worker_disks;
  std::vector<sg4::Link*> paths, nics, outs, ins;
  sg4::Link* core = nullptr;
  double storage_disk_bw = 1e9, worker_disk_bw = 1e9;
};

World* g_world = nullptr;

void build_world(const GroupsPoint& point, int64_t storage_nodes, int64_t workers) {
  auto* w = new World;
  w->engine = sim::create_engine(point.platform.network.model);
  w->model = point.platform.network.model;
  w->slots = static_cast<int>(point.platform.storage.slots());
  auto* zone = sg4::create_full_zone("groups");
  for (int64_t k = 0; k < storage_nodes; ++k) {
    const std::string name = "storage-" + std::to_string(k);
    w->storage.push_back(zone->create_host(name, kWork)->set_core_count(w->slots)->seal());
    w->storage_disks.push_back(zone->create_host(name + "-disk", kWork)->seal());
    w->paths.push_back(zone->create_link("path-" + std::to_string(k), 1e9)->seal());
  }
  w->core = zone->create_link("core", kUnlimited)->seal();
  for (int64_t j = 0; j < workers; ++j) {
    const std::string name = "worker-" + std::to_string(j);
    w->workers.push_back(zone->create_host(name, kWork)->seal());
    w->worker_disks.push_back(zone->create_host(name + "-disk", kWork)->seal());
    w->nics.push_back(zone->create_link("nic-" + std::to_string(j), kUnlimited)->seal());
    w->outs.push_back(zone->create_link("out-" + std::to_string(j), 1e9)->seal());
    w->ins.push_back(zone->create_link("in-" + std::to_string(j), 1e9)->seal());
  }
  for (std::size_t k = 0; k < w->storage.size(); ++k) {
    for (std::size_t j = 0; j < w->workers.size(); ++j) {
      zone->add_route(
          w->storage[k]->get_netpoint(), w->workers[j]->get_netpoint(), nullptr, nullptr,
          {sg4::LinkInRoute(w->paths[k]), sg4::LinkInRoute(w->core), sg4::LinkInRoute(w->nics[j])},
          true);
    }
  }
  for (std::size_t i = 0; i < w->workers.size(); ++i) {
    for (std::size_t j = 0; j < w->workers.size(); ++j) {
      if (i == j) continue;
      zone->add_route(w->workers[i]->get_netpoint(), w->workers[j]->get_netpoint(), nullptr,
                      nullptr, {sg4::LinkInRoute(w->outs[i]), sg4::LinkInRoute(w->ins[j])}, false);
    }
  }
  zone->seal();
  g_world = w;
}

void configure_world(const GroupsPoint& point) {
  World& w = *g_world;
  const auto& n = point.platform.network;
  for (auto* l : w.paths) {
    l->set_bandwidth(n.path_bandwidth());
    l->set_latency(n.latency_s);
  }
  w.core->set_bandwidth(n.core_bandwidth > 0 ? n.core_bandwidth : kUnlimited);
  w.core->set_latency(n.core_latency_s);
  for (auto* l : w.nics) l->set_bandwidth(n.compute_nic > 0 ? n.compute_nic : kUnlimited);
  const auto& cn = point.platform.compute_network;
  for (auto* links : {&w.outs, &w.ins}) {
    for (auto* l : *links) {
      l->set_bandwidth(cn.bandwidth);
      l->set_latency(cn.latency_s / 2);  // two links per route: the configured one-way latency
    }
  }
  w.storage_disk_bw = point.platform.storage.disk_bandwidth;
  w.worker_disk_bw = point.platform.compute.disk_bandwidth;
}

double now() {
  return sg4::Engine::get_clock();
}

/// Executes `seconds` of work on `host` from the calling actor and waits.
void execute_on(sg4::Host* host, double seconds) {
  if (seconds <= 0) return;
  sg4::this_actor::exec_init(seconds * kWork)->set_host(host)->wait();
}

/// One piece of a stream step: what crosses, what the storage and the worker compute.
struct Piece {
  double samples = 0;
  double compute_s = 0;
  double cache_write_bytes = 0;
  double pushdown_s = 0;  ///< on each storage node: the blocks of its requests' mini-batches
  double reads_s = 0;     ///< on each storage node: its requests' object reads
};

/// State of one run shared by its actors.
struct Run {
  const Plan* plan = nullptr;
  const GroupsCosts* costs = nullptr;
  const GroupsPoint* point = nullptr;
  sim::TraceRecorder* trace = nullptr;
  int64_t chunks = 16;
  int64_t nodes = 1;
  std::map<int64_t, sg4::BarrierPtr> barriers;
  struct Worker {
    std::vector<Piece> pieces;
    sg4::SemaphorePtr credits, produced = sg4::Semaphore::create(0),
                               arrived = sg4::Semaphore::create(0);
    std::deque<std::size_t> to_send;
    double busy = 0, finish = 0, sync_wait = 0;
    bool done = false;                ///< ran its last step
    std::vector<sg4::CommPtr> sends;  ///< kept until they complete
  };
  std::vector<Worker> workers;
};

/// The pieces of every stream step of a worker, in order.
std::vector<Piece> pieces_of(const std::vector<Step>& steps, int64_t batch, int64_t chunks) {
  std::vector<Piece> out;
  for (const Step& s : steps) {
    if (s.kind != StepKind::kStream) continue;
    const int64_t k = step_pieces(s, batch, chunks);
    const double f = 1.0 / static_cast<double>(k);
    for (int64_t i = 0; i < k; ++i)
      out.push_back({s.samples * f, s.compute_s * f, s.cache_write_bytes * f, s.storage_s * f,
                     s.reads_s * f});
  }
  return out;
}

void producer(Run* run, int w) {
  Run::Worker& me = run->workers[static_cast<std::size_t>(w)];
  const GroupsCosts& c = *run->costs;
  const double K = static_cast<double>(run->nodes);
  for (std::size_t p = 0; p < me.pieces.size(); ++p) {
    me.credits->acquire();
    const Piece& piece = me.pieces[p];
    const double per_node = piece.samples / K;
    if (piece.reads_s > 0 && c.reads_share_pushdown_cores) {
      // The store's reads are work on the node's CPU cores, which the pushdowns use too.
      std::vector<sg4::ExecPtr> rq;
      for (int64_t k = 0; k < run->nodes; ++k)
        rq.push_back(sg4::this_actor::exec_init(piece.reads_s * kWork)
                         ->set_host(g_world->storage[static_cast<std::size_t>(k)])
                         ->start());
      for (auto& e : rq) e->wait();
    } else if (piece.reads_s > 0) {  // beside an accelerator's pushdowns
      sg4::this_actor::sleep_for(piece.reads_s);
    }
    std::vector<sg4::ExecPtr> reads, pushdowns;
    for (int64_t k = 0; k < run->nodes; ++k) {
      const double read_s = per_node * c.read_bytes_per_sample / g_world->storage_disk_bw;
      if (read_s > 0)
        reads.push_back(sg4::this_actor::exec_init(read_s * kWork)
                            ->set_host(g_world->storage_disks[static_cast<std::size_t>(k)])
                            ->start());
    }
    for (auto& r : reads) r->wait();
    for (int64_t k = 0; k < run->nodes; ++k) {
      const double compute_s = piece.pushdown_s;
      if (compute_s > 0)
        pushdowns.push_back(sg4::this_actor::exec_init(compute_s * kWork)
                                ->set_host(g_world->storage[static_cast<std::size_t>(k)])
                                ->start());
    }
    for (auto& e : pushdowns) e->wait();
    me.to_send.push_back(p);
    me.produced->release();
  }
}

void sender(Run* run, int w) {
  Run::Worker& me = run->workers[static_cast<std::size_t>(w)];
  const double K = static_cast<double>(run->nodes);
  sg4::Host* dest = g_world->workers[static_cast<std::size_t>(w)];
  for (std::size_t i = 0; i < me.pieces.size(); ++i) {
    me.produced->acquire();
    const std::size_t p = me.to_send.front();
    me.to_send.pop_front();
    const double bytes = me.pieces[p].samples / K * run->costs->sent_bytes_per_sample;
    std::vector<sg4::CommPtr> comms;
    for (int64_t k = 0; k < run->nodes; ++k) {
      comms.push_back(sg4::Comm::sendto_async(g_world->storage[static_cast<std::size_t>(k)], dest,
                                              static_cast<uint64_t>(std::llround(bytes))));
    }
    sg4::Comm::wait_all(comms);
    me.arrived->release();
  }
}

/// The worker's compute of `seconds`, counted as busy.
void worker_compute(Run* run, int w, double seconds) {
  const double t0 = now();
  execute_on(g_world->workers[static_cast<std::size_t>(w)], seconds);
  run->workers[static_cast<std::size_t>(w)].busy += now() - t0;
}

/// Piece i of k of the all-reduce that step `s` carries (DP): wait for every participant, then a
/// ring of the piece's bytes and the latency of its calls.
void all_reduce_piece(Run* run, int w, const Step& s, int64_t i, int64_t k) {
  if (s.collective < 0) return;
  Run::Worker& me = run->workers[static_cast<std::size_t>(w)];
  const double t0 = now();
  run->barriers.at(s.collective)->wait();
  const auto P = static_cast<int>(run->plan->workers.size());
  const int64_t calls = s.count * (i + 1) / k - s.count * i / k;
  if (P > 1) {
    const auto& cn = run->point->platform.compute_network;
    const double ring = 2.0 * (P - 1) / P * s.bytes / static_cast<double>(k);
    sg4::Comm::sendto_async(g_world->workers[static_cast<std::size_t>(w)],
                            g_world->workers[static_cast<std::size_t>((w + 1) % P)],
                            static_cast<uint64_t>(std::llround(ring)))
        ->wait();
    sg4::this_actor::sleep_for(static_cast<double>(calls) *
                               (2.0 * (P - 1) * cn.latency_s + cn.collective_overhead_s));
  }
  me.sync_wait += now() - t0;
}

void stream_step(Run* run, int w, const Step& s, std::size_t& next_piece) {
  Run::Worker& me = run->workers[static_cast<std::size_t>(w)];
  const int64_t k = step_pieces(s, run->costs->batch, run->chunks);
  const bool disk = run->plan->cache_location == "disk";
  for (int64_t i = 0; i < k; ++i) {
    const Piece& p = me.pieces[next_piece++];
    me.arrived->acquire();
    me.credits->release();
    worker_compute(run, w, p.compute_s);
    if (disk && p.cache_write_bytes > 0)
      execute_on(g_world->worker_disks[static_cast<std::size_t>(w)],
                 p.cache_write_bytes / g_world->worker_disk_bw);
    all_reduce_piece(run, w, s, i, k);
  }
}

void cache_read_step(Run* run, int w, const Step& s) {
  const int64_t k = step_pieces(s, run->costs->batch, run->chunks);
  const double f = 1.0 / static_cast<double>(k);
  if (run->plan->cache_location != "disk") {
    for (int64_t i = 0; i < k; ++i) {
      worker_compute(run, w, s.compute_s * f);
      all_reduce_piece(run, w, s, i, k);
    }
    return;
  }
  // The next piece's read runs while this one's heads train.
  sg4::Host* disk = g_world->worker_disks[static_cast<std::size_t>(w)];
  const double read_s = s.cache_read_bytes * f / g_world->worker_disk_bw;
  sg4::ExecPtr read = sg4::this_actor::exec_init(read_s * kWork)->set_host(disk)->start();
  for (int64_t i = 0; i < k; ++i) {
    read->wait();
    if (i + 1 < k) read = sg4::this_actor::exec_init(read_s * kWork)->set_host(disk)->start();
    worker_compute(run, w, s.compute_s * f);
    all_reduce_piece(run, w, s, i, k);
  }
}

sg4::Mailbox* mailbox_of(int64_t tag) {
  return sg4::Mailbox::by_name("gm-" + std::to_string(tag));
}

void worker_main(Run* run, int w) {
  Run::Worker& me = run->workers[static_cast<std::size_t>(w)];
  const auto& steps = run->plan->workers[static_cast<std::size_t>(w)];
  for (const Step& s : steps) {  // messages flow as soon as they are sent
    if (s.kind == StepKind::kRecv) mailbox_of(s.tag)->set_receiver(sg4::Actor::self());
  }
  std::size_t next_piece = 0;
  for (const Step& s : steps) {
    const double t0 = now();
    switch (s.kind) {
      case StepKind::kStream:
        stream_step(run, w, s, next_piece);
        break;
      case StepKind::kCacheRead:
        cache_read_step(run, w, s);
        break;
      case StepKind::kCompute:
        worker_compute(run, w, s.compute_s);
        break;
      case StepKind::kSend:
        me.sends.push_back(mailbox_of(s.tag)->put_async(
            reinterpret_cast<void*>(static_cast<uintptr_t>(s.tag + 1)),
            static_cast<uint64_t>(std::llround(std::max(1.0, s.bytes)))));
        break;
      case StepKind::kRecv: {
        mailbox_of(s.tag)->get<void>();
        me.sync_wait += now() - t0;
        break;
      }
    }
    if (run->trace && now() > t0)
      run->trace->add("worker-" + std::to_string(w), describe(s), t0, now(),
                      {{"step", to_string(s.kind)}, {"group", s.group}});
  }
  me.finish = now();
  me.done = true;
  sg4::Comm::wait_all(me.sends);
}

std::string bottleneck_of(const Run& run, double makespan) {
  double busy = 0, sync = 0, finish_mean = 0, finish_max = 0;
  for (const auto& w : run.workers) {
    busy = std::max(busy, w.busy);
    sync = std::max(sync, w.sync_wait);
    finish_mean += w.finish / static_cast<double>(run.workers.size());
    finish_max = std::max(finish_max, w.finish);
  }
  if (makespan <= 0) return "compute";
  if (finish_max > 1.5 * finish_mean && busy > 0.8 * makespan) return "skew";
  if (busy >= 0.8 * makespan) return "compute";
  if (sync >= 0.3 * makespan) return "sync";
  const auto& c = *run.costs;
  return c.storage_s_per_sample * static_cast<double>(run.point->platform.storage.nodes) >=
                 c.sent_bytes_per_sample / run.point->platform.network.path_bandwidth()
             ? "storage"
             : "network";
}

}  // namespace

void prepare_groups_engine(const GroupsPoint& point, int64_t storage_nodes, int64_t workers) {
  if (!g_world) {
    build_world(point, storage_nodes, workers);
    return;
  }
  if (static_cast<int64_t>(g_world->storage.size()) < storage_nodes ||
      static_cast<int64_t>(g_world->workers.size()) < workers)
    throw std::logic_error("the groups platform was prepared with fewer nodes than a run needs");
}

GroupsOutcome simulate_plan(const Plan& plan, const GroupsCosts& costs, const GroupsPoint& point,
                            int64_t chunks, int64_t prefetch, sim::TraceRecorder* trace) {
  GroupsOutcome out = plan_totals(plan, costs, point.platform.storage.nodes);
  out.source = "simulation";
  if (!plan.feasible) return out;
  const int64_t P = static_cast<int64_t>(plan.workers.size());
  prepare_groups_engine(point, point.platform.storage.nodes, P);
  sim::restart_clock(*g_world->engine);
  configure_world(point);
  Run run;
  run.plan = &plan;
  run.costs = &costs;
  run.point = &point;
  run.trace = trace;
  run.chunks = chunks;
  run.nodes = point.platform.storage.nodes;
  for (std::size_t id = 0; id < plan.collective_participants.size(); ++id)
    run.barriers[static_cast<int64_t>(id)] =
        sg4::Barrier::create(static_cast<unsigned>(plan.collective_participants[id]));
  run.workers.resize(static_cast<std::size_t>(P));
  for (int64_t w = 0; w < P; ++w) {
    Run::Worker& me = run.workers[static_cast<std::size_t>(w)];
    me.pieces = pieces_of(plan.workers[static_cast<std::size_t>(w)], costs.batch, chunks);
    me.credits = sg4::Semaphore::create(static_cast<unsigned>(std::max<int64_t>(1, prefetch + 1)));
    Run* r = &run;
    const int wi = static_cast<int>(w);
    sg4::Host* host = g_world->workers[static_cast<std::size_t>(w)];
    sg4::Actor::create("worker-" + std::to_string(w), host, [r, wi] { worker_main(r, wi); });
    if (me.pieces.empty()) continue;
    sg4::Actor::create("producer-" + std::to_string(w), g_world->storage.front(),
                       [r, wi] { producer(r, wi); });
    sg4::Actor::create("sender-" + std::to_string(w), g_world->storage.front(),
                       [r, wi] { sender(r, wi); });
  }
  g_world->engine->run();
  for (const auto& steps : plan.workers) {  // the next run starts with no permanent receivers
    for (const Step& s : steps) {
      if (s.kind == StepKind::kRecv) mailbox_of(s.tag)->set_receiver(nullptr);
    }
  }
  for (std::size_t w = 0; w < run.workers.size(); ++w) {  // a plan whose steps never meet
    if (!run.workers[w].done)
      throw std::logic_error("the groups simulation of " + plan.choice.label() +
                             " stopped with worker " + std::to_string(w) + " waiting at " +
                             std::to_string(now()) + " s: its steps do not meet the others'");
  }
  for (const auto& w : run.workers) out.makespan_s = std::max(out.makespan_s, w.finish);
  for (const auto& w : run.workers) {
    WorkerTimes t;
    t.finish_s = w.finish;
    t.busy_s = w.busy;
    t.waiting_s = std::max(0.0, w.finish - w.busy);
    t.idle_s = out.makespan_s - w.finish;
    out.workers.push_back(t);
  }
  out.bottleneck = bottleneck_of(run, out.makespan_s);
  return out;
}

}  // namespace tiersplit::groups
