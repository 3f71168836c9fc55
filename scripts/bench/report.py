#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise a gwlbtun benchmark run (python3 stdlib; gnuplot for the chart).

Reads DIR/samples.tsv (variant, load, rep, value, unit, details; rep 0 is the
warm-up and is left out), DIR/checks.tsv and DIR/meta.env, as written by
scripts/bench/run-in-vm.sh, and writes into DIR:
  results.json  meta, per (variant, load): n, median, min, max, quartiles and
                every sample; the ratios; the checks
  table.txt     the table printed on the terminal
  chart.png     packet rates, TCP throughput and connections/s (gnuplot)

Ratios are paired: the two variants' samples of the same round (taken within
a minute or two of each other) are divided, and the median and range of
those per-round ratios are reported, which cancels much of the drift of a
shared, emulated machine.

usage: report.py --dir DIR [--no-chart]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

LABELS = {
    "gwlbtun": "(a) gwlbtun, hooks, no rules",
    "gwlbtun-early": "(a) + early_rx (PRE_ROUTING)",
    "gwlbtun-nft": "(b) gwlbtun + 100 rules, ct",
    "seed": "(c) seed: bridge + 2 vxlan",
    "seed-brnf": "(c') seed + br_nf + 100 rules",
    "floor": "(d) floor: IP forwarding",
    "gwlbtun-64": "(a) with 64 devices",
    "ceiling": "no NVA (bridges joined)",
    "null": "(e) null: rx, dropped at once",
    "gwlbtun-strict": "(f) gwlbtun + strict ruleset",
    "gwlbtun-sync": "(f') (f) + conntrackd sync",
}
SHORT = {
    "gwlbtun": "a gwlbtun", "gwlbtun-early": "a early_rx", "gwlbtun-nft": "b gwlbtun+nft", "seed": "c seed",
    "seed-brnf": "c' seed+brnf", "floor": "d floor", "gwlbtun-64": "a 64 devs",
    "ceiling": "ceiling", "null": "e null",
    "gwlbtun-strict": "f strict", "gwlbtun-sync": "f' sync",
}
RATE_LOADS = [
    ("udp64", "64B 1 flow"),
    ("udp64x1024", "64B 1024 flows"),
    ("udp1500", "1500B 1 flow"),
    ("udp64spread", "64B 16 of 64 devs"),
]
TCP_LOADS = [("tcp", "TCP Mbit/s"), ("cps", "conn/s")]
RATE_ROWS = ["gwlbtun", "gwlbtun-early", "gwlbtun-nft", "seed", "seed-brnf", "floor", "gwlbtun-64", "null"]
TCP_ROWS = ["gwlbtun", "gwlbtun-early", "gwlbtun-nft", "seed", "seed-brnf", "ceiling", "gwlbtun-strict", "gwlbtun-sync"]

# (name, numerator, denominator, loads): numerator/denominator per round
RATIOS = [
    ("gwlbtun / floor", ("gwlbtun", None), ("floor", None), ["udp64", "udp64x1024", "udp1500"]),
    ("early / floor", ("gwlbtun-early", None), ("floor", None), ["udp64", "udp64x1024", "udp1500"]),
    ("early / gwlbtun", ("gwlbtun-early", None), ("gwlbtun", None), ["udp64", "udp64x1024", "udp1500", "tcp", "cps"]),
    ("gwlbtun / seed", ("gwlbtun", None), ("seed", None), ["udp64", "udp64x1024", "udp1500", "tcp", "cps"]),
    ("(b) / (c')", ("gwlbtun-nft", None), ("seed-brnf", None), ["udp64", "udp64x1024", "udp1500", "tcp", "cps"]),
    ("(b) / (a): ruleset cost", ("gwlbtun-nft", None), ("gwlbtun", None), ["udp64", "udp64x1024", "udp1500"]),
    ("(c') / (c): ruleset cost", ("seed-brnf", None), ("seed", None), ["udp64", "udp64x1024", "udp1500"]),
    ("seed / floor", ("seed", None), ("floor", None), ["udp64", "udp64x1024", "udp1500"]),
    ("gwlbtun / ceiling", ("gwlbtun", None), ("ceiling", None), ["tcp", "cps"]),
    ("seed / ceiling", ("seed", None), ("ceiling", None), ["tcp", "cps"]),
    ("(f') / (f): state sync cost", ("gwlbtun-sync", None), ("gwlbtun-strict", None), ["tcp", "cps"]),
    ("(f) / (a): strict ruleset cost", ("gwlbtun-strict", None), ("gwlbtun", None), ["tcp", "cps"]),
    ("64-dev / 1-dev", ("gwlbtun-64", "udp64"), ("gwlbtun", "udp64"), ["udp64"]),
    ("64-dev spread / 1-dev", ("gwlbtun-64", "udp64spread"), ("gwlbtun", "udp64"), ["udp64spread"]),
]


