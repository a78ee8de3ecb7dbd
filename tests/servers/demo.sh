#!/usr/bin/env bash
# hxc demo: HTTPS to a local server, end to end, with no internet.
#
#   tests/servers/demo.sh path/to/hxc
#
# 1. mints a throwaway CA and a certificate for localhost / 127.0.0.1 / ::1
#    in a temp dir (openssl CLI, EC P-256),
# 2. starts nghttpd (HTTP/2 only) with it on a free port serving a small
#    htdocs, and fetches over HTTP/2 from localhost, 127.0.0.1 and [::1],
# 3. starts the Node HTTPS server from tests/servers (ALPN http/1.1 only)
#    and fetches over HTTP/1.1 with --http1.1,
# each with --cacert and -v, printing what was negotiated (ALPN, TLS version,
# cipher, certificate, status) and the body; then stops the servers.
set -euo pipefail

HXC=${1:?usage: demo.sh path/to/hxc}
HXC=$(realpath "$HXC")
[ -x "$HXC" ] || { echo "demo: '$HXC' is not an executable hxc binary" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for tool in openssl nghttpd node python3; do
    command -v "$tool" >/dev/null || { echo "demo: '$tool' is not installed" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hxc-demo.XXXXXX")
PIDS=()
cleanup() {
    set +e
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] || continue
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # port pid
    for _ in $(seq 1 100); do
        kill -0 "$2" 2>/dev/null || { echo "demo: server exited early" >&2; return 1; }
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "demo: server on port $1 not ready" >&2
    return 1
}

echo "== minting a throwaway CA and a certificate for localhost, 127.0.0.1, ::1"
cd "$WORK"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -subj "/CN=hxc demo CA" -days 1 -sha256 \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key 2>/dev/null
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr 2>/dev/null
cat > server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EOF
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -sha256 \
    -extfile server.ext -out server.pem 2>/dev/null
openssl x509 -in server.pem -noout -subject -issuer -enddate | sed 's/^/   /'

mkdir htdocs
echo "Hello from nghttpd over HTTP/2, fetched by hxc." > htdocs/index.html

show() { # label, then hxc arguments
    local label=$1
    shift
    echo
    echo "== $label"
    echo "\$ hxc $*"
    local rc=0
    "$HXC" "$@" >body.out 2>verbose.log || rc=$?
    grep -E '^\* .*(ALPN|TLS|[Cc]ipher|subject|issuer|expire|verif|Using)|^< HTTP/' verbose.log \
        | sed 's/^/   /' || true
    echo "   body: $(head -c 200 body.out)"
    if [ "$rc" -ne 0 ]; then
        echo "demo: hxc failed with exit code $rc:" >&2
        cat verbose.log >&2
        exit 1
    fi
}

H2_PORT=$(free_port)
nghttpd -d "$WORK/htdocs" "$H2_PORT" server.key server.pem >nghttpd.log 2>&1 &
PIDS+=($!)
wait_port "$H2_PORT" "${PIDS[-1]}"

show "HTTP/2 (nghttpd) via localhost" -v --cacert ca.pem "https://localhost:$H2_PORT/"
show "HTTP/2 (nghttpd) via 127.0.0.1" -v --cacert ca.pem "https://127.0.0.1:$H2_PORT/"
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    show "HTTP/2 (nghttpd) via [::1]" -v --cacert ca.pem "https://[::1]:$H2_PORT/"
fi

node "$HERE/fault_server.js" --tls --key server.key --cert server.pem --host 127.0.0.1 \
    --port 0 >node.log 2>&1 &
PIDS+=($!)
H1_PORT=
for _ in $(seq 1 100); do
    H1_PORT=$(sed -n 's/^READY \([0-9]*\)$/\1/p' node.log)
    [ -n "$H1_PORT" ] && break
    kill -0 "${PIDS[-1]}" 2>/dev/null || { echo "demo: node server exited:" >&2; cat node.log >&2; exit 1; }
    sleep 0.1
done
[ -n "$H1_PORT" ] || { echo "demo: node server not ready" >&2; exit 1; }

show "HTTP/1.1 (Node https, ALPN http/1.1) with --http1.1" \
    -v --http1.1 --cacert ca.pem "https://localhost:$H1_PORT/hello"

echo
echo "== done: both servers stopped, temp dir removed"
