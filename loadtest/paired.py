#!/usr/bin/env python3
"""Paired per-round CPU ratios from one proxy-bench run.

  loadtest/paired.py OUT.jsonl BASE:TEST [BASE:TEST ...]

proxy-bench runs every target once per round, in turn, so two targets of one round saw the same machine within a
minute of each other. For each BASE:TEST pair this prints the ratio of the median rounds (what the summary table
compares), the ratio of CPU-us per request in every round, and the median of those per-round ratios, which a noisy
machine moves less than either median round. Reads OUT.jsonl (summaries) and OUT.runs.jsonl (rounds).
"""
import collections
import json
import statistics
import sys


def main(path, pairs):
    rounds = collections.defaultdict(dict)
    summary = {}
    with open(path.replace('.jsonl', '.runs.jsonl')) as f:
        for line in f:
            d = json.loads(line)
            if d.get('type') == 'run':
                rounds[d['round']][d['target']] = d['cpu_us_per_req']
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if d.get('type') == 'summary':
                summary[d['target']] = d['cpu_us_per_req']
    for pair in pairs:
        base, test = pair.split(':')
        ratios = [rounds[r][test] / rounds[r][base] - 1 for r in sorted(rounds)
                  if base in rounds[r] and test in rounds[r]]
        print('%s against %s: median rounds %.2f -> %.2f us (%+.1f %%); per round %s; median of per-round ratios %+.1f %%'
              % (test, base, summary[base], summary[test], 100 * (summary[test] / summary[base] - 1),
                 ' '.join('%+.1f' % (100 * x) for x in ratios), 100 * statistics.median(ratios)))


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
