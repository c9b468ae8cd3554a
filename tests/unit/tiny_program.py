"""A tiny command-line program (it doubles the first column of a CSV file) and an
assignment spec whose test runs it: shared by test_steps.py, test_grading.py and
test_loader.py."""

PROGRAM = """\
import sys

def main(argv):
    src, out, n = argv[1], argv[2], int(argv[3])
    with open(src) as fh:
        rows = [int(line.split(",")[0]) for line in fh]
    with open(out, "w") as fh:
        for r in rows[:n]:
            fh.write(f"{r * 2}\\n")

if __name__ == "__main__":
    main(sys.argv)
"""


SPEC = """\
version: 1
id: prog
title: A program
submission: {files: [prog.py]}
reference: {module: refprog.prog}
tolerance: {rtol: 0, atol: 0}
fixtures:
  data: {kind: file, path: data.csv, visibility: public}
  truth: {kind: literal, value: [2, 4, 6], visibility: hidden}
tests:
  - name: doubles
    points: 2
    steps:
      - run: prog.py
        args: [$data, {output: doubled}, 3]
        outputs: {doubled: {file: doubled.txt, parse: lines}}
        as: r
    checks:
      - {match: $r.doubled}
"""
