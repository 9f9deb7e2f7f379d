#!/bin/sh
# Runs once, on the first start of an empty PostgreSQL data volume (docker-entrypoint-initdb.d):
# one database per service ($CRM_DATABASES), owned by $POSTGRES_USER. Each service keeps
# its events, tracking records and read models in its own database.
set -eu
for database in ${CRM_DATABASES}; do
    echo "creating database ${database}"
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname postgres \
        --set=db="${database}" --set=owner="${POSTGRES_USER}" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL
done
