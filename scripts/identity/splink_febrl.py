"""Splink 5 (DuckDB) on the FEBRL data sets, trained unsupervised as Splink documents it.

    python splink_febrl.py dedupe dataset3.csv [--without soc_sec_id] [--threshold 0.9] --out pairs.csv
    python splink_febrl.py link dataset4a.csv dataset4b.csv [...]

Comparisons mirror persona-store's matcher (names, address and suburb: exact / Jaro-Winkler
0.92 / 0.88 / else, names, suburb and postcode term-frequency adjusted; date of birth: Splink's
DateOfBirthComparison; postcode: exact / first 3 characters / else; street number and state:
exact; soc_sec_id: exact / Damerau-Levenshtein 1). Prints the wall time (read, train, predict)
to stderr as JSON.
"""

import argparse
import json
import logging
import sys
import time

import pandas as pd

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression, DuckDBAPI, Linker, SettingsCreator, block_on

COLUMNS = [
    "given_name", "surname", "street_number", "address_1", "suburb",
    "postcode", "state", "date_of_birth", "soc_sec_id",
]


def read(path, without):
    df = pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=False)
    df.columns = [c.strip() for c in df.columns]
    df = df[["rec_id"] + [c for c in COLUMNS if c not in without]]
    for c in df.columns:
        df[c] = df[c].str.strip().str.lower()
        df.loc[df[c] == "", c] = None
    return df


def settings(link_type, without):
    has_ssn = "soc_sec_id" not in without
    comparisons = [
        cl.NameComparison("given_name", jaro_winkler_thresholds=[0.92, 0.88]),
        cl.NameComparison("surname", jaro_winkler_thresholds=[0.92, 0.88]),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.ExactMatch("street_number"),
        cl.JaroWinklerAtThresholds("address_1", [0.92, 0.88]),
        cl.JaroWinklerAtThresholds("suburb", [0.92, 0.88]).configure(term_frequency_adjustments=True),
        cl.CustomComparison(
            [
                cll.NullLevel("postcode"),
                cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
                cll.ExactMatchLevel(ColumnExpression("postcode").substr(1, 3)),
                cll.ElseLevel(),
            ],
            output_column_name="postcode",
        ),
        cl.ExactMatch("state"),
    ]
    rules = [
        block_on("given_name", "surname"),
        block_on("surname", "date_of_birth"),
        block_on("date_of_birth", "postcode"),
        block_on("given_name", "date_of_birth"),
        block_on("postcode", "street_number"),
    ]
    if has_ssn:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1]))
        rules.append(block_on("soc_sec_id"))
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="rec_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["dedupe", "link"])
    p.add_argument("files", nargs="+")
    p.add_argument("--without", action="append", default=[])
    p.add_argument("--threshold", type=float, default=0.9)
    p.add_argument("--u-pairs", type=float, default=2e6)
    p.add_argument("--out", required=True)
    a = p.parse_args()

    start = time.perf_counter()
    db = DuckDBAPI()
    dfs = [read(f, a.without) for f in a.files]
    if a.mode == "dedupe":
        linker = Linker(db.register(dfs[0]), settings("dedupe_only", a.without), log_level=logging.WARNING)
    else:
        tables = [db.register(df, dataset_display_name=n) for df, n in zip(dfs, ["a", "b"])]
        linker = Linker(tables, settings("link_only", a.without), log_level=logging.WARNING)
    read_done = time.perf_counter()

    deterministic = [block_on("given_name", "surname", "date_of_birth"), block_on("surname", "date_of_birth", "postcode")]
    if "soc_sec_id" not in a.without:
        deterministic.append(block_on("soc_sec_id", "date_of_birth"))
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=a.u_pairs, seed=42)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    train_done = time.perf_counter()

    pairs = linker.inference.predict(threshold_match_probability=a.threshold).as_pandas_dataframe()
    pairs[["rec_id_l", "rec_id_r", "match_probability"]].to_csv(a.out, index=False)
    done = time.perf_counter()
    print(json.dumps({
        "read": read_done - start,
        "train": train_done - read_done,
        "predict": done - train_done,
        "total": done - start,
        "pairs": len(pairs),
    }), file=sys.stderr)


if __name__ == "__main__":
    main()
