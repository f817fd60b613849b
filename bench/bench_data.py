"""bench_data.py - the data of bench_mmap.py: English-like text, a second
file of the same kind, a repetitive file, and the needles; generated once
and cached in the data directory (see bench_mmap.py, Method).
"""

import itertools
import json
import os
import random

from bench_common import GEN_VERSION, MiB, TEXT_LENGTHS, log


# About 500 common English words, most frequent first (the order gives the
# Zipf rank).
WORDS = """
the of and to a in is it you that he was for on are with as I his they be at
one have this from or had by word but what some we can out other were all
there when up use your how said an each she which do their time if will way
about many then them write would like so these her long make thing see him
two has look more day could go come did number sound no most people my over
know water than call first who may down side been now find any new work part
take get place made live where after back little only round man year came
show every good me give our under name very through just form sentence great
think say help low line differ turn cause much mean before move right boy old
too same tell does set three want air well also play small end put home read
hand port large spell add even land here must big high such follow act why
ask men change went light kind off need house picture try us again animal
point mother world near build self earth father head stand own page should
country found answer school grow study still learn plant cover food sun four
between state keep eye never last let thought city tree cross farm hard start
might story saw far sea draw left late run don't while press close night real
life few north open seem together next white children begin got walk example
ease paper group always music those both mark often letter until mile river
car feet care second book carry took science eat room friend began idea fish
mountain stop once base hear horse cut sure watch color face wood main enough
plain girl usual young ready above ever red list though feel talk bird soon
body dog family direct pose leave song measure door product black short
numeral class wind question happen complete ship area half rock order fire
south problem piece told knew pass since top whole king space heard best hour
better true during hundred five remember step early hold west ground interest
reach fast verb sing listen six table travel less morning ten simple several
vowel toward war lay against pattern slow center love person money serve
appear road map rain rule govern pull cold notice voice unit power town fine
certain fly fall lead cry dark machine note wait plan figure star box noun
field rest correct able pound done beauty drive stood contain front teach
week final gave green oh quick develop ocean warm free minute strong special
mind behind clear tail produce fact street inch multiply nothing course stay
wheel full force blue object decide surface deep moon island foot system busy
test record boat common gold possible plane stead dry wonder laugh thousand
ago ran check game shape equate hot miss brought heat snow tire bring yes
distant fill east paint language among it's can't won't I'm government
company important business information development different however national
""".split()

# Separators after a word: (text, weight). "\n" never appears here: lines are
# made by the wrapper.
SEPARATORS = ((" ", 880), (", ", 60), (". ", 45), ("; ", 4), (": ", 3),
              ("? ", 4), ("! ", 2), (" - ", 2))


# ---------------------------------------------------------------------------
# Data generation
# ---------------------------------------------------------------------------

