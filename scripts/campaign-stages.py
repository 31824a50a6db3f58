#!/usr/bin/env python3
"""campaign-stages.py: where a validation campaign's error sits, by stage.

  scripts/campaign-stages.py DIR [DIR ...]      # e.g. validation-results/s7

For the reports DIR/*-r64.json and the runs and calibrations under DIR/*.d/: the signed error of
the iteration time by the bottleneck the simulation predicted; the trainer's step in the runs over
the calibration's step at the same split (part "compute-steps", the first measurement alone), by
the share of the iteration the trainer waited for its batch; and the steps that page-faulted
(> 1000 faults); with speed probes (validate since 2026-11-23), the error of the configurations
measured on a machine as fast as at calibration against the others, and by the compute tier's
slowdown around the run and by its memory probe's (since 2026-11-24); where the trainer never waits, its step ratio by the storage batch the
server computes beside it, next to the calibration's own ratio per storage batch (the trainer's
steps beside a server at that batch over its steps alone; calibrate since 2026-11-23); and the
server's block time per request in the runs at b = B = 32 over the calibration's (alone, pooled),
by bandwidth. Also: runs set aside on an unsettled machine and measured again (validate
--remeasure-unsettled); calibrations that repeated their alone measurements (profiles_from);
the measured network stage minus the response bytes at the calibrated bandwidth, and minus the
predicted network stage (with the link's latency and, since 2026-11-23, the shaper's bucket), by
bandwidth;
and, for reports with several runs per configuration (--repeats), the error over the calm runs
only (each run's .speed.json). Reports: every DIR/*.json of format tiersplit-validation.
Reads JSON only.
"""
import os
import glob
import json
import re
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def quartiles(v):
    q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0], v[0], v[0]]
    return "median %.3f (q25 %.3f, q75 %.3f)" % (statistics.median(v), q[0], q[2])


def stream_median(probe):
    return probe.get("stream_chunk_s", {}).get("median")


def memory_reference(point):
    """The calibration's compute-tier memory probes (stream_chunk_s, since 2026-11-24), before
    and after; None without them."""
    cal = point.get("calibration")
    if not isinstance(cal, str) or not os.path.exists(cal):
        return None
    ref = load(cal)["measured"].get("speed", {}).get("compute", {})
    ref = [stream_median(ref.get(k, {})) for k in ("before", "after")]
    return ref if all(ref) else None


