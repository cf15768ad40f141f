# tests/lib/pg.sh: PostgreSQL servers for the cluster's tests, sourced
# after common.sh.  Each server is a data folder in $T/pg/NAME, run by
# the postgres user when the tests run as root (initdb refuses root),
# listening on 127.0.0.1 only, with trust authentication for loopback
# (a test's private servers), and stopped with the test.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# pg_as COMMAND...: run COMMAND as the owner of the servers.
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_setup() {
	[ -x "$PG_BIN/initdb" ] || fail "PostgreSQL 15 is not installed ($PG_BIN)"
	if [ ! -d "$T/pg" ]; then
		chmod 711 "$T"
		mkdir -p "$T/pg"
		[ "$(id -u)" = 0 ] && chown postgres "$T/pg"
	fi
	:
}

# pg_port: a TCP port on 127.0.0.1 that is free right now.
pg_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# pg_conf NAME PORT: the settings every server here has.
pg_conf() {
	cat >>"$T/pg/$1/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $2
unix_socket_directories = '$T/pg/$1'
wal_level = replica
max_wal_senders = 10
hot_standby = on
synchronous_commit = on
shared_buffers = 16MB
max_connections = 40
log_min_messages = warning
EOF
}

# pg_primary NAME: a new primary on a free port: PG_PORT_NAME is set.
pg_primary() {
	pg_setup
	pg_as "$PG_BIN/initdb" -D "$T/pg/$1" -A trust -U postgres \
	    >"$T/pg-$1-init.log" 2>&1 || fail "initdb $1: $(cat "$T/pg-$1-init.log")"
	echo "host replication all 127.0.0.1/32 trust" >>"$T/pg/$1/pg_hba.conf"
	p=$(pg_port)
	pg_conf "$1" "$p"
	eval "PG_PORT_$1=$p"
	pg_start "$1"
}

# pg_standby NAME PRIMARY: a standby of PRIMARY named NAME (its
# application_name, for synchronous_standby_names), on a free port.
pg_standby() {
	pg_setup
	pp=$(eval echo "\$PG_PORT_$2")
	pg_as "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$pp" -U postgres \
	    -D "$T/pg/$1" -R -X stream >"$T/pg-$1-init.log" 2>&1 ||
	    fail "pg_basebackup $1: $(cat "$T/pg-$1-init.log")"
	echo "primary_conninfo = 'host=127.0.0.1 port=$pp user=postgres application_name=$1'" \
	    >>"$T/pg/$1/postgresql.auto.conf"
	p=$(pg_port)
	pg_conf "$1" "$p"
	eval "PG_PORT_$1=$p"
	pg_start "$1"
}

# pg_start NAME: start the server of NAME (waits until it takes
# connections) and remember its postmaster to stop with the test.
pg_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$T/pg/$1" -l "$T/pg/$1.log" -w -t 30 \
	    start >/dev/null 2>&1 || fail "cannot start PostgreSQL $1: $(tail -n 5 "$T/pg/$1.log")"
	PIDS="$PIDS $(pg_pid "$1")"
}

# pg_pid NAME: its postmaster's process id.
pg_pid() {
	head -n 1 "$T/pg/$1/postmaster.pid"
}

# pg_sql NAME SQL: run SQL on NAME, print the rows unaligned.
pg_sql() {
	psql -X -q -At -h 127.0.0.1 -p "$(eval echo "\$PG_PORT_$1")" \
	    -U postgres -d postgres -c "$2"
}

# pg_sync_standbys PRIMARY 'ANY 1 (a, b)': commits on PRIMARY wait for
# that many of those standbys to flush them.
pg_sync_standbys() {
	pg_sql "$1" "ALTER SYSTEM SET synchronous_standby_names = '$2'" &&
	    pg_sql "$1" "SELECT pg_reload_conf()" >/dev/null ||
	    fail "cannot set synchronous_standby_names on $1"
}

# pg_streaming PRIMARY N: are N standbys streaming from PRIMARY and
# (for synchronous ones) counted as such?
pg_streaming() {
	[ "$(pg_sql "$1" "SELECT count(*) FROM pg_stat_replication
	    WHERE state = 'streaming'" 2>/dev/null)" = "$2" ]
}

# pg_conninfo NAME...: a libpq conninfo naming each of the servers, for
# the primary among them.
pg_conninfo() {
	h="" p=""
	for n in "$@"; do
		h="$h${h:+,}127.0.0.1"
		p="$p${p:+,}$(eval echo "\$PG_PORT_$n")"
	done
	echo "host=$h port=$p user=postgres dbname=postgres target_session_attrs=read-write connect_timeout=2"
}

# pg_pair: a primary p and a standby s1 whose flush every commit on p
# waits for (synchronous_standby_names 'ANY 1 (s1)'), streaming.
pg_pair() {
	pg_primary p
	pg_standby s1 p
	pg_sync_standbys p 'ANY 1 (s1)'
	wait_for 30 pg_streaming p 1
}

