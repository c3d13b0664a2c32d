# Shared by scripts/bench-sqs and scripts/bench-sns (sourced, not run): a temp dir cleaned on exit,
# free loopback ports, readiness waits, the quiet-machine wait, and nginx's fixed 200 (the
# ceiling). Servers started with start_fanoutd/start_nginx are stopped on exit.
tmp=$(mktemp -d "${BENCH_TMP:-/tmp}/fanout-bench.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NGINX=${NGINX:-/usr/sbin/nginx}
CREDENTIAL=${BENCH_CREDENTIAL:-AKIDBENCH:benchsecret:111111111111}
ACCOUNT=${CREDENTIAL##*:}

free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "bench: no free port" >&2; exit 1
}

wait_ready() {  # name pid url
  for _ in $(seq 600); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$3" 2>/dev/null) =~ ^[1-5] ]] && return
    kill -0 "$2" 2>/dev/null || { echo "bench: $1 exited at start" >&2; cat "$tmp/$1.log" >&2 || true; exit 1; }
    sleep 0.05
  done
  echo "bench: $1 did not answer $3" >&2; exit 1
}

load1() { cut -d' ' -f1 /proc/loadavg; }
wait_quiet() {  # BENCH_MAX_LOAD: poll every 30 s, up to 20 min, until the 1-minute load is below it
  [[ -n ${BENCH_MAX_LOAD:-} ]] || return 0
  for _ in $(seq 40); do
    awk -v l="$(load1)" -v m="$BENCH_MAX_LOAD" 'BEGIN { exit !(l < m) }' && return
    echo "load $(load1) >= $BENCH_MAX_LOAD, waiting 30 s for a quiet machine..." >&2
    sleep 30
  done
}

print_machine() {
  echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the run"
}

# Sets nginx_port and nginx_pids (master and workers, for CPU accounting).
start_nginx() {
  nginx_port=$(free_port)
  mkdir -p "$tmp/nginx"
  cat >"$tmp/nginx/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { return 200 "ok"; }
  }
}
NGINX
  "$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx.log" >>"$tmp/nginx.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_ready nginx "$pid" "http://127.0.0.1:$nginx_port/"
  nginx_pids=$(echo "$pid" $(pgrep -P "$pid") | tr ' ' ,)
}

# start_fanoutd [extra args...]: fanoutd on fanoutd_port with data in $tmp/data (kept across
# restarts), durable (fsync) by default. Sets fanoutd_pid.
start_fanoutd() {
  fanoutd_port=${fanoutd_port:-$(free_port)}
  "$FANOUTD" --listen "127.0.0.1:$fanoutd_port" --durability "${BENCH_DURABILITY:-fsync}" --data-dir "$tmp/data" \
    --credential "$CREDENTIAL" --log-level warn "$@" >>"$tmp/fanoutd.log" 2>&1 &
  fanoutd_pid=$!
  pids+=("$fanoutd_pid")
  wait_ready fanoutd "$fanoutd_pid" "http://127.0.0.1:$fanoutd_port/_fanout/health"
}

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
