#!/usr/bin/env bash
# Dashboard benchmark (see ../shared/BENCHMARKS.md): gunicorn with production settings on
# PostgreSQL and Redis, the demo data of 1,000 couples x 3 years, logged in as a demo partner
# with full history. wrk runs three rounds; each round hits every URL in turn:
#   bare      /livez/        fixed text through the whole middleware stack (the floor)
#   base      /bench/base/   the base layout with the user's name (what every page pays)
#   dashboard /dashboard/         a partner who has checked in today (both check-ins shown)
#   dashboard-form /dashboard/    a partner who has not yet (the blank check-in form)
#   history   /checkins/history/
# Prints requests/s, p50 and p99 per URL and the ratios dashboard/base and dashboard/bare.
#
#   bench/dashboard.sh                 # COUPLES=1000 DAYS=1095 WORKERS=2 DURATION=10s
set -euo pipefail
cd "$(dirname "$0")/.."

COUPLES=${COUPLES:-1000}
DAYS=${DAYS:-1095}
WORKERS=${WORKERS:-2}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-8090}
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/intimacy_bench}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/2}
export DEBUG=false USE_HTTPS=false READ_DOT_ENV=false BENCHMARK_VIEWS=true LOG_LEVEL=WARNING
export CONN_MAX_AGE=600 DJANGO_SETTINGS_MODULE=intimacy.settings.base
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
# A fixed key: the demo data is kept between runs and must decrypt next time (nothing secret).
export FIELD_ENCRYPTION_KEYS=${BENCH_FIELD_ENCRYPTION_KEYS:-YmVuY2gtb25seS1rZXktbm90LXNlY3JldC0wMTIzNDU=}
PY=.venv/bin/python

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
make -s install

db=${DATABASE_URL##*/}
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U postgres "$db"
$PY manage.py migrate -v0
$PY manage.py loadprompts
have=$($PY manage.py shell -c "from intimacy.accounts.models import User; print(User.objects.filter(email__endswith='@demo.example.org').count() // 2)" 2>/dev/null | tail -1)
if [ "$have" -lt "$COUPLES" ]; then
  echo "Creating $((COUPLES - have)) demo couples with $DAYS days of history..."
  $PY manage.py demo --couples $((COUPLES - have)) --days "$DAYS" --allow-production
fi
$PY manage.py collectstatic --noinput -v0

.venv/bin/gunicorn intimacy.wsgi:application -w "$WORKERS" -b "127.0.0.1:$PORT" \
  --access-logfile /dev/null --error-logfile /tmp/bench-gunicorn.log &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/livez/" >/dev/null && break; sleep 0.2; done

# Two demo partners with three years of history, in fixed states: demo-0-a has checked in
# today (the dashboard shows both check-ins), demo-1-a has not (it shows the blank form).
$PY manage.py shell -c "
from checkins.models import CheckIn
from checkins.services import checkin_submit
from intimacy.accounts.models import User
done, todo = (User.objects.get(email=f'demo-{n}-a@demo.example.org') for n in (0, 1))
CheckIn.objects.filter(author=todo, local_date=todo.local_today()).delete()
checkin_submit(author=done, weather='sunny', energy=4, needs=['fun'], tags=[],
               note_to_partner='', private_note='', disclosure='needs')
"

log_in() {  # prints a Cookie header for the given demo partner
  local jar csrf session
  jar=$(mktemp)
  curl -s -c "$jar" "http://127.0.0.1:$PORT/accounts/login/" >/dev/null
  csrf=$(awk '$6 == "csrftoken" {print $7}' "$jar")
  curl -s -b "$jar" -c "$jar" -o /dev/null -H "Referer: http://127.0.0.1:$PORT/accounts/login/" \
    --data-urlencode "csrfmiddlewaretoken=$csrf" --data-urlencode "login=$1" \
    --data-urlencode "password=demo-password" "http://127.0.0.1:$PORT/accounts/login/"
  session=$(awk '$6 == "sessionid" {print $7}' "$jar")
  [ -n "$session" ] || { echo "login as $1 failed" >&2; exit 1; }
  echo "Cookie: sessionid=$session; csrftoken=$csrf"
}
cookie=$(log_in demo-0-a@demo.example.org)
cookie_todo=$(log_in demo-1-a@demo.example.org)
for url in /bench/base/ /dashboard/ /checkins/history/; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "$cookie" "http://127.0.0.1:$PORT$url")
  [ "$code" = 200 ] || { echo "$url answered $code" >&2; exit 1; }
done
curl -s -H "$cookie_todo" "http://127.0.0.1:$PORT/dashboard/" | grep -q "Save my check-in" \
  || { echo "demo-1-a should see the blank check-in form" >&2; exit 1; }

results=$(mktemp)
for round in $(seq "$ROUNDS"); do
  for pair in bare:/livez/ base:/bench/base/ dashboard:/dashboard/ dashboard-form:/dashboard/ \
      history:/checkins/history/; do
    name=${pair%%:*}; url=${pair#*:}
    header=$cookie; [ "$name" = dashboard-form ] && header=$cookie_todo
    wrk -t2 -c8 -d"$DURATION" --latency -H "$header" "http://127.0.0.1:$PORT$url" \
      | awk -v n="$name" -v r="$round" '
          /Requests\/sec/ {rps=$2}
          $1 == "50%" {p50=$2} $1 == "99%" {p99=$2}
          /Non-2xx/ {bad=$NF}
          END {print n, r, rps, p50, p99, bad+0}' >>"$results"
  done
done

$PY - "$results" "$COUPLES" "$DAYS" "$WORKERS" <<'PYEOF'
import re, statistics, sys
def ms(v):
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", v).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rows = [line.split() for line in open(sys.argv[1])]
print(f"\n{sys.argv[2]} couples x {sys.argv[3]} days, {sys.argv[4]} gunicorn workers, "
      f"wrk -t2 -c8, {len(rows) // 5} rounds (medians):")
print(f"{'url':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
rate = {}
for name in ("bare", "base", "dashboard", "dashboard-form", "history"):
    mine = [r for r in rows if r[0] == name]
    rate[name] = statistics.median(float(r[2]) for r in mine)
    p50 = statistics.median(ms(r[3]) for r in mine)
    p99 = statistics.median(ms(r[4]) for r in mine)
    bad = sum(int(r[5]) for r in mine)
    print(f"{name:<10} {rate[name]:>9.0f} {p50:>8.2f} {p99:>8.2f} {bad:>8}")
for name in ("dashboard", "dashboard-form", "history"):
    print(f"{name}/base {rate[name] / rate['base']:.2f}   {name}/bare {rate[name] / rate['bare']:.2f}")
PYEOF
