#!/usr/bin/env bash
# WordPress import of a generated export (8 paragraphs, 3 threaded comments
# and 3 pictures a post, the pictures drawn from a pool of 120 files in the
# --media folder) on SQLite: posts per second, and peak memory for a small
# and a ten-times larger file (the import streams, so memory should stay
# flat); then the large file again into a fresh PostgreSQL database.
# Reference measured in the same run: Python's streaming XML parser
# (iterparse, clearing each item) reading the large file.
#
#   bench/import.sh [posts in the large file, default 20000]
set -euo pipefail
cd "$(dirname "$0")/.."
large="${1:-20000}"
pictures=120
pg_admin="${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
small=$((large / 10))

cargo build --release --quiet --bin broadsheet
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

generate() { # posts file
  python3 - "$1" "$2" "$pictures" <<'PY'
import sys, random
count, path, pool = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
random.seed(7)
words = ("harbour grain strike union ferry council budget minister storm coast border "
         "election court hospital school rail bridge energy prices market talks").split()
def para(n): return " ".join(random.choice(words) for _ in range(n)).capitalize() + "."
with open(path, "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n<link>https://bench.example</link>\n'
            '<wp:base_site_url>https://bench.example</wp:base_site_url>\n<wp:base_blog_url>https://bench.example</wp:base_blog_url>\n')
    f.write('<wp:author><wp:author_login>desk</wp:author_login><wp:author_display_name>News Desk</wp:author_display_name></wp:author>\n')
    for i in range(1, count + 1):
        paras = [para(random.randint(40, 90)) for _ in range(8)]
        for slot in (1, 4, 7):
            n = random.randrange(pool)
            paras.insert(slot, f'[caption id="attachment_{n}"]<img src="https://bench.example/wp-content/uploads/2024/01/p{n}.png" '
                               f'alt="Scene {n}"> Scene {n} on the coast. Photo: Desk[/caption]')
        body = "\n\n".join(paras)
        comments = "".join(
            f"<wp:comment><wp:comment_id>{i * 10 + c}</wp:comment_id><wp:comment_author>Reader {c}</wp:comment_author>"
            f"<wp:comment_date_gmt>2024-01-01 10:0{c}:00</wp:comment_date_gmt><wp:comment_content><![CDATA[{para(20)}]]></wp:comment_content>"
            f"<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>{i * 10 + c - 1 if c else 0}</wp:comment_parent></wp:comment>"
            for c in range(3))
        f.write(f"<item><title>{para(8)} {i}</title><link>https://bench.example/2024/01/01/post-{i}/</link>"
                f"<dc:creator>desk</dc:creator><content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<wp:post_id>{i}</wp:post_id><wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>"
                f"<wp:post_name>post-{i}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
                f"<category domain=\"category\" nicename=\"news\">News</category>{comments}</item>\n")
    f.write("</channel>\n</rss>\n")
PY
}

pictures_folder() { # the uploads folder with the pool of pictures
  python3 - "$work/uploads/2024/01" "$pictures" <<'PY'
import os, sys, struct, zlib
folder, pool = sys.argv[1], int(sys.argv[2])
os.makedirs(folder, exist_ok=True)
def png(w, h, shade):
    base = bytes(v for x in range(w) for v in ((x * 3 + shade) % 256, (x + 2 * shade) % 256, shade))
    rows = b"".join(b"\x00" + base[3 * (y % w):] + base[:3 * (y % w)] for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")
for n in range(pool):
    with open(os.path.join(folder, f"p{n}.png"), "wb") as f:
        f.write(png(1200, 800, n % 256))
PY
}

run() { # file database-url -> prints "seconds peak_kib"
  rm -rf "$work/bench.db"* "$work/media"
  local start end
  start=$(date +%s.%N)
  BROADSHEET_DATABASE__URL="$2" BROADSHEET_MEDIA__DIR="$work/media" BROADSHEET_LOG__LEVEL=warn \
    /usr/bin/time -f "%M" -o "$work/rss" target/release/broadsheet import wordpress "$1" \
    --media "$work/uploads" --no-download > "$work/summary"
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc) $(cat "$work/rss")"
}

echo "== generating exports of $small and $large posts (3 comments, 3 pictures each) and $pictures pictures"
generate "$small" "$work/small.xml"
generate "$large" "$work/large.xml"
pictures_folder
echo "   sizes: $(du -h "$work/small.xml" | cut -f1) and $(du -h "$work/large.xml" | cut -f1)"

read -r small_s small_kib < <(run "$work/small.xml" "sqlite://$work/bench.db")
read -r large_s large_kib < <(run "$work/large.xml" "sqlite://$work/bench.db")
head -3 "$work/summary"

pg_db="bench_import_$$"
psql "$pg_admin" -qc "CREATE DATABASE $pg_db" >/dev/null
trap 'psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1; rm -rf "$work"' EXIT
read -r pg_s pg_kib < <(run "$work/large.xml" "${pg_admin%/*}/$pg_db")
head -3 "$work/summary"

ref_start=$(date +%s.%N)
python3 - "$work/large.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
n = 0
for _, el in ET.iterparse(sys.argv[1]):
    if el.tag == "item":
        n += 1
        el.clear()
PY
ref_end=$(date +%s.%N)
ref_s=$(echo "$ref_end - $ref_start" | bc)

echo "== results"
printf "small: %s posts in %.1f s (%.0f posts/s), peak %d MiB\n" "$small" "$small_s" "$(echo "$small / $small_s" | bc -l)" $((small_kib / 1024))
printf "large: %s posts in %.1f s (%.0f posts/s), peak %d MiB\n" "$large" "$large_s" "$(echo "$large / $large_s" | bc -l)" $((large_kib / 1024))
printf "memory, large/small file: %.2f (1.00 = flat)\n" "$(echo "$large_kib / $small_kib" | bc -l)"
printf "large on PostgreSQL: %.1f s (%.0f posts/s, %.2f of SQLite's rate), peak %d MiB\n" "$pg_s" "$(echo "$large / $pg_s" | bc -l)" "$(echo "$large_s / $pg_s" | bc -l)" $((pg_kib / 1024))
printf "reference (python iterparse, large file): %.1f s; import took %.1fx as long\n" "$ref_s" "$(echo "$large_s / $ref_s" | bc -l)"