def gen_text_chunk(rng, nbytes):
    """English-like text of about nbytes (ASCII, ends with a newline)."""
    vocab = list(dict.fromkeys(WORDS))
    cw = list(itertools.accumulate(1.0 / (r + 2.7) for r in range(1, len(vocab) + 1)))
    seps = [s for s, _ in SEPARATORS]
    scw = list(itertools.accumulate(w for _, w in SEPARATORS))
    out = []
    total = 0
    line = []
    line_len = 0
    width = rng.randint(60, 100)
    cap = True
    while total < nbytes:
        k = 100000
        words = rng.choices(vocab, cum_weights=cw, k=k)
        punct = rng.choices(seps, cum_weights=scw, k=k)
        widths = rng.choices(range(60, 101), k=k // 8)
        wi = 0
        for w, p in zip(words, punct):
            if cap:
                w = w[0].upper() + w[1:]
            tok = w + p.rstrip(" ")
            cap = p[0] in ".?!"
            if line_len and line_len + 1 + len(tok) > width:
                s = " ".join(line) + "\n"
                out.append(s)
                total += len(s)
                line = [tok]
                line_len = len(tok)
                width = widths[wi]
                wi = (wi + 1) % len(widths)
            else:
                line.append(tok)
                line_len += len(tok) + (1 if line_len else 0)
            if total >= nbytes:
                break
    return "".join(out).encode("ascii")


def line_starts_after(chunk, pos):
    """The start of the first line at or after pos (cyclic)."""
    j = chunk.find(b"\n", pos)
    return 0 if j < 0 or j + 1 >= len(chunk) else j + 1


class TextLayout:
    """A file made of tiles; tile k is the chunk rotated at rots[k]."""

    def __init__(self, chunk, size, rng):
        self.chunk = chunk
        self.size = size
        ntiles = -(-size // len(chunk))
        self.rots = [line_starts_after(chunk, rng.randrange(len(chunk)))
                     for _ in range(ntiles)]

    def tile(self, k):
        r = self.rots[k]
        return self.chunk[r:] + self.chunk[:r]

    def cyclic(self, start, n):
        """n bytes of the chunk read cyclically from start."""
        c = self.chunk
        i = start % len(c)
        out = c[i:i + n]
        return out + c[:n - len(out)]

    def boundary_windows(self, L):
        """The bytes around each tile boundary that a match of length L
        crossing it could use."""
        c = len(self.chunk)
        w = []
        for k in range(len(self.rots) - 1):
            if (k + 1) * c >= self.size:
                break
            w.append(self.cyclic(self.rots[k] + c - (L - 1), L - 1)
                     + self.cyclic(self.rots[k + 1], L - 1))
        return w

    def write(self, path):
        tmp = path + ".tmp%d" % os.getpid()
        written = 0
        lines = 0
        with open(tmp, "wb", buffering=0) as f:
            for k in range(len(self.rots)):
                t = self.tile(k)
                if written + len(t) > self.size:
                    t = t[:self.size - written]
                f.write(t)
                lines += t.count(b"\n")
                written += len(t)
                last = t[-1:]
        if last != b"\n":
            lines += 1
        os.replace(tmp, path)
        return lines


def absent(needle, cyc, windows):
    """needle occurs neither in cyc (the chunk followed by its first 255
    bytes) nor in any boundary window."""
    if cyc.find(needle) >= 0:
        return False
    return all(w.find(needle) < 0 for w in windows)


def pick_needles(rng, chunk, layouts):
    """Absent needles of TEXT_LENGTHS made of text: for 2 bytes the absent
    pair of letters with the highest product of frequencies; longer ones are
    substrings of the text starting at a word, with two inner letters
    swapped (a typo), checked absent everywhere in the files."""
    needles = {}
    wins = {}
    for L in TEXT_LENGTHS:
        wins[L] = [w for lay in layouts for w in lay.boundary_windows(L)]
    cyc = chunk + chunk[:max(TEXT_LENGTHS)]
    freq = [0] * 256
    sample = chunk[:4 * MiB]
    for b in set(sample):
        freq[b] = sample.count(bytes([b]))
    letters = [c for c in range(ord("a"), ord("z") + 1) if freq[c]]
    pairs = sorted(((freq[a] * freq[b], bytes([a, b])) for a in letters for b in letters),
                   reverse=True)
    for _, p in pairs:
        if absent(p, cyc, wins[2]):
            needles[2] = p
            break
    for L in TEXT_LENGTHS:
        if L == 2:
            continue
        for _ in range(10000):
            pos = chunk.find(b" ", rng.randrange(len(chunk) - 2 * L)) + 1
            s = bytearray(chunk[pos:pos + L])
            mid = [i for i in range(1, L - 1)
                   if chr(s[i]).isalpha() and chr(s[i + 1]).isalpha() and s[i] != s[i + 1]]
            if len(s) != L or not mid:
                continue
            i = mid[len(mid) // 2]
            s[i], s[i + 1] = s[i + 1], s[i]
            s = bytes(s)
            if absent(s, cyc, wins[L]):
                needles[L] = s
                break
        else:
            raise RuntimeError("no absent needle of length %d" % L)
    return needles


def write_repetitive(path, size):
    tmp = path + ".tmp%d" % os.getpid()
    block = b"a" * (64 * MiB)
    with open(tmp, "wb", buffering=0) as f:
        left = size
        while left:
            n = min(left, len(block))
            f.write(block[:n])
            left -= n
    os.replace(tmp, path)


def prepare_data(data_dir, size_mib):
    """Generate (or reuse) the data files; return the metadata dict."""
    os.makedirs(data_dir, exist_ok=True)
    key = "%dM-v%d" % (size_mib, GEN_VERSION)
    meta_path = os.path.join(data_dir, "meta-%s.json" % key)
    paths = {
        "text": os.path.join(data_dir, "text-%s.txt" % key),
        "text2": os.path.join(data_dir, "text2-%s.txt" % key),
        "rep": os.path.join(data_dir, "rep-%dM.txt" % size_mib),
    }
    size = size_mib * MiB
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if all(os.path.exists(p) and os.path.getsize(p) == size for p in paths.values()):
            meta["needles"] = {int(k): v.encode("latin-1") for k, v in meta["needles"].items()}
            meta["paths"] = paths
            log("data: reusing %s" % data_dir)
            return meta
    log("data: generating %d MiB of text (x2) and repetitive data in %s" % (size_mib, data_dir))
    rng = random.Random(20240611 + size_mib)
    chunk = gen_text_chunk(rng, min(8 * MiB, size))
    log("data: %d bytes of distinct text" % len(chunk))
    lay1 = TextLayout(chunk, size, rng)
    lay2 = TextLayout(chunk, size, rng)
    needles = pick_needles(rng, chunk, [lay1, lay2])
    lines = lay1.write(paths["text"])
    lay2.write(paths["text2"])
    if not (os.path.exists(paths["rep"]) and os.path.getsize(paths["rep"]) == size):
        write_repetitive(paths["rep"], size)
    meta = {"size": size, "lines": lines, "chunk": len(chunk),
            "needles": {str(k): v.decode("latin-1") for k, v in needles.items()}}
    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + ".tmp", meta_path)
    meta["needles"] = needles
    meta["paths"] = paths
    log("data: done")
    return meta