def memory_slowdown(reference, config):
    """The compute tier's memory probe around a configuration's runs over the calibration's
    (`reference`, memory_reference), mean over its runs; None without memory probes."""
    if reference is None:
        return None
    ratios = []
    for run in config.get("runs", []):
        if not os.path.exists(run + ".speed.json"):
            continue
        sp = load(run + ".speed.json")
        around = [stream_median(sp.get(k, {}).get("compute", {})) for k in ("before", "after")]
        if all(around):
            ratios.append(sum(around) / sum(reference))
    return statistics.mean(ratios) if ratios else None


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    run_name = re.compile(r"-s(\d+)-b(\d+)\.json$")
    for d in sys.argv[1:]:
        by_bottleneck, by_machine, by_memory = {}, [], []
        set_aside, excess, calm_only = [], {}, {}  # bandwidth -> [s]; scenario -> [error]
        versus_predicted = {}  # bandwidth -> [s]
        for f in sorted(glob.glob(d + "/*.json")):
            report = load(f)
            if report.get("format") != "tiersplit-validation":
                continue
            settings = report.get("settings", {})
            for p in report["points"]:
                model = p.get("platform", {}).get("network", {}).get("model", {})
                rate = p["bandwidth_bytes_per_s"] * model.get("bandwidth_factor", 1.0)
                memory_ref = memory_reference(p)
                for t in p["tenants"]:
                    for c in t["configurations"]:
                        by_bottleneck.setdefault(c["predicted"]["bottleneck"], []).append(
                            c["error"]["iteration"])
                        if "machine_speed" in c:
                            by_machine.append((c["machine_speed"], c["error"]["iteration"]))
                        mem = memory_slowdown(memory_ref, c)
                        if mem is not None:
                            by_memory.append((mem, c["error"]["iteration"]))
                        set_aside += c.get("unsettled_runs", [])
                        m = c["measured"]
                        excess.setdefault(p["bandwidth"], []).append(
                            m["stages"]["network_s"] - m["bytes_per_iteration"] / rate)
                        versus_predicted.setdefault(p["bandwidth"], []).append(
                            m["stages"]["network_s"] - c["predicted"]["stages"]["network_s"])
                        if len(c["runs"]) > 1:
                            calm = []
                            for run in c["runs"]:
                                sp = load(run + ".speed.json") if os.path.exists(
                                    run + ".speed.json") else None
                                if sp and max(sp["storage_slowdown"], sp["compute_slowdown"]) <= \
                                        1 + settings.get("calm_tolerance", 0.05):
                                    its = load(run)["iterations"][settings.get("warmup", 3):]
                                    calm += [i["total_s"] for i in its]
                            if calm:
                                mean = statistics.mean(calm)
                                calm_only.setdefault(report.get("scenario", f), []).append(
                                    (c["predicted"]["iteration_s"] - mean) / mean)
        print("== %s" % d)
        if set_aside:
            print("runs set aside on an unsettled machine and measured again: %d" % len(set_aside))
        for bw, v in sorted(excess.items(), key=lambda kv: len(kv[0])):
            print("network stage measured - bytes at the calibrated bandwidth, %7s: %3d runs, "
                  "median %+.1f ms (%+.1f to %+.1f)" % (
                      bw, len(v), 1e3 * statistics.median(v), 1e3 * min(v), 1e3 * max(v)))
        for bw, v in sorted(versus_predicted.items(), key=lambda kv: len(kv[0])):
            print("network stage measured - predicted, %7s: %3d runs, median %+.1f ms (%+.1f to "
                  "%+.1f)" % (bw, len(v), 1e3 * statistics.median(v), 1e3 * min(v), 1e3 * max(v)))
        for name, v in sorted(calm_only.items()):
            print("%s, calm runs only (configurations with several runs): %d configurations, "
                  "abs error median %.1f%%, max %.1f%%" % (
                      name, len(v), 100 * statistics.median(abs(e) for e in v),
                      100 * max(abs(e) for e in v)))
        for k, v in sorted(by_bottleneck.items()):
            print("predicted %-8s bound: %3d runs, signed error median %+.1f%%, mean %+.1f%%" % (
                k, len(v), 100 * statistics.median(v), 100 * statistics.mean(v)))
        for name, keep in [("calm", lambda m: m["calm"]), ("unsettled", lambda m: not m["calm"])]:
            v = [abs(e) for m, e in by_machine if keep(m)]
            if v:
                print("machine %-9s around the run: %3d runs, abs error median %.1f%%, max %.1f%%" % (
                    name, len(v), 100 * statistics.median(v), 100 * max(v)))
        for lo, hi in [(0, 0.95), (0.95, 1.05), (1.05, 1.15), (1.15, 9)]:
            v = [e for m, e in by_memory if lo <= m < hi]
            if v:
                print("compute tier's memory probe x%.2f-x%.2f of calibration: %3d runs, signed "
                      "error median %+.1f%%" % (lo, hi, len(v), 100 * statistics.median(v)))
        for lo, hi in [(0, 0.95), (0.95, 1.05), (1.05, 1.15), (1.15, 9)]:
            v = [e for m, e in by_machine if lo <= m["compute_slowdown"] < hi]
            if v:
                print("compute tier x%.2f-x%.2f of calibration: %3d runs, signed error median "
                      "%+.1f%%" % (lo, hi, len(v), 100 * statistics.median(v)))
        ratios, steps, faulty, extra, by_batch, calibrated = [], 0, 0, [], {}, {}
        server = {}  # bandwidth -> server compute in run / calibrated, at b = B = 32
        repeated = []  # profiles_from of every model calibration
        for point in sorted(glob.glob(d + "/*.d/point-*")):
            if not os.path.exists(point + "/calibration.json"):
                continue  # a calibration interrupted before it finished
            for cal in glob.glob(point + "/calibration.json"):
                measured = load(cal)["measured"]["interference"]
                for m, f in measured.get("models", {}).items():
                    if "profiles_from" in f:
                        repeated.append(f["profiles_from"])
                for b, f in measured.get("compute_by_storage_batch", {}).items():
                    calibrated.setdefault(int(b), []).append(f["ratio"])
            for cal in glob.glob(point + "/insitu-*-storage-blocks-alone.json"):
                model = cal.split("insitu-")[1].split("-storage")[0]
                blocks = [load(f)["batches"].get("32") for f in (cal, cal.replace(
                    "alone.json", "alone-after.json"))]
                if not all(blocks):
                    continue
                alone = [0.5 * (a["median"] + b["median"]) for a, b in zip(*blocks)]
                for f in glob.glob(point + "/runs/%s-s*-b32.json" % model):
                    m = run_name.search(f)
                    if not m or "together" in f or int(m.group(1)) == 0:
                        continue
                    its = load(f)["iterations"][3:]
                    if its:
                        run_s = statistics.median(i["server_compute_s"] for i in its)
                        bw = point.split("-")[-1]
                        server.setdefault(bw, []).append(
                            run_s / sum(alone[:int(m.group(1))]))
            for cal in glob.glob(point + "/insitu-*-compute-steps-alone.json"):
                model = cal.split("insitu-")[1].split("-compute")[0]
                step = {s["split"]: s["step_s"]["median"] for s in load(cal)["splits"]}
                for f in glob.glob(point + "/runs/%s-s*.json" % model):
                    m = run_name.search(f)
                    if not m or "together" in f or ".unsettled-" in f:
                        continue
                    its = load(f)["iterations"][3:]
                    if not its:
                        continue
                    median_step = statistics.median(i["compute_s"] for i in its)
                    wait = statistics.median(i["storage_wait_s"] / i["total_s"] for i in its)
                    ratios.append((wait, median_step / step[int(m.group(1))]))
                    if wait < 0.05:  # the trainer never waits: the server works beside its step
                        by_batch.setdefault(int(m.group(2)), []).append(
                            median_step / step[int(m.group(1))])
                    for i in its:
                        steps += 1
                        if i.get("page_faults", 0) > 1000:
                            faulty += 1
                            extra.append(i["compute_s"] - median_step)
        for lo, hi in [(0, 0.05), (0.05, 0.3), (0.3, 0.7), (0.7, 1.01)]:
            v = [r for w, r in ratios if lo <= w < hi]
            if v:
                print("trainer waited %.2f-%.2f of the iteration: %3d runs, step in run / "
                      "calibrated step %s" % (lo, hi, len(v), quartiles(v)))
        for b, v in sorted(by_batch.items()):
            print("trainer never waits, storage batch %2d: %3d runs, step in run / calibrated step "
                  "%s" % (b, len(v), quartiles(v)))
        for b, v in sorted(calibrated.items()):
            print("calibration, storage batch %2d: %3d points, steps beside the server / alone "
                  "%s" % (b, len(v), quartiles(v)))
        for bw, v in sorted(server.items()):
            print("server at b = 32, %7s: %3d runs, its blocks' time in run / calibrated alone "
                  "%s" % (bw, len(v), quartiles(v)))
        if repeated:
            print("model calibrations that measured alone again: %d of %d; the pairs used differ "
                  "by at most %.1f%% (server) and %.1f%% (trainer)" % (
                      sum(r["alone_measurements"] > 2 for r in repeated), len(repeated),
                      100 * max(r["storage_drift"] for r in repeated),
                      100 * max(r["compute_drift"] for r in repeated)))
        print("steps with > 1000 page faults: %d of %d%s" % (
            faulty, steps,
            ", %.1f ms longer than their run's median step (median)" %
            (1e3 * statistics.median(extra)) if extra else ""))


if __name__ == "__main__":
    main()
