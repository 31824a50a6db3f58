// tier_jobs.cpp: measurements on the testbed's tiers, alone or both at once (see tier_jobs.hpp).
#include "real_exec/tier_jobs.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/error.hpp"
#include "common/subprocess.hpp"

namespace tiersplit::real_exec {

namespace fs = std::filesystem;

void run_self(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv{tiersplit_executable()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::ofstream(log, std::ios::trunc) << "# " << shell_line(argv) << "\n";
  int rc = run_process(argv, log);
  if (rc != 0)
    fail("`tiersplit ", args.front(), "` failed (status ", rc, "); ", log,
         " ends with:", log_tail(log));
}

std::vector<std::string> on_tier(const std::string& state_dir, const std::string& tier,
                                 const std::vector<std::string>& args) {
  const std::string self = tiersplit_executable();
  std::vector<std::string> argv{self,   "testbed", "--state-dir", state_dir,
                                "exec", tier,      "--",          self};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

namespace {

/// The job's argv writing to <file>.part (or .filler) and its log, the command line on top.
std::vector<std::string> job_argv(const std::string& state_dir, const TierJob& j, bool filler,
                                  std::string& log) {
  std::vector<std::string> a = j.args;
  a.insert(a.end(), {"-o", j.file + (filler ? ".filler" : ".part")});
  log = j.file + (filler ? ".filler.log" : ".log");
  std::vector<std::string> argv = on_tier(state_dir, j.tier, a);
  std::ofstream(log, std::ios::trunc) << "# " << shell_line(argv) << "\n";
  return argv;
}

[[noreturn]] void job_failed(const TierJob& j, const std::string& what, int status) {
  fail(what, " on the ", j.tier, " tier failed (status ", status, "); ", j.file,
       ".log ends with:", log_tail(j.file + ".log"));
}

/// Moves <file>.part into place after a successful run.
void finish(const TierJob& j, const std::string& what, int status) {
  if (status != 0 || !fs::exists(j.file + ".part")) job_failed(j, what, status);
  fs::rename(j.file + ".part", j.file);
}

}  // namespace

void run_tier_jobs_alone(const std::string& state_dir, const std::vector<TierJob>& jobs,
                         const std::string& what) {
  for (const TierJob& j : jobs) {
    if (fs::exists(j.file)) continue;
    std::string log;
    std::vector<std::string> argv = job_argv(state_dir, j, false, log);
    finish(j, what, run_process(argv, log, 3600));
  }
}

void run_tier_jobs_together(const std::string& state_dir, const std::vector<TierJob>& jobs,
                            const std::string& what) {
  bool any = false;
  for (const TierJob& j : jobs) any = any || !fs::exists(j.file);
  if (!any) return;
  std::vector<ChildProcess> procs(jobs.size());
  std::vector<bool> done(jobs.size());
  auto start = [&](std::size_t i, bool filler) {
    std::string log;
    std::vector<std::string> argv = job_argv(state_dir, jobs[i], filler, log);
    procs[i] = ChildProcess(argv, log);
  };
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    done[i] = fs::exists(jobs[i].file);
    start(i, done[i]);
  }
  for (;;) {
    bool all_done = true;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (!done[i] && !procs[i].running()) {
        const int status = procs[i].exit_status();
        if (status != 0 || !fs::exists(jobs[i].file + ".part")) {
          for (auto& p : procs) p.stop();
          job_failed(jobs[i], what, status);
        }
        finish(jobs[i], what, status);
        done[i] = true;
      }
      all_done = all_done && done[i];
    }
    if (all_done) break;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (done[i] && !procs[i].running()) start(i, true);  // keep this tier busy
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    procs[i].stop();
    std::error_code ec;
    fs::remove(jobs[i].file + ".filler", ec);
  }
}

}  // namespace tiersplit::real_exec