def read_env(path):
    meta = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, sep, v = line.rstrip("\n").partition("=")
                if sep:
                    meta[k] = v
    return meta


def read_samples(path):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 5:
                continue
            try:
                val = float(p[3])
                rep = int(p[2])
            except ValueError:
                continue
            det = {}
            for kv in (p[5] if len(p) > 5 else "").split(";"):
                k, sep, v = kv.partition("=")
                if sep:
                    det[k] = v
            rows.append({"variant": p[0], "load": p[1], "rep": rep, "value": val,
                         "unit": p[4], "details": det})
    return rows


def read_checks(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) == 4:
                    out.append({"variant": p[0], "rep": int(p[1]) if p[1].isdigit() else p[1],
                                "status": p[2], "text": p[3]})
    return out


def stats(vals):
    v = sorted(vals)
    s = {"n": len(v), "median": statistics.median(v), "min": v[0], "max": v[-1]}
    if len(v) >= 2:
        q = statistics.quantiles(v, n=4, method="inclusive")
        s["q1"], s["q3"] = q[0], q[2]
    else:
        s["q1"] = s["q3"] = v[0]
    return s


def summarise(samples):
    groups = {}
    for r in samples:
        groups.setdefault((r["variant"], r["load"]), []).append(r)
    summary = {}
    for (v, l), rs in groups.items():
        meas = [r for r in rs if r["rep"] > 0]
        warm = [r["value"] for r in rs if r["rep"] == 0]
        if not meas:
            continue
        s = stats([r["value"] for r in meas])
        s.update({"variant": v, "load": l, "unit": meas[0]["unit"],
                  "samples": {str(r["rep"]): r["value"] for r in meas},
                  "warmup": warm[0] if warm else None})
        summary[(v, l)] = s
    return summary


def ratios(summary):
    out = []
    for name, (nv, nl), (dv, dl), loads in RATIOS:
        for load in loads:
            a = summary.get((nv, nl or load))
            b = summary.get((dv, dl or load))
            if not a or not b:
                continue
            per = []
            for rep, x in a["samples"].items():
                y = b["samples"].get(rep)
                if y:
                    per.append(x / y)
            if not per:
                continue
            st = stats(per)
            out.append({"name": name, "load": load, "numerator": nv, "denominator": dv,
                        "median": round(st["median"], 3), "min": round(st["min"], 3),
                        "max": round(st["max"], 3), "n": st["n"],
                        "ratio_of_medians": round(a["median"] / b["median"], 3)})
    return out


# Own-cost ratios (null base): cost(denominator) / cost(numerator) per round,
# so that, like the rate ratios, more than 1 means the numerator is faster.
COST_RATIOS = [
    ("own cost: floor / gwlbtun", "gwlbtun", "floor"),
    ("own cost: floor / early", "gwlbtun-early", "floor"),
    ("own cost: gwlbtun / early", "gwlbtun-early", "gwlbtun"),
    ("own cost: seed / gwlbtun", "gwlbtun", "seed"),
    ("own cost: (c') / (b)", "gwlbtun-nft", "seed-brnf"),
]


def overhead(summary, base="floor"):
    """Per-packet cost above BASE, in microseconds of emulated CPU:
    1/rate(variant) - 1/rate(base), per round. The generator, the veth
    crossings and the tc drop cost the same in every variant, so above the
    floor this is what the NVA adds to forwarding, and above null (nothing
    but the generator and one drop) it is all the NVA itself costs."""
    out = []
    for v in RATE_ROWS:
        if v in (base, "null"):
            continue
        for load, _ in RATE_LOADS:
            a = summary.get((v, load))
            f = summary.get((base, "udp64" if load == "udp64spread" else load))
            if not a or not f:
                continue
            per = []
            for rep, x in a["samples"].items():
                y = f["samples"].get(rep)
                if x and y:
                    per.append(1e6 / x - 1e6 / y)
            if per:
                st = stats(per)
                out.append({"variant": v, "load": load, "median": round(st["median"], 2),
                            "min": round(st["min"], 2), "max": round(st["max"], 2), "n": st["n"],
                            "per_round": {rep: 1e6 / x - 1e6 / f["samples"][rep]
                                          for rep, x in a["samples"].items()
                                          if x and f["samples"].get(rep)}})
    return out


