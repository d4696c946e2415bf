#!/usr/bin/env bash
# Lighthouse and axe-core on five reader pages: the homepage, the demo lead
# article, the demo live blog, the lead article's comments page and the
# support page, served from SQLite with the demo content (donations on, with
# a placeholder Stripe key, so the appeal and /support are drawn; nothing is
# sent to Stripe). Lighthouse 12.8.2 (npm) drives Debian's Chromium with
# every host but 127.0.0.1 unresolvable, mobile form factor (its default
# simulated throttling), N runs a page; axe-core then runs once on each page
# in the same Chromium, emulating the same phone.
#
#   bench/lighthouse.sh [runs per page, default 3]
#
# Prints, per page, the median of the runs for each category score (x100),
# CLS, LCP and total transfer size, the audits that lost points in the median
# run (with the elements they name), and axe's violations.
# Goal: 100/100/100/100 and CLS 0 on all five, 0 axe violations, LCP < 1.5 s
# on the article. Lighthouse, axe-core and puppeteer-core are installed from
# npm into ${XDG_CACHE_HOME:-~/.cache}/broadsheet-bench when missing;
# REPORTS=DIR keeps the Lighthouse JSON reports there.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
port=18096
origin="http://127.0.0.1:$port"
chrome=/usr/bin/chromium
tools="${XDG_CACHE_HOME:-$HOME/.cache}/broadsheet-bench"
modules="$tools/node_modules"
chrome_flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
chrome_flags+=" --disable-component-update --disable-sync"
resolver="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"   # no host but ours is reached

