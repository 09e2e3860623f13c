#!/usr/bin/env bash
# benches/nginx_hello.sh NGINX DIR PORT WORKERS — runs nginx in the foreground with WORKERS
# worker processes answering "hello" on 127.0.0.1:PORT, from a config written into DIR
# (nothing outside DIR is touched; the system's nginx service is never started).
set -euo pipefail
NGINX=$1 DIR=$2 PORT=$3 WORKERS=${4:-1}
mkdir -p "$DIR"
user=
# as root the workers would switch to nobody; keep them as this user
if [ "$(id -u)" -eq 0 ]; then user="user $(id -un) $(id -gn);"; fi
early=()
# -e (the error log before the config is read) exists from nginx 1.19.5
if "$NGINX" -h 2>&1 | grep -q -- '-e filename'; then early=(-e "$DIR/error.log"); fi
cat >"$DIR/nginx.conf" <<CONF
$user
worker_processes $WORKERS;
daemon off;
pid $DIR/nginx.pid;
error_log $DIR/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $DIR/body;
  proxy_temp_path $DIR/proxy;
  fastcgi_temp_path $DIR/fastcgi;
  uwsgi_temp_path $DIR/uwsgi;
  scgi_temp_path $DIR/scgi;
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$PORT;
    default_type text/plain;
    location / { return 200 "hello"; }
  }
}
CONF
exec "$NGINX" -p "$DIR/" -c "$DIR/nginx.conf" "${early[@]}"
