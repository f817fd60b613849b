#!/usr/bin/env python3
"""Put the benchmark's tables into README.md.

    python3 tools/readme_bench.py build/bench.md [build/callcost.md]

`make bench` writes build/bench.md (bench/bench_mmap.py --markdown); this
replaces what lies between the README's markers <!-- bench:begin --> and
<!-- bench:end --> with that file's text, headings moved two levels down so
that they sit under the README's "Status"; and, when given, the
instruction counts of bench/callcost.py between <!-- callcost:begin -->
and <!-- callcost:end -->. Numbers in the README's performance section are
never typed by hand.
"""
import os
import re
import sys

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


def put(text, begin, end, path):
    """text with what lies between the markers replaced by path's text."""
    with open(path, encoding="utf-8") as f:
        tables = f.read().strip()
    tables = re.sub(r"(?m)^(#+) ", lambda m: "##" + m.group(1) + " ", tables)
    start, stop = text.index(begin), text.index(end)
    return text[:start + len(begin)] + "\n" + tables + "\n" + text[stop:]


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                          "README.md")
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    text = put(text, BEGIN, END, argv[1])
    if len(argv) == 3:
        text = put(text, "<!-- callcost:begin -->", "<!-- callcost:end -->",
                   argv[2])
    with open(readme, "w", encoding="utf-8") as f:
        f.write(text)
    print("README.md: the benchmark's tables from %s" % " and ".join(argv[1:]))


if __name__ == "__main__":
    main(sys.argv)