def cost_ratios(own):
    """Ratios of the NVAs' own costs (above null), paired by round."""
    out = []
    for name, num, den in COST_RATIOS:
        for load, _ in RATE_LOADS:
            a = next((o for o in own if o["variant"] == num and o["load"] == load), None)
            b = next((o for o in own if o["variant"] == den and o["load"] == load), None)
            if not a or not b:
                continue
            per = [b["per_round"][r] / x for r, x in a["per_round"].items()
                   if x > 0 and r in b["per_round"]]
            if not per:
                continue
            st = stats(per)
            out.append({"name": name, "load": load, "numerator": num, "denominator": den,
                        "median": round(st["median"], 3), "min": round(st["min"], 3),
                        "max": round(st["max"], 3), "n": st["n"]})
    return out


def fmt_val(unit, x):
    if unit == "pps":
        return "%.1f" % (x / 1000)
    if x >= 100:
        return "%.0f" % x
    return "%.1f" % x


def cell(s):
    if not s:
        return "-"
    u = s["unit"]
    return "%s [%s-%s]" % (fmt_val(u, s["median"]), fmt_val(u, s["min"]), fmt_val(u, s["max"]))


def grid(add, title, rows, loads, cells):
    """One table: a row per variant of ROWS that has a cell, a column per
    (load, name) of LOADS that any row has; CELLS maps (variant, load) to
    the text of a cell."""
    w0 = 31
    cols = [(l, n) for l, n in loads if any((v, l) in cells for v in rows)]
    if not cols:
        return
    widths = [max(len(n), 19) for _, n in cols]
    add(title)
    add("  " + "variant".ljust(w0) + "  ".join(n.rjust(w) for (_, n), w in zip(cols, widths)))
    for v in rows:
        if any((v, l) in cells for l, _ in cols):
            add("  " + LABELS[v].ljust(w0) + "  ".join(cells.get((v, l), "-").rjust(w)
                                                       for (l, _), w in zip(cols, widths)))
    add("")


def cost_cells(over):
    return {(o["variant"], o["load"]): "%.1f [%.1f-%.1f]" % (o["median"], o["min"], o["max"])
            for o in over}


def table(meta, summary, rats, over, own, crats, checks):
    lines = []
    add = lines.append
    add("gwlbtun benchmark: kernel %s, smp %s, %s rounds after a warm-up, %ss rate runs, "
        "%ss TCP runs, underlay GSO %s, outer IPv%s%s" % (
            meta.get("kernel", "?"), meta.get("smp", "?"), meta.get("reps", "?"),
            meta.get("rate_seconds", "?"), meta.get("tcp_seconds", "?"),
            meta.get("underlay_gso", "?"), meta.get("outer", "4"),
            ", QUICK MODE" if meta.get("quick") == "1" else ""))
    add("cells: median [min-max] over the rounds; TCG emulation: compare within a run, as ratios")
    add("")
    cells = {k: cell(v) for k, v in summary.items()}
    grid(add, "NVA packet rate, kpps transmitted by the NVA (trafgen -> NVA -> tc drop)",
         RATE_ROWS, RATE_LOADS, cells)
    grid(add, "End to end, client -> stand-in -> NVA -> stand-in -> server",
         TCP_ROWS, TCP_LOADS, cells)
    grid(add, "NVA cost above the floor, microseconds of emulated CPU per packet "
         "(1/rate - 1/floor rate, per round)", RATE_ROWS, RATE_LOADS, cost_cells(over))
    grid(add, "NVA's own cost, microseconds of emulated CPU per packet "
         "(1/rate - 1/null rate, per round: the generator and the drop taken out)",
         RATE_ROWS, RATE_LOADS, cost_cells(own))
    if rats:
        add("Ratios (per-round pairs: median [min-max])")
        for r in rats + crats:
            add("  %-26s %-12s %6.3f [%.3f-%.3f]" % (r["name"], r["load"], r["median"], r["min"], r["max"]))
        add("")
    warns = [c for c in checks if c["status"] != "ok"]
    oks = len(checks) - len(warns)
    add("Checks: %d ok, %d warnings" % (oks, len(warns)))
    seen = set()
    for c in warns:
        key = (c["variant"], c["text"])
        if key in seen:
            continue
        seen.add(key)
        reps = [str(x["rep"]) for x in warns if (x["variant"], x["text"]) == key]
        add("  WARNING %s (round %s): %s" % (c["variant"], ",".join(reps), c["text"]))
    return "\n".join(lines) + "\n"


