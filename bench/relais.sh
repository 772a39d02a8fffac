# Sourced by the bench scripts: builds Relais (release) and starts it on a fresh data
# directory with an SMTP listener and one mailbox that takes all of example.test (a catch-all).
# Sets BIN, D (the directory), A (the admin command as an array), SMTP_PORT; stops at exit.
# RELAIS_BIN=PATH runs that server binary instead (an older build, to compare in the same run).
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/relais/target}
cargo build --release -q -p relais -p relais-bench
BIN=${RELAIS_BIN:-$CARGO_TARGET_DIR/release/relais}
LOAD=$CARGO_TARGET_DIR/release/smtp-load
D=$(mktemp -d /var/tmp/relais-bench.XXXXXX)
# Each step may fail (a script that stopped the server itself): the directory goes in any case.
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$D"' EXIT
cat > "$D/config.toml" <<TOML
[server]
hostname = "bench.test"
log = "warn"
[listen]
smtp = "127.0.0.1:0"
http = "127.0.0.1:0"
https = []
submission = []
submissions = []
imap = []
imaps = []
pop3 = []
pop3s = []
managesieve = []
[smtp]
# The load comes from one address: above the default per-address cap (20) and its reconnects.
max_connections_per_address = 200
TOML
A=("$BIN" admin --data "$D/data" --config "$D/config.toml")
"${A[@]}" domain add example.test >/dev/null
"${A[@]}" user add bench@example.test --password bench >/dev/null
"${A[@]}" alias catchall example.test bench@example.test >/dev/null
"$BIN" serve --data "$D/data" --config "$D/config.toml" 2>"$D/log" & PID=$!
for _ in $(seq 100); do [ -f "$D/data/run/listeners.json" ] && break; sleep 0.1; done
SMTP_PORT=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['smtp'][0].split(':')[1])" "$D/data/run/listeners.json")
