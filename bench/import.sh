#!/usr/bin/env bash
# WordPress import of a generated export on SQLite: posts per second, and
# peak memory for a small and a ten-times larger file (the import streams,
# so memory should stay flat). Reference measured in the same run: Python's
# streaming XML parser (iterparse, clearing each item) reading the large file.
#
#   bench/import.sh [posts in the large file, default 50000]
set -euo pipefail
cd "$(dirname "$0")/.."
large="${1:-50000}"
small=$((large / 10))

cargo build --release --quiet --bin broadsheet
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

generate() { # posts file
  python3 - "$1" "$2" <<'PY'
import sys, random
count, path = int(sys.argv[1]), sys.argv[2]
random.seed(7)
words = ("harbour grain strike union ferry council budget minister storm coast border "
         "election court hospital school rail bridge energy prices market talks").split()
def para(n): return " ".join(random.choice(words) for _ in range(n)).capitalize() + "."
with open(path, "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n<wp:base_site_url>https://bench.example</wp:base_site_url>\n')
    f.write('<wp:author><wp:author_login>desk</wp:author_login><wp:author_display_name>News Desk</wp:author_display_name></wp:author>\n')
    for i in range(1, count + 1):
        body = "\n\n".join(para(random.randint(40, 90)) for _ in range(8))
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

run() { # file -> prints "seconds peak_kib"
  rm -f "$work/bench.db"*
  local start end
  start=$(date +%s.%N)
  BROADSHEET_DATABASE__URL="sqlite://$work/bench.db" BROADSHEET_MEDIA__DIR="$work/media" BROADSHEET_LOG__LEVEL=warn \
    /usr/bin/time -f "%M" -o "$work/rss" target/release/broadsheet import wordpress "$1" > "$work/summary"
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc) $(cat "$work/rss")"
}

echo "== generating exports of $small and $large posts (3 comments each)"
generate "$small" "$work/small.xml"
generate "$large" "$work/large.xml"
echo "   sizes: $(du -h "$work/small.xml" | cut -f1) and $(du -h "$work/large.xml" | cut -f1)"

read -r small_s small_kib < <(run "$work/small.xml")
read -r large_s large_kib < <(run "$work/large.xml")
tail -n +1 "$work/summary" | head -3

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
printf "reference (python iterparse, large file): %.1f s; import took %.1fx as long\n" "$ref_s" "$(echo "$large_s / $ref_s" | bc -l)"
