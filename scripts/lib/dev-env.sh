# The development configuration shared by up.sh, down.sh and token.sh. Sourced.
ES_DATA=${ES_DATA_DIR:-$ROOT/.data}
ES_PG_PORT=${ES_PG_PORT:-55432}
ES_PG_DATABASE=${ES_PG_DATABASE:-events_subscriptions}
ES_REDIS_PORT=${ES_REDIS_PORT:-6380}
ES_GATEWAY_URL=${ES_GATEWAY_URL:-http://127.0.0.1:8080}

export ASPNETCORE_ENVIRONMENT=Development
export DOTNET_ENVIRONMENT=Development
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$ES_PG_PORT;Username=postgres;Database=$ES_PG_DATABASE"
export ConnectionStrings__Redis="127.0.0.1:$ES_REDIS_PORT"
export Silo__AdvertisedAddress=127.0.0.1
# Without an SMTP server of your own, the silos' e-mails (to failureEmail addresses) go to the
# gateway's development mailbox, read at $ES_GATEWAY_URL/dev/mail.
if [ -z "${Smtp__Host:-}" ]; then
  export Smtp__Host=127.0.0.1 Smtp__Port=2525 Smtp__Security=None
fi
