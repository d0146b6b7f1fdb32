#!/usr/bin/env python3
"""Writes a Hugo-style folder of long film reviews, the kind critics write, for the benchmarks.

    bench/long_reviews.py OUT COUNT [--words 1100] [--images 3] [--image-pool 300] [--front yaml|toml]
                                    [--start 0]

Each review is Markdown with front matter (title, year, directors, cast, genres, tags, runtime,
score, summary, date): about WORDS words in a dozen paragraphs under three headings, drawn from a
made-up vocabulary of 20,000 words with a long tail as real prose has (so the search index and
related reviews see realistic term statistics), and IMAGES images with captions. Images are PNG
stills of 1200x675 drawn here, IMAGE_POOL of them in OUT/images, each review using its own
IMAGES of the pool in turn. Film titles, directors and cast repeat as they do on a real site.
Deterministic: the same arguments write the same bytes.
"""
import argparse, itertools, os, random, struct, zlib

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("count", type=int)
parser.add_argument("--words", type=int, default=1100)
parser.add_argument("--images", type=int, default=3)
parser.add_argument("--image-pool", type=int, default=300)
parser.add_argument("--front", choices=["yaml", "toml"], default="yaml")
parser.add_argument("--start", type=int, default=0, help="number of the first review (to add more)")
args = parser.parse_args()

random.seed(1100 + args.start)
os.makedirs(os.path.join(args.out, "images"), exist_ok=True)


def png(path, seed):
    """A 1200x675 still: gradients in bands, each row made once per band and stripe."""
    if os.path.exists(path):
        return
    w, h = 1200, 675
    r0, g0, b0 = (seed * 37) % 200, (seed * 91) % 200, (seed * 53) % 200
    made = {}
    rows = []
    for y in range(h):
        key = (y // 45, y // 7)
        if key not in made:
            band = ((key[0] + seed) % 3) * 12
            made[key] = b"\x00" + b"".join(
                bytes(((r0 + x // 12 + band) % 256, (g0 + key[1]) % 256, (b0 + x // 20 + band) % 256)) * 8
                for x in range(0, w, 8))
        rows.append(made[key])
    raw = zlib.compress(b"".join(rows), 6)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


for i in range(args.image_pool if args.images else 0):
    png(os.path.join(args.out, "images", f"still-{i}.png"), i)

syllables = ("ka lo mi ren tor sa vel dun ost ria ben cha fil gor hum ix jal kem lun mar nof pel qui sor "
             "tem ab el on ur is").split()
rng = random.Random(5)
vocabulary = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(30000)})[:20000]
rng.shuffle(vocabulary)
common = ("the a of and to in is that it with as for its but on this by at from his her their film "
          "camera scene shot light night time face room").split()
cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
first = ("Ada Lev Mina Paul Oskar Liv Teodor Walter Saoirse Corin Dario Solene Jean Amelie Hana Yuki Rafael "
         "Ines Marta Bruno Nadia Emil Clara Tomas Vera Anton Lucia Felix Maren Hugo").split()
last = ("Moreau Orlov Sato Grant Vennholm Haugland Vasko Grennan Mallan Haddleston Quent Ravier Dupont "
        "Nakamura Lindqvist Okafor Brandt Ferreira Kowalski Achterberg Dahl Rossi Varga Novak").split()
genres = "Drama Comedy Thriller Horror Romance Documentary Western Musical Crime Animation".split()
headings = ["What it is about", "How it is made", "The performances", "Where it lands", "The second half"]
people = [f"{a} {b}" for a in first for b in last]


def sentence():
    n = random.randint(8, 24)
    words = [random.choice(common) if random.random() < 0.45 else w
             for w in random.choices(vocabulary, cum_weights=cumulative, k=n)]
    return " ".join(words).capitalize() + "."


def paragraph(words):
    out, count = [], 0
    while count < words:
        s = sentence()
        out.append(s)
        count += s.count(" ") + 1
    return " ".join(out), count


def quote(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


seen = set()
for i in range(args.start, args.start + args.count):
    title = " ".join(random.choice(vocabulary).title() for _ in range(random.randint(1, 3)))
    year = 1925 + (i * 7) % 100
    while (title, year) in seen:  # one review per film and year, as the importer expects of a folder
        title += " " + random.choice(vocabulary).title()
    seen.add((title, year))
    directors = [random.choice(people[:400])]
    cast = random.sample(people, 5)
    tags = random.sample([f"tag-{t}" for t in range(300)], 3)
    parts, written = [], 0
    per = max(1, args.words // 12)
    for p in range(12):
        if p in (0, 4, 8):
            parts.append(f"## {headings[(p // 4 + i) % len(headings)]}")
        if args.images and p in (2, 6, 10)[: args.images]:
            n = (i * args.images + (2, 6, 10).index(p)) % args.image_pool
            parts.append(f"![A still from {title}, scene {n}](images/still-{n}.png)\n*{title}: scene {n}.*")
        text, count = paragraph(per)
        parts.append(text)
        written += count
    fields = {
        "title": quote(title), "year": str(year), "directors": "[" + ", ".join(map(quote, directors)) + "]",
        "cast": "[" + ", ".join(map(quote, cast)) + "]", "genres": "[" + quote(random.choice(genres)) + "]",
        "tags": "[" + ", ".join(map(quote, tags)) + "]", "runtime": str(80 + i % 80),
        "score": str(random.randrange(10, 101) / 10), "summary": quote(sentence()),
        "date": f"{2000 + i % 25}-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00Z",
    }
    if args.front == "yaml":
        front = "---\n" + "".join(f"{k}: {v}\n" for k, v in fields.items()) + "---\n"
    else:
        front = "+++\n" + "".join(f"{k} = {v}\n" for k, v in fields.items()) + "+++\n"
    with open(os.path.join(args.out, f"review-{i}.md"), "w") as f:
        f.write(front + "\n" + "\n\n".join(parts) + "\n")
