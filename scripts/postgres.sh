#!/usr/bin/env bash
# Start and stop a throwaway PostgreSQL cluster for the tests (sourced by scripts/test.sh).
start_test_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_TEST_DIR=$(mktemp -d /tmp/nhp-pg.XXXXXX)
  chmod 777 "$PG_TEST_DIR"
  local run=""
  if [ "$(id -u)" = "0" ]; then run="runuser -u postgres --"; chown postgres "$PG_TEST_DIR"; fi
  $run "$bin/initdb" -D "$PG_TEST_DIR/data" -A trust -U nhp >/dev/null
  $run "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -o "-k $PG_TEST_DIR -c listen_addresses='' -c fsync=on" -l "$PG_TEST_DIR/log" -w start >/dev/null
  $run "$bin/createdb" -h "$PG_TEST_DIR" -U nhp nhp_test
  export NHP_TEST_POSTGRES_URL="postgresql+psycopg://nhp@/nhp_test?host=$PG_TEST_DIR"
  export PG_TEST_BIN="$bin" PG_TEST_RUN="$run"
  echo "PostgreSQL test cluster at $PG_TEST_DIR"
}

stop_test_postgres() {
  if [ -n "${PG_TEST_DIR:-}" ]; then
    $PG_TEST_RUN "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_TEST_DIR"
  fi
}
