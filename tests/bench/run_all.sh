#!/usr/bin/env bash
# Every benchmark, one command: prints the tables that docs/performance.md reports.
#
#   bash tests/bench/run_all.sh            # about 25 minutes on the 2-core machine
#   FRESH=1 bash tests/bench/run_all.sh    # generate the two editions again first (+3 minutes)
#   ONLY="pages load" bash tests/bench/run_all.sh   # some of: results assignment pages load pdfs
#
# The browse figure of the load test alone (about 90 s; p50, p95, errors, CPU per request, RSS):
#   .venv/bin/python tests/bench/bench_load.py --url "$PG/judging_bench" --code gen-100k \
#       --only browse --users 50 --time 60s [--workers 1]
# Per page, one database (SQL statements, CPU per request, the browse mix's CPU per request):
#   .venv/bin/python tests/bench/bench_pages.py --large "$PG/judging_bench=gen-100k" [--only juror --profile 200]
#
# Needs PostgreSQL on 127.0.0.1 (trust auth, user postgres; PG= to use another server).
# Uses two databases of its own, judging_bench_small (gen-1k: 1,000 applications, 40 jurors)
# and judging_bench (gen-100k: 100,000 applications, 1,000 jurors), made with `judging generate`.
# The project's virtualenv is $VENV (default: the checkout's .venv, the README's). Locust runs from
# its own, $BENCH_VENV (default ~/.cache/judging-bench-venv, created here when missing), never from
# the project's: it registers pytest fixtures that break the test suite. Timings are printed, never
# asserted. Both may be anywhere: VENV=/path BENCH_VENV=/path bash tests/bench/run_all.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
BENCH_VENV="${BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/judging-bench-venv}"
PG="${PG:-postgresql+psycopg://postgres@127.0.0.1:5432}"
ONLY="${ONLY:-results assignment pages load pdfs}"
PY="$VENV/bin/python"
cd "$ROOT"

want() { [[ " $ONLY " == *" $1 "* ]]; }
say() { printf '\n=== %s ===\n' "$*"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr);" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg); $(git rev-parse --short HEAD)"

database() {  # name code applications jurors
    local name=$1 code=$2 applications=$3 jurors=$4
    psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1 \
        || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $name"
    export JUDGING_DATABASE_URL="$PG/$name"
    "$VENV/bin/judging" db upgrade 2>&1 | grep -v ' INFO ' || true
    local have
    have=$(psql -h 127.0.0.1 -U postgres -d "$name" -tAc \
        "SELECT count(*) FROM applications a JOIN editions e ON e.id = a.edition_id WHERE e.code = '$code'" 2>/dev/null || echo 0)
    if [[ "${FRESH:-0}" == 1 || "$have" != "$applications" ]]; then
        say "generate $code ($applications applications) in $name"
        "$VENV/bin/judging" generate --applications "$applications" --jurors "$jurors" --edition "$code" --replace \
            2>&1 | grep -v ' INFO '
        psql -h 127.0.0.1 -U postgres -d "$name" -qc "VACUUM ANALYZE"
    fi
    unset JUDGING_DATABASE_URL
}

if want pages || want load || want results; then
    database judging_bench_small gen-1k 1000 40
    database judging_bench gen-100k 100000 1000
fi

if want results; then
    say "results engine: 25,000 applications x 3 scorecards x 5 criteria, every method; then services/results.py on PostgreSQL"
    "$PY" tests/bench/bench_results.py --database "$PG/judging_bench=gen-100k"
fi

if want assignment; then
    say "assignment (k jurors per application under caps and conflicts)"
    "$PY" tests/bench/bench_assignment.py
fi

if want pages; then
    say "pages: SQL statements and time per request, 1,000 vs 100,000 applications"
    "$PY" tests/bench/bench_pages.py --small "$PG/judging_bench_small=gen-1k" --large "$PG/judging_bench=gen-100k" \
        --repeat 20 --budget 20 2> >(grep -v ' INFO ' >&2)
fi

if want load; then
    [[ -x "$VENV/bin/gunicorn" ]] || "$VENV/bin/pip" install -q gunicorn
    if [[ ! -x "$BENCH_VENV/bin/locust" ]]; then
        python3 -m venv "$BENCH_VENV"
        "$BENCH_VENV/bin/pip" install -q locust
    fi
    say "load: locust against gunicorn on PostgreSQL, 100,000 applications"
    "$PY" tests/bench/bench_load.py --url "$PG/judging_bench" --code gen-100k --locust "$BENCH_VENV/bin/locust" \
        --compare-workers --scenarios browse,jurors,rush 2> >(grep -v ' INFO ' >&2)
fi

if want pdfs; then
    say "PDFs: edition report and receipt of the demo edition, the five ceremony documents"
    "$PY" tests/bench/bench_pdfs.py 2> >(grep -v ' INFO ' >&2)
fi
