"""Synthetic customer records for `persona match` throughput: N rows of CSV on stdout, of which
about a fifth are corrupted duplicates of earlier rows (a typo in a name, the e-mail missing or in
other case, day and month of the birthday swapped, another postcode in the same area), the rest
distinct people. Seeded: the same N and seed give the same file.

    python3 scripts/identity/synthetic.py N [--seed S] [--duplicates 0.2] > records.csv

Every value is invented: names are drawn from short lists, e-mails live under example.org, phone
numbers are Berlin landline numbers in the range the phone-number tables accept.
"""

import argparse
import csv
import random
import sys

GIVEN = """Anna Ben Clara David Eva Felix Greta Hugo Ida Jonas Karla Leon Mia Noah Olga Paul Rosa
Samuel Tara Udo Vera Willi Xenia Yusuf Zoe Amelie Bruno Carla Dennis Elif Finn Hanna Igor Jana
Kemal Lena Moritz Nora Oskar Pia Quentin Rieke Sven Tilda Ulrich Valentina Wanda Yara Emil Frieda
""".split()
SURNAMES = """Albrecht Brandt Claassen Dietz Ebert Fuchs Graf Hahn Imhof Jansen Kuhn Lange Merz Nagel
Otto Pohl Quast Richter Schmidt Thiel Ulrich Vogel Weber Xander Yilmaz Zimmer Becker Hoffmann
Schulz Koch Bauer Wolf Neumann Schwarz Kaiser Krause Lehmann Werner Hartmann Peters Roth Frank
Berg Sommer Seidel Heinrich Brunner Lorenz Haas Keller Schuster Arnold Engel Horn Busch Voigt
Sauer Jung Winter Kraft Stein Beck Lindner Martens Franke Kuhlmann Ostermann Rademacher Wegener
""".split()
CITIES = [
    ("Berlin", "10"),
    ("Hamburg", "20"),
    ("Munich", "80"),
    ("Cologne", "50"),
    ("Frankfurt", "60"),
    ("Leipzig", "04"),
    ("Dresden", "01"),
    ("Bremen", "28"),
]
COLUMNS = ["subject", "email", "phone", "given_name", "surname", "date_of_birth", "postcode", "locality"]


def person(rng, i):
    given = rng.choice(GIVEN)
    surname = rng.choice(SURNAMES)
    # A long tail of rarer surnames: some get a suffix, as real name distributions have.
    if rng.random() < 0.5:
        surname += rng.choice(["er", "mann", "s", "ke", "bach", "feld", "berg", "hausen"])
    city, prefix = rng.choice(CITIES)
    year = rng.randint(1940, 2005)
    return {
        "subject": f"crm_{i}",
        "email": f"{given.lower()}.{surname.lower()}.{i}@example.org" if rng.random() < 0.8 else "",
        "phone": f"+49 30 {rng.randint(20000000, 99999999)}" if rng.random() < 0.5 else "",
        "given_name": given,
        "surname": surname,
        "date_of_birth": f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "postcode": f"{prefix}{rng.randint(0, 999):03d}",
        "locality": city,
    }


def typo(rng, word):
    if len(word) < 3:
        return word
    k = rng.randrange(1, len(word) - 1)
    edit = rng.randrange(3)
    if edit == 0:  # transposition
        return word[:k] + word[k + 1] + word[k] + word[k + 2:]
    if edit == 1:  # deletion
        return word[:k] + word[k + 1:]
    return word[:k] + rng.choice("aeiourstn") + word[k + 1:]  # substitution


def corrupt(rng, original, i):
    row = dict(original)
    row["subject"] = f"crm_{i}"
    for _ in range(rng.randint(1, 3)):
        change = rng.randrange(6)
        if change == 0:
            row["given_name"] = typo(rng, row["given_name"])
        elif change == 1:
            row["surname"] = typo(rng, row["surname"])
        elif change == 2:
            row["email"] = row["email"].upper() if rng.random() < 0.5 else ""
        elif change == 3:
            y, m, d = row["date_of_birth"].split("-")
            if int(d) <= 12:
                row["date_of_birth"] = f"{y}-{d}-{m}"
        elif change == 4:
            row["postcode"] = row["postcode"][:3] + f"{rng.randint(0, 99):02d}"
        else:
            row["phone"] = ""
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--duplicates", type=float, default=0.2)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    out.writeheader()
    people = []
    for i in range(args.n):
        if people and rng.random() < args.duplicates:
            row = corrupt(rng, rng.choice(people), i)
        else:
            row = person(rng, i)
            people.append(row)
        out.writerow(row)


if __name__ == "__main__":
    main()
