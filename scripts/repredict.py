#!/usr/bin/env python3
"""repredict.py: the current simulator's predictions for the runs of an earlier validation.

  scripts/repredict.py REPORT.json [REPORT.json ...] [--tiersplit PATH] [--work DIR]

For every point and tenant of each `tiersplit validate` report, re-simulates the calibrated
scenario the report names (adding what the report's simulator did not set: the runs' object
order, seed 1, and their warm-up) and sets the new predictions beside the measurements kept in
the report. No run is repeated: the comparison isolates a change of the model from the machine's
drift. The choice is made again (`tiersplit recommend --prefetch 1`, as validate does) and judged
only when that configuration was measured. Prints one Markdown table. Uses no LibTorch: only
`tiersplit simulate` and `tiersplit recommend`.

--runs: before each case's row, one line per configuration: measured, predicted then and now.

--burst RATE=BYTES (repeatable): for reports calibrated before `tiersplit calibrate` measured
the shaper's bucket (link.after_idle), gives scenarios whose network has this bandwidth (B/s, as
calibrate writes it, e.g. 12500000) and no burst the bucket measured since (the "burst" of a
calibration's scenario at that bandwidth), and the latency such a calibration implies on the
one-machine testbed (the pacer's delay plus the fitted fixed cost: latency_factor 1 + the old).

--pool-profiles all|earlier: each point of a report calibrated its own in-situ profiles (the
server's block times, the trainer's steps), which do not depend on the bandwidth; this gives a
point the per-entry median over all the report's points ("all"), or over itself and the points
calibrated before it ("earlier": what validate could have known when it predicted that point),
fits scaled alike, to judge calibrations spread over time against one per point. Interference
factors stay per point.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("repredict.py: `%s` failed (status %d):\n%s" % (" ".join(cmd), p.returncode,
                                                                 p.stderr[-2000:]))


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("repredict.py: %s: %s" % (path, e))


def bytes_per_s(quantity, where):
    if not quantity.endswith("Bps"):
        sys.exit("repredict.py: %s: bandwidth %r is not in B/s as calibrate writes it"
                 % (where, quantity))
    return float(quantity[:-3])


def pooled_profile(files, out):
    """Writes to `out` the first profile with every timed entry the median over `files`."""
    profiles = [load(f) for f in files]
    pooled = profiles[0]
    for i, block in enumerate(pooled["blocks"]):
        for kind in ("forward", "train"):
            entries = block.get(kind, [])
            if not entries:
                continue
            old = sum(e["median_s"] for e in entries)
            for e in entries:
                e["median_s"] = statistics.median(
                    x["median_s"] for p in profiles for x in p["blocks"][i].get(kind, [])
                    if x["batch"] == e["batch"])
            new = sum(e["median_s"] for e in entries)
            fit = block.get(kind + "_fit")
            if fit and old > 0:
                for key in ("alpha_s", "beta_s_per_sample"):
                    fit[key] *= new / old
    with open(out, "w") as f:
        json.dump(pooled, f)
    return out


def pool_profiles(report, work, mode):
    """Per point: {tenant name: {"compute_profile": file, "storage_profile": file}} pooled."""
    per_point = []
    for point in report["points"]:
        files = {}
        for t in point["tenants"]:
            for tt in load(t["scenario"])["workload"]["tenants"]:
                for key in ("compute_profile", "storage_profile"):
                    if key in tt:
                        files.setdefault(tt["name"], {})[key] = tt[key]
        per_point.append(files)
    pooled = []
    for i in range(len(per_point)):
        use = per_point if mode == "all" else per_point[:i + 1]
        out = {}
        for name, kinds in per_point[i].items():
            for key in kinds:
                fs = [p[name][key] for p in use if key in p.get(name, {})]
                path = os.path.join(work, "%s-point%d-%s-%s-pooled.json" % (
                    os.path.basename(report.get("scenario", "report")), i, name, key))
                out.setdefault(name, {})[key] = pooled_profile(fs, path)
        pooled.append(out)
    return pooled


def repredict(tiersplit, scenario_file, warmup, work, bursts, pooled=None):
    sc = load(scenario_file)
    for t in sc["workload"]["tenants"]:
        t.update((pooled or {}).get(t["name"], {}))
    net = sc["platform"]["network"]
    rate = bytes_per_s(net["bandwidth"], scenario_file)
    if rate in bursts and "burst" not in net:
        net["burst"] = "%dB" % bursts[rate]
        model = net.setdefault("model", {})
        model["latency_factor"] = 1.0 + model.get("latency_factor", 0.0)
    for t in sc["workload"]["tenants"]:
        t["dataset"].setdefault("order", "shuffled")  # `tiersplit train` reads them so
        t["dataset"].setdefault("seed", 1)
    sc["simulation"].setdefault("warmup", warmup)
    fd, path = tempfile.mkstemp(suffix=".json", dir=work)
    with os.fdopen(fd, "w") as f:
        json.dump(sc, f)
    sim, rec = path + ".sim.json", path + ".rec.json"
    run([tiersplit, "simulate", path, "-o", sim])
    run([tiersplit, "recommend", path, "-o", rec, "--prefetch", "1", "-q"])
    results = {(r["split"], r["storage_batch"]): r["iteration_s"]
               for r in load(sim)["results"] if r.get("feasible", True)}
    choice = load(rec)["points"][0]["tenants"][0]["choice"]
    return results, (choice["split"], choice["storage_batch"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("reports", nargs="+")
    ap.add_argument("--tiersplit", default="build/cli/tiersplit")
    ap.add_argument("--work", default=None, help="folder for the scenarios and results written")
    ap.add_argument("--runs", action="store_true",
                    help="also print every configuration: measured, predicted before and now")
    ap.add_argument("--pool-profiles", choices=["all", "earlier"],
                    help="give each point the median of the report's in-situ profiles (see above)")
    ap.add_argument("--burst", action="append", default=[], metavar="RATE=BYTES",
                    help="give scenarios at this bandwidth [B/s] without one this bucket [B]")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="repredict-")
    bursts = {}
    for item in a.burst:
        try:
            rate, size = item.split("=")
            bursts[float(rate)] = float(size)
        except ValueError:
            sys.exit("repredict.py: --burst %r: expected RATE=BYTES, e.g. 12500000=38858" % item)
    os.makedirs(work, exist_ok=True)
    print("| case | runs | median abs err before / now | max before / now | choice before / now"
          " | choice vs measured best before / now |")
    print("|---|---|---|---|---|---|")
    all_before, all_now, within = [], [], [0, 0, 0]
    for report_file in a.reports:
        rep = load(report_file)
        warmup = rep["settings"].get("warmup", 3)
        pooled = pool_profiles(rep, work, a.pool_profiles) if a.pool_profiles else None
        for pi, point in enumerate(rep["points"]):
            for t in point["tenants"]:
                configs = t["configurations"]
                if not configs:
                    continue
                new, (cs, cb) = repredict(a.tiersplit, t["scenario"], warmup, work, bursts,
                                          pooled[pi] if pooled else None)
                best_s = {}
                for (s, b), it in new.items():
                    if s not in best_s or it < new[(s, best_s[s])]:
                        best_s[s] = b
                measured = {(c["split"], c["storage_batch"]): c["measured"]["iteration_s"]
                            for c in configs}
                if cs == 0:  # no pushdown: the storage batch does not matter (validate runs b = 1)
                    cb = next((b for (s, b) in measured if s == 0), best_s.get(0, cb))
                if a.runs:
                    for c in configs:
                        key = (c["split"], c["storage_batch"])
                        m, p = c["measured"]["iteration_s"], c["predicted"]["iteration_s"]
                        print("  %s %s s=%d b=%d: measured %.1f ms, predicted %.1f ms (%+.1f%%) "
                              "-> %.1f ms (%+.1f%%)" % (
                                  t["name"], point["bandwidth"], key[0], key[1], 1e3 * m, 1e3 * p,
                                  100 * (p - m) / m, 1e3 * new[key], 100 * (new[key] - m) / m))
                before = [c["error"]["abs_iteration"] for c in configs]
                now = [abs(new[(c["split"], c["storage_batch"])] - c["measured"]["iteration_s"])
                       / c["measured"]["iteration_s"] for c in configs]
                all_before += before
                all_now += now
                best = min(measured.values())
                old = t["summary"]
                old_choice = "%d/%d" % (old["choice"]["split"], old["choice"]["storage_batch"])
                old_ratio = old["choice_vs_measured_best"]
                within[0] += old_ratio <= 1.05
                if (cs, cb) in measured:
                    ratio = measured[(cs, cb)] / best
                    within[1] += ratio <= 1.05
                    now_ratio = "%.3f" % ratio
                else:
                    within[2] += 1
                    now_ratio = "not measured"
                print("| %s %s | %d | %.1f%% / %.1f%% | %.1f%% / %.1f%% | %s / %d/%d | %.3f / %s |" % (
                    t["name"], point["bandwidth"], len(configs),
                    100 * statistics.median(before), 100 * statistics.median(now),
                    100 * max(before), 100 * max(now), old_choice, cs, cb, old_ratio, now_ratio))
    print()
    print("Over %d runs: median abs error %.1f%% -> %.1f%%, mean %.1f%% -> %.1f%%, max %.1f%% -> "
          "%.1f%%; choice within 5%% of the measured best: %d -> %d (%d new choices not measured)."
          % (len(all_now), 100 * statistics.median(all_before), 100 * statistics.median(all_now),
             100 * statistics.mean(all_before), 100 * statistics.mean(all_now),
             100 * max(all_before), 100 * max(all_now), within[0], within[1], within[2]))


if __name__ == "__main__":
    main()
