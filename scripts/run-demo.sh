#!/usr/bin/env bash
# Runs the demo magazine: migrate, collect static files (when they changed),
# build the demo content (idempotent), then the background task worker and the
# web server side by side. Ctrl-C stops both. `make run` calls this after
# scripts/bootstrap.sh has installed everything.
#
# Environment: HOST (127.0.0.1), PORT (8000), MASTHEAD_VAR_DIR (./var),
# WEB_WORKERS (one per core). Anything in masthead/settings.py can be set as usual.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
VAR="${MASTHEAD_VAR_DIR:-$PWD/var}"
mkdir -p "$VAR"
PY=.venv/bin/python

# A secret key made once and kept, so sessions survive restarts; never printed.
if [ ! -s "$VAR/secret_key" ]; then
  (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$VAR/secret_key")
fi

export MASTHEAD_VAR_DIR="$VAR"
export DEBUG=0
export SECRET_KEY_FILE="$VAR/secret_key"
export SERVE_MEDIA=1
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export SITE_URL="${SITE_URL:-http://$HOST:$PORT}"
# The demo's mail goes to a local SMTP server (started below) that keeps every message in
# $VAR/mailbox; staff read sign-in links, receipts and newsletters at /admin/mailbox/.
MAIL_PORT="${MAIL_PORT:-8025}"
export EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.smtp.EmailBackend}"
export EMAIL_HOST="${EMAIL_HOST:-127.0.0.1}" EMAIL_PORT="${EMAIL_PORT:-$MAIL_PORT}"
export MAILBOX_DIR="${MAILBOX_DIR:-$VAR/mailbox}"
export PYTHONUNBUFFERED=1

"$PY" manage.py migrate --noinput -v0

# collectstatic only when our static files or the installed packages changed.
stamp="$VAR/static/.collected"
if [ ! -f "$VAR/static/staticfiles.json" ] || [ ! -f "$stamp" ] \
   || [ -n "$(find masthead -path '*/static/*' -newer "$stamp" -print -quit)" ] \
   || [ requirements.txt -nt "$stamp" ]; then
  echo "run-demo: collecting static files"
  "$PY" manage.py collectstatic --noinput -v0
  touch "$stamp"
fi

demo_started=$(date +%s)
"$PY" manage.py setup_demo
# The editions schedule keeps the next issues ready as drafts; print runs whose closing date has come are taken
# (in production both run from cron: plan_issues daily, take_print_runs hourly, beside publish_scheduled).
"$PY" manage.py plan_issues
"$PY" manage.py setup_print_demo
"$PY" manage.py take_print_runs
"$PY" manage.py setup_house_ads
"$PY" manage.py setup_newsletter_demo

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

"$PY" -m masthead.newsletters.mailsink --port "$MAIL_PORT" --maildir "$MAILBOX_DIR" &
pids+=($!)

# Payments offline: without Stripe keys, localstripe (a stateful fake Stripe,
# kept in $VAR/localstripe.pickle) runs on loopback and the official SDK talks
# to it; its fake Stripe.js takes test cards (4242 4242 4242 4242 pays).
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  LOCALSTRIPE_PORT="${LOCALSTRIPE_PORT:-8420}"
  "$PY" -m masthead.testing.localstripe_server --port "$LOCALSTRIPE_PORT" --state-file "$VAR/localstripe.pickle" &
  pids+=($!)
  export STRIPE_API_BASE="http://127.0.0.1:$LOCALSTRIPE_PORT" STRIPE_SECRET_KEY=sk_test_masthead_demo \
    STRIPE_PUBLISHABLE_KEY=pk_test_masthead_demo STRIPE_WEBHOOK_SECRET=whsec_masthead_demo
  "$PY" -c 'import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1).close(); break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("run-demo: localstripe did not start")' "$STRIPE_API_BASE/js.stripe.com/v3/"
fi
"$PY" manage.py setup_billing_demo ${STRIPE_API_BASE:+--webhook-url "$SITE_URL/billing/webhooks/stripe/"}

# The seed article is narrated before the site opens (about 20 s with Piper the
# first time, instant afterwards: clips are cached); the worker below narrates
# the rest of the archive in the background.
seed_id=$("$PY" manage.py shell -v0 -c 'from masthead.newsroom.models import ArticlePage
p = ArticlePage.objects.live().filter(slug="kremlin-unveils-conditions-for-talks-with-us").first()
print(p.pk if p else "")')
if [ -n "$seed_id" ]; then "$PY" manage.py narrate --page "$seed_id"; fi

# The current issue's EPUB, PDFs and audio edition are built before the site opens; every back issue's
# files were queued when setup_demo published it, and the editions worker below builds them while the
# site is up (staff watch them arrive under Editions in the admin). --queue hands any build a previous
# run left unfinished back to the worker.
"$PY" manage.py build_editions --current
"$PY" manage.py build_editions --all --except-current --queue
echo "run-demo: demo content and the current issue's files ready in $(( $(date +%s) - demo_started )) s"

# One worker per queue: narration (holds the voice), editions (WeasyPrint builds), newsletters and
# everything else (search and reference index). --skip-checks: the system checks import the whole URL
# conf and every view (boto3, pikepdf, EbookLib ...), ~26 MiB a worker never uses; migrate ran them above.
"$PY" manage.py db_worker --queue-name narration --no-reload --skip-checks -v0 &
pids+=($!)
"$PY" manage.py db_worker --queue-name editions --no-reload --skip-checks -v0 &
pids+=($!)
"$PY" manage.py db_worker --queue-name default --no-reload --skip-checks -v0 &
pids+=($!)
# Newsletter sends run for minutes on a large list; their own worker keeps the others prompt.
"$PY" manage.py db_worker --queue-name newsletters --no-reload --skip-checks -v0 &
pids+=($!)

# The same server as production (scripts/serve.sh); migrate and collectstatic are done above.
# Ctrl-C reaches granian's workers too, and they then ignore its polite stop;
# the kill timeout keeps shutdown to a few seconds.
SERVE_MIGRATE=0 SERVE_COLLECTSTATIC=0 GRANIAN_WORKERS_KILL_TIMEOUT=5 GRANIAN_LOG_ACCESS_ENABLED=0 \
  HOST="$HOST" PORT="$PORT" scripts/serve.sh &
pids+=($!)

admin_login="login above"
[ -s "$VAR/demo-admin.txt" ] && admin_login="username admin, password $(head -n1 "$VAR/demo-admin.txt")"
echo "run-demo: the magazine is at $SITE_URL/ — admin at $SITE_URL/admin/ ($admin_login); mail it sends is in $SITE_URL/admin/mailbox/. Ctrl-C stops it."
# Whichever stops first (a crash, or Ctrl-C) brings the other down with it.
wait -n "${pids[@]}"