def chart(d, summary):
    gp = shutil.which("gnuplot")
    if not gp:
        print("report: gnuplot not installed: no chart (apt-get install gnuplot-nox)", file=sys.stderr)
        return False
    # one data file per panel: rows = variants, columns = (median, min, max) per load
    panels = []
    rl = [l for l, _ in RATE_LOADS if any((v, l) in summary for v in RATE_ROWS)]
    if rl:
        rows = [v for v in RATE_ROWS if any((v, l) in summary for l in rl)]
        panels.append(("rate.dat", "NVA packet rate (kpps)", rows, rl, dict(RATE_LOADS), 1000.0))
    for load, title in TCP_LOADS:
        rows = [v for v in TCP_ROWS if (v, load) in summary]
        if rows:
            panels.append((load + ".dat", title, rows, [load], dict(TCP_LOADS), 1.0))
    if not panels:
        return False
    script = ['set terminal pngcairo size 1400,1000 font "sans,10"',
              'set output "%s"' % os.path.join(d, "chart.png"),
              'set multiplot title "gwlbtun benchmark: medians, error bars min-max over the rounds"',
              "set style data histogram", "set style histogram errorbars gap 1 lw 1",
              "set style fill solid 0.8 border -1", "set boxwidth 0.9", "set grid ytics",
              "set xtics rotate by -25 left", "set yrange [0:*]"]
    # the packet-rate panel across the top, the others side by side below
    small = [p for p in panels if p[0] != "rate.dat"]
    for i, (fname, title, rows, loads, names, scale) in enumerate(panels):
        if fname == "rate.dat":
            script += ["set origin 0,0.47", "set size 1,0.5"]
        else:
            k = small.index(panels[i])
            script += ["set origin %f,0" % (k / len(small)), "set size %f,0.47" % (1.0 / len(small))]
        path = os.path.join(d, fname)
        with open(path, "w") as f:
            for v in rows:
                vals = []
                for l in loads:
                    s = summary.get((v, l))
                    if s:
                        vals += ["%.3f" % (s["median"] / scale), "%.3f" % (s["min"] / scale),
                                 "%.3f" % (s["max"] / scale)]
                    else:
                        vals += ["NaN", "NaN", "NaN"]
                f.write('"%s" %s\n' % (SHORT[v], " ".join(vals)))
        script.append('set title "%s"' % title)
        if len(loads) > 1:
            script.append("set key outside right top vertical")
        else:
            script.append("unset key")
        plots = []
        for i, l in enumerate(loads):
            c = 2 + 3 * i
            plots.append('"%s" using %d:%d:%d%s title "%s"' % (
                path, c, c + 1, c + 2, ":xtic(1)" if i == 0 else "", names[l]))
        script.append("plot " + ", ".join(plots))
    script.append("unset multiplot")
    gpfile = os.path.join(d, "chart.gp")
    with open(gpfile, "w") as f:
        f.write("\n".join(script) + "\n")
    r = subprocess.run([gp, gpfile], capture_output=True, text=True)
    if r.returncode != 0:
        print("report: gnuplot failed: %s" % r.stderr.strip()[-500:], file=sys.stderr)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--no-chart", action="store_true")
    a = ap.parse_args()
    d = a.dir
    meta = read_env(os.path.join(d, "meta.env"))
    samples = read_samples(os.path.join(d, "samples.tsv"))
    checks = read_checks(os.path.join(d, "checks.tsv"))
    summary = summarise(samples)
    rats = ratios(summary)
    over = overhead(summary)
    own = overhead(summary, "null")
    crats = cost_ratios(own)
    text = table(meta, summary, rats, over, own, crats, checks)
    with open(os.path.join(d, "table.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    profiles = {}
    for fn in sorted(os.listdir(d)):
        if fn.startswith("profile-") and fn.endswith(".txt"):
            profiles[fn[len("profile-"):-4]] = os.path.join(d, fn)
    result = {
        "meta": meta,
        "summary": [dict(v) for _, v in sorted(summary.items())],
        "ratios": rats + crats,
        "cost_above_floor_us": [{k: v for k, v in o.items() if k != "per_round"} for o in over],
        "own_cost_us": [{k: v for k, v in o.items() if k != "per_round"} for o in own],
        "checks": checks,
        "profiles": profiles,
        "labels": LABELS,
    }
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    if not a.no_chart:
        chart(d, summary)


if __name__ == "__main__":
    main()