[ -x "$chrome" ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
if [ "$(node -p "require('$modules/lighthouse/package.json').version" 2>/dev/null)" != 12.8.2 ] ||
  [ ! -f "$modules/axe-core/axe.min.js" ] || [ ! -d "$modules/puppeteer-core" ]; then
  echo "installing lighthouse@12.8.2, axe-core and puppeteer-core into $tools"
  mkdir -p "$tools"
  timeout 600 npm install --prefix "$tools" --no-audit --no-fund --loglevel=error \
    lighthouse@12.8.2 axe-core puppeteer-core >/dev/null
fi

cargo build --release --quiet --bin broadsheet --example live_load # the same build as the other benches: no rebuild between them
work="$(mktemp -d)"
cleanup() { [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/site" "$work/tmp" "$work/reports"

export BROADSHEET_SERVER__BIND="127.0.0.1:$port" BROADSHEET_LOG__LEVEL=warn
export BROADSHEET_SITE__BASE_URL="$origin"
export BROADSHEET_DONATIONS__STRIPE_SECRET_KEY=sk_test_bench BROADSHEET_DONATIONS__STRIPE_API_BASE=http://127.0.0.1:9
(cd "$work/site" && exec "$OLDPWD/target/release/broadsheet" serve) &
app_pid=$!
for _ in $(seq 1 300); do curl -sf -o /dev/null "$origin/" && break; sleep 0.1; done

# Canonical paths: a story answers at /<section>/<slug>, and a bare slug under
# the wrong section redirects there.
canonical() { curl -s -o /dev/null -L --max-time 10 -w '%{url_effective}' "$origin$1" | sed "s|^$origin||"; }
article="$(canonical /world/north-korean-troops-kursk-assaults-zelensky)"
blog="$(canonical /world/ukraine-war-live-kursk-winter-front)"
names=(home article liveblog comments support)
paths=(/ "$article" "$blog" "$article/comments" /support)
for path in "${paths[@]}"; do
  code=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$origin$path")
  [ "$code" = 200 ] || { echo "$origin$path answers $code" >&2; exit 1; }
done

# One Lighthouse report: SIGINT makes Lighthouse close its Chromium on a timeout.
lighthouse() { # url output.json
  TMPDIR="$work/tmp" CHROME_PATH="$chrome" timeout -s INT -k 15 180 \
    node "$modules/lighthouse/cli/index.js" "$1" --quiet --output=json --output-path="$2" \
    --only-categories=performance,accessibility,best-practices,seo --max-wait-for-load=45000 \
    --chrome-flags="$chrome_flags --host-resolver-rules=\"$resolver\""
}

# Medians of N reports, then what lost points in the run with the median
# performance score: "name perf a11y best seo cls lcp bytes" on the first line.
cat > "$work/summary.mjs" <<'JS'
import fs from 'node:fs';
const [name, ...files] = process.argv.slice(2);
const reports = files.map(f => JSON.parse(fs.readFileSync(f, 'utf8')));
const median = values => { const s = [...values].sort((a, b) => a - b); return s[(s.length - 1) >> 1]; };
const score = (r, c) => r.categories[c].score === null ? NaN : Math.round(r.categories[c].score * 100);
const num = (r, a) => r.audits[a].numericValue ?? NaN;
const cats = ['performance', 'accessibility', 'best-practices', 'seo'];
const perf = reports.map(r => score(r, 'performance'));
console.log([name, ...cats.map(c => median(reports.map(r => score(r, c)))),
  median(reports.map(r => num(r, 'cumulative-layout-shift'))).toFixed(3),
  (median(reports.map(r => num(r, 'largest-contentful-paint'))) / 1000).toFixed(2),
  Math.round(median(reports.map(r => num(r, 'total-byte-weight'))))].join(' '));
const r = reports[perf.indexOf(median(perf))];
// Lighthouse's own CPU benchmark for each run: a spread means the machine was busy.
console.log(`  CPU benchmark index: ${reports.map(r => Math.round(r.environment.benchmarkIndex)).join(', ')}`);
for (const w of [r.runtimeError?.message, ...(r.runWarnings || [])].filter(Boolean)) console.log(`  warning: ${w}`);
const node = n => n && `${n.selector || n.snippet}${n.nodeLabel ? ` "${n.nodeLabel}"` : ''}`;
const where = item => node(item?.node) || item?.source?.snippet || item?.url || item?.source?.url
  || (item?.href && `${item.href} "${item.text}"`)
  || item?.description || item?.reason || item?.label || item?.text
  || (typeof item?.value === 'string' && item.value) || '';
for (const c of cats) {
  for (const ref of r.categories[c].auditRefs) {
    const a = r.audits[ref.id];
    // Weighted audits that lost anything, and the failing unweighted ones
    // (performance diagnostics) that explain a metric.
    if (ref.group === 'hidden' || a.score === null || a.score >= (ref.weight > 0 ? 1 : 0.9)) continue;
    if (!['binary', 'numeric', 'metricSavings'].includes(a.scoreDisplayMode)) continue;
    const items = a.details?.items || [];
    const named = [...new Set(items.map(i => where(i) || (i.subItems?.items || []).map(where).join(', ')).filter(Boolean))];
    const shown = named.slice(0, 4).map(s => String(s).replace(/\s+/g, ' ').slice(0, 100));
    console.log(`  ${c}: ${a.id} (score ${Math.round(a.score * 100)}${a.displayValue ? `, ${a.displayValue}` : ''}, weight ${+ref.weight.toFixed(1)})`
      + (shown.length ? `: ${shown.join(' | ')}${named.length > 4 ? ` (+${named.length - 4} more)` : ''}` : ''));
  }
}
JS

# axe-core on every page, the phone Lighthouse emulates: "name count ids" lines,
# then each violation's elements.
cat > "$work/axe.mjs" <<'JS'
import fs from 'node:fs';
import { createRequire } from 'node:module';
const [modules, chrome, flags, resolver, ...pages] = process.argv.slice(2);
const require = createRequire(`${modules}/`);
const puppeteer = require('puppeteer-core');
const axe = fs.readFileSync(`${modules}/axe-core/axe.min.js`, 'utf8');
const browser = await puppeteer.launch({
  executablePath: chrome, headless: true,   // puppeteer adds its own --headless
  args: [...flags.split(' ').filter(f => f !== '--headless'), `--host-resolver-rules=${resolver}`],
  protocolTimeout: 60000,
});
const lines = [];
try {
  for (const spec of pages) {
    const [name, url] = spec.split('=');
    const page = await browser.newPage();
    await page.emulate({
      viewport: { width: 412, height: 823, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true },
      userAgent: await browser.userAgent(),
    });
    await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    await page.evaluate(axe);
    const violations = await page.evaluate(async () => (await window.axe.run(document)).violations
      .map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')) })));
    console.log(`${name} ${violations.length} ${violations.map(v => v.id).join(',') || '-'}`);
    for (const v of violations)
      lines.push(`  ${name}: ${v.id} (${v.impact}, ${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'}): ${v.nodes.slice(0, 4).join(' | ')}`);
    await page.close();
  }
} finally {
  await browser.close();
}
for (const l of lines) console.log(l);
JS

echo "Lighthouse $(node -p "require('$modules/lighthouse/package.json').version"), axe-core $(node -p "require('$modules/axe-core/package.json').version"), $("$chrome" --version 2>/dev/null), $runs runs a page, mobile"
start=$SECONDS
: > "$work/summary.txt"
for i in "${!names[@]}"; do
  name="${names[$i]}"
  echo "== $name ${paths[$i]}"
  for run in $(seq 1 "$runs"); do
    if ! lighthouse "$origin${paths[$i]}" "$work/reports/$name-$run.json"; then
      echo "lighthouse failed on $name, run $run" >&2; exit 1
    fi
  done
  node "$work/summary.mjs" "$name" "$work/reports/$name-"*.json > "$work/$name.txt"
  head -1 "$work/$name.txt" >> "$work/summary.txt"
  tail -n +2 "$work/$name.txt"
done
if [ -n "${REPORTS:-}" ]; then mkdir -p "$REPORTS" && cp "$work/reports/"*.json "$REPORTS/"; fi

echo "== axe-core"
specs=()
for i in "${!names[@]}"; do specs+=("${names[$i]}=$origin${paths[$i]}"); done
TMPDIR="$work/tmp" timeout -k 10 300 node "$work/axe.mjs" "$modules" "$chrome" "$chrome_flags" "$resolver" "${specs[@]}" > "$work/axe.txt"
grep '^  ' "$work/axe.txt" || echo "  no violations"

echo
echo "Median of $runs Lighthouse runs (mobile) and axe-core, in $((SECONDS - start)) s"
printf "%-9s %5s %5s %5s %5s %7s %7s %9s  %s\n" page perf a11y best seo CLS "LCP s" bytes "axe violations"
while read -r name perf a11y best seo cls lcp bytes; do
  read -r _ count ids < <(grep "^$name " "$work/axe.txt")
  printf "%-9s %5s %5s %5s %5s %7s %7s %9s  %s\n" "$name" "$perf" "$a11y" "$best" "$seo" "$cls" "$lcp" "$bytes" \
    "$count$([ "$count" = 0 ] || echo " ($ids)")"
done < "$work/summary.txt"
awk 'BEGIN { all = 1 }
  { if (!($2 == 100 && $3 == 100 && $4 == 100 && $5 == 100 && $6 == 0)) all = 0; if ($1 == "article") lcp = $7 }
  END {
    printf "100/100/100/100 and CLS 0 on all five pages: %s\n", all ? "yes" : "no"
    printf "article LCP: %.2f s (goal < 1.5 s)\n", lcp }' "$work/summary.txt"
awk '!/^ / { n += $2 } END { printf "axe-core violations: %d (goal 0)\n", n }' "$work/axe.txt"
