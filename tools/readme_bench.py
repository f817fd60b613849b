#!/usr/bin/env python3
"""Put the benchmark's tables into README.md.

    python3 tools/readme_bench.py build/bench.md

`make bench` writes build/bench.md (bench/bench_mmap.py --markdown); this
replaces what lies between the README's markers <!-- bench:begin --> and
<!-- bench:end --> with that file's text, headings moved two levels down so
that they sit under the README's "Status". Numbers in the README's
performance section are never typed by hand.
"""
import os
import re
import sys

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    with open(argv[1], encoding="utf-8") as f:
        tables = f.read().strip()
    tables = re.sub(r"(?m)^(#+) ", lambda m: "##" + m.group(1) + " ", tables)
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                          "README.md")
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    start, end = text.index(BEGIN), text.index(END)
    text = text[:start + len(BEGIN)] + "\n" + tables + "\n" + text[end:]
    with open(readme, "w", encoding="utf-8") as f:
        f.write(text)
    print("README.md: the benchmark's tables from %s" % argv[1])


if __name__ == "__main__":
    main(sys.argv)
