#!/usr/bin/env python3
"""Turns scripts/bench's raw measurements (JSON lines) into results.json and one printed table,
with each target marked met or MISSED. usage: bench_report.py RAW.jsonl RESULTS.json"""
import json
import statistics
import sys

# AllenNLP 2.10.1 + torch CPU on the same kind of 2-core machine (issue 5), and the targets.
ALLENNLP = {"tokens_per_s": {1: 23, 8: 65, 32: 190}, "load_s": 5.4}
TARGETS = {"convert_vs_cp": 1.3, "convert_rss_mb": 150, "open_ms": 5, "integrity_gbps": 2.0, "peak_fraction": 0.5}


def main():
    raw, dest = sys.argv[1], sys.argv[2]
    rows = [json.loads(line) for line in open(raw) if line.strip()]
    by = {}
    for r in rows:
        by.setdefault(r["kind"], []).append(r["data"])
    med = statistics.median
    env, env_end = by["env"][0], by["env_end"][0]
    cp = med(r["seconds"] for r in by["cp"])
    cp_fsync = med(r["seconds"] for r in by["cp_fsync"])
    conv = med(r["seconds"] for r in by["convert"])
    conv_rss = max(r["max_rss_kb"] for r in by["convert"]) / 1024
    load = by["load"][0]
    peaks = {}
    for p in by["peak"]:
        peaks.setdefault(p["threads"], []).append(p["peak_gflops"])
    # The peak at T threads is the best measurement over the run, and never below T times the
    # one-thread peak (ideal scaling): when another process held a core during a peak measurement,
    # this keeps the fractions of peak conservative instead of inflated.
    measured_peak = {t: max(v) for t, v in peaks.items()}
    peak = {t: max(v, t * measured_peak[1]) for t, v in measured_peak.items()}
    sentences = by["sentences"][0]
    cli = by["cli_embed"][0]
    groups = {}
    for e in by["embed"]:
        key = (e["batch"], e["threads"], e["cold_cache"], e["parallelism"] if e["threads"] > 1 else "directions")
        groups.setdefault(key, []).append(e)
    embed = []
    for key in sorted(groups, key=lambda k: (k[2], k[3] != "directions", k[1], k[0])):
        runs = groups[key]
        e = dict(runs[0])
        for field in ("tokens_per_s", "gflops", "weight_stream_gbps"):
            e[field] = med(r[field] for r in runs)
        e["tokens_per_s_runs"] = [r["tokens_per_s"] for r in runs]
        e.pop("tokens_per_s_all", None)
        e["peak_gflops"] = peak[e["threads"]]
        e["peak_fraction"] = e["gflops"] / peak[e["threads"]]
        e["allennlp_tokens_per_s"] = ALLENNLP["tokens_per_s"][e["batch"]]
        e["vs_allennlp"] = e["tokens_per_s"] / e["allennlp_tokens_per_s"]
        embed.append(e)
    results = {
        "environment": {**env, "load_average_end": env_end["load_average"]},
        "memory_bandwidth": by["membw"][0],
        "convert": {"seconds_median": conv, "sha256_floor_seconds": 2 * load["file_bytes"] / (load["sha256_gbps"] * 1e9), "cp_seconds_median": cp, "cp_fsync_seconds_median": cp_fsync,
                    "ratio_vs_cp": conv / cp, "ratio_vs_cp_fsync": conv / cp_fsync, "peak_rss_mb": conv_rss,
                    "runs": by["convert"], "cp_runs": by["cp"], "cp_fsync_runs": by["cp_fsync"]},
        "load": load,
        "sgemm_peak_gflops_measured": {str(t): v for t, v in peaks.items()},
        "sgemm_peak_gflops_used": {str(t): v for t, v in peak.items()},
        "bit_identity_full_model": by["identity"][0],
        "embed": embed,
        "cli_embed": {**cli, "tokens": sentences["tokens"], "sentences": sentences["sentences"],
                      "tokens_per_s_end_to_end": sentences["tokens"] / cli["seconds"]},
        "baselines": ALLENNLP,
        "targets": TARGETS,
    }
    with open(dest, "w") as f:
        json.dump(results, f, indent=1)

    def mark(ok):
        return "met" if ok else "MISSED"

    lines = []
    add = lines.append
    add(f"ELMoKit benchmark: {env['cpu']}, {env['cores']} cores, OpenBLAS {env['openblas_core']}, "
        f"LSTM kernels {env['lstm_kernels']}; load average {env['load_average']} -> {env_end['load_average']}")
    add(f"memory read bandwidth {by['membw'][0]['read_gbps_1_threads']:.1f} GB/s (1 thread), "
        f"{by['membw'][0]['read_gbps_2_threads']:.1f} GB/s (2 threads); "
        f"sgemm peak {measured_peak.get(1, 0):.1f} GFLOP/s (1 thread), {measured_peak.get(2, 0):.1f} GFLOP/s (2 threads); "
        f"fractions use {peak.get(1, 0):.1f} / {peak.get(2, 0):.1f} (best seen, 2 threads >= 2 x 1 thread)")
    add("")
    add(f"{'measure':<44}{'value':>16}  {'baseline / target':<34}{'':>7}")
    add("-" * 103)
    add(f"{'convert HDF5 -> native (median)':<44}{conv:>14.3f} s  {'cp %.3f s: %.2fx (<= 1.3x)' % (cp, conv / cp):<34}"
        f"{mark(conv / cp <= TARGETS['convert_vs_cp']):>7}")
    add(f"{'  (vs cp + fsync; convert fsyncs)':<44}{'':>16}  {'cp+fsync %.3f s: %.2fx' % (cp_fsync, conv / cp_fsync):<34}")
    floor = 2 * load["file_bytes"] / (load["sha256_gbps"] * 1e9)
    add(f"{'  floor: 2 dependent SHA-256 passes':<44}{floor:>14.3f} s  {'= %.2fx cp' % (floor / cp):<34}")
    add(f"{'convert peak RSS':<44}{conv_rss:>13.1f} MB  {'<= 150 MB':<34}{mark(conv_rss <= TARGETS['convert_rss_mb']):>7}")
    add(f"{'native open to first tensor (median)':<44}{load['open_ms_median']:>13.3f} ms  {'<= 5 ms':<34}"
        f"{mark(load['open_ms_median'] <= TARGETS['open_ms']):>7}")
    add(f"{'model init, native file (median)':<44}{load['model_init_ms_median']:>13.3f} ms  "
        f"{'AllenNLP load 5.4 s':<34}{mark(load['model_init_ms_median'] < 1000):>7}")
    add(f"{'first embed (packs the weights once)':<44}{load['first_embed_ms']:>13.1f} ms  "
        f"{'%d MB packed' % (load['packed_bytes'] // (1 << 20)):<34}")
    add(f"{'integrity check (CRC-32 + SHA-256)':<44}{load['integrity_gbps']:>11.2f} GB/s  {'>= 2 GB/s':<34}"
        f"{mark(load['integrity_gbps'] >= TARGETS['integrity_gbps']):>7}")
    add(f"{'  SHA-256 alone (OpenSSL) / CRC-32 (zlib)':<44}{load['sha256_gbps']:>11.2f} GB/s  "
        f"{'CRC-32 %.2f GB/s' % load['crc32_gbps']:<34}")
    ident = by["identity"][0]
    add(f"{'stateless bit identity, full model':<44}{'%d/%d same' % (ident['checked'] - ident['different'], ident['checked']):>16}  "
        f"{'alone vs batch 8/32, 1-2 threads':<34}{mark(ident['identical']):>7}")
    add("")
    add(f"{'embed (forward pass, warm token cache)':<28}{'tok/s':>9}{'GFLOP/s':>9}{'of peak':>9}{'AllenNLP':>10}"
        f"{'ratio':>7}{'weights GB/s':>14}")
    add("-" * 103)
    for e in embed:
        label = f"batch {e['batch']:>2}, {e['threads']} thread{'s' if e['threads'] > 1 else ' '}"
        if e["cold_cache"]:
            label += ", cold cache"
        if e["parallelism"] != "directions" and e["threads"] > 1:
            label += ", column split"
        add(f"{label:<28}{e['tokens_per_s']:>9.1f}{e['gflops']:>9.1f}{100 * e['peak_fraction']:>8.0f}%"
            f"{e['allennlp_tokens_per_s']:>10}{e['vs_allennlp']:>6.1f}x{e['weight_stream_gbps']:>14.1f}")
    best32 = max((e for e in embed if e["batch"] == 32 and not e["cold_cache"] and e["parallelism"] == "directions"),
                 key=lambda e: e["tokens_per_s"])
    best8 = max((e for e in embed if e["batch"] == 8), key=lambda e: e["tokens_per_s"])
    best1 = max((e for e in embed if e["batch"] == 1), key=lambda e: e["tokens_per_s"])
    add("")
    warm32 = [e for e in embed if e["batch"] == 32 and not e["cold_cache"] and e["parallelism"] == "directions"]
    fractions = ", ".join(f"{100 * e['peak_fraction']:.0f}% ({e['threads']} thread{'s' if e['threads'] > 1 else ''})" for e in warm32)
    add(f"batch 32 >= 50% of sgemm peak: {fractions} {mark(all(e['peak_fraction'] >= TARGETS['peak_fraction'] for e in warm32))}; "
        f">= 2x AllenNLP (380 tok/s): {best32['tokens_per_s']:.0f} tok/s {mark(best32['tokens_per_s'] >= 380)}")
    add(f"batch 8 >= 2x AllenNLP (130 tok/s): {best8['tokens_per_s']:.0f} {mark(best8['tokens_per_s'] >= 130)}; "
        f"batch 1 >= 2x AllenNLP (46 tok/s): {best1['tokens_per_s']:.0f} {mark(best1['tokens_per_s'] >= 46)}")
    add(f"elmokit embed end to end (load + bucketing + HDF5, batch 32, 2 threads): "
        f"{sentences['tokens'] / cli['seconds']:.0f} tok/s over {sentences['tokens']} tokens, {cli['max_rss_kb'] / 1024:.0f} MB RSS")
    add(f"results: {dest}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
