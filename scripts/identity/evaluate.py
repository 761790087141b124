"""Pairwise precision, recall and F1 of predicted FEBRL pairs.

    python evaluate.py pairs.csv dataset3.csv            (dedupe)
    python evaluate.py pairs.csv dataset4a.csv dataset4b.csv   (link)

Ground truth: rec-N-org and rec-N-dup-K are the same person (same N). Prints JSON.
"""

import csv
import json
import sys
from collections import Counter


def entity(rec_id):
    return rec_id.strip().split("-")[1]


def ids(path):
    with open(path, newline="") as f:
        rows = csv.reader(f, skipinitialspace=True)
        header = [h.strip() for h in next(rows)]
        col = header.index("rec_id")
        return [r[col].strip() for r in rows if r]


def main():
    pairs_path, *data = sys.argv[1:]
    sets = [ids(p) for p in data]
    if len(sets) == 1:
        counts = Counter(entity(i) for i in sets[0])
        truth = sum(n * (n - 1) // 2 for n in counts.values())
    else:
        a, b = (Counter(entity(i) for i in s) for s in sets)
        truth = sum(n * b[e] for e, n in a.items())
    predicted = set()
    with open(pairs_path, newline="") as f:
        for row in csv.DictReader(f):
            l, r = row["rec_id_l"].strip(), row["rec_id_r"].strip()
            predicted.add((min(l, r), max(l, r)))
    tp = sum(1 for l, r in predicted if entity(l) == entity(r))
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / truth if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(json.dumps({"precision": precision, "recall": recall, "f1": f1, "tp": tp,
                      "predicted": len(predicted), "truth": truth}))


if __name__ == "__main__":
    main()
