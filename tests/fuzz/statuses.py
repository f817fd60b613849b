#!/usr/bin/env python3
"""statuses.py HEADER SEEN - every status the fuzz model made a function
return is one its comment in the header documents.

HEADER is include/mmf.h: each function's comment ends with "@return" and
the statuses it can return (MMF_OK, MMF_ECLOSED, ...), or a reference to
another function's ("as mmf_open()"). SEEN is what tests/fuzz/replay.c
writes with MMF_FUZZ_STATUSES=FILE: a line per function called by the
fuzz model, its name and the names of the statuses it returned over the
corpus.

Prints, per function, the statuses seen and the documented ones never
seen (fault injection and the C tests reach those: the fuzz model runs no
failing system call but the ones it provokes). Exit status 1 if a status
seen is not documented, or a function called has no @return.
"""
import re
import sys

COMMENT = re.compile(r"/\*(.*?)\*/", re.S)
PROTOTYPE = re.compile(r"MMF_EXPORT[^;(]*?\b(mmf_\w+)\s*\(")
STATUS = re.compile(r"\bMMF_E?[A-Z]+\b")
REFERENCE = re.compile(r"\b(mmf_\w+)\(\)")


def documented(header):
    """{function: set of status names} from the header's comments: the
    statuses after "@return" in a comment belong to the functions
    declared between it and the next comment."""
    text = open(header).read()
    raw = {}
    comments = list(COMMENT.finditer(text))
    for i, c in enumerate(comments):
        if "@return" not in c.group(1):
            continue
        clause = c.group(1).split("@return", 1)[1]
        end = comments[i + 1].start() if i + 1 < len(comments) else len(text)
        for name in PROTOTYPE.findall(text[c.end():end]):
            raw[name] = (set(STATUS.findall(clause)),
                         set(REFERENCE.findall(clause)) - {name})

    def resolve(name, seen=()):
        statuses, refs = raw[name]
        out = set(statuses)
        for ref in refs:
            if ref in raw and ref not in seen:
                out |= resolve(ref, seen + (name,))
        return out

    return {name: resolve(name) for name in raw}


def main(header, seen_path):
    docs = documented(header)
    bad = 0
    for line in open(seen_path):
        name, *seen = line.split()
        if name not in docs:
            print("%s: no @return list in %s" % (name, header))
            bad += 1
            continue
        extra = sorted(set(seen) - docs[name])
        never = sorted(docs[name] - set(seen))
        print("%-20s seen %-60s never seen %s"
              % (name, " ".join(seen), " ".join(never) or "-"))
        if extra:
            print("  %s returned %s, which %s does not document"
                  % (name, " ".join(extra), header))
            bad += 1
    print("statuses: %d functions checked, %d undocumented"
          % (sum(1 for _ in open(seen_path)), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[0])
    sys.exit(main(sys.argv[1], sys.argv[2]))
