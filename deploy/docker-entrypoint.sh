#!/bin/sh
# The image's entrypoint: the first argument names the service (a folder of services/ with a
# built dist/main.js); `ipbro …` runs the command line; anything else is run as given.
set -eu
app="${IPBRO_APP_DIR:-/app}"
if [ "$#" -eq 0 ]; then
  echo "usage: <service> (one of: $(ls "$app/services" | tr '\n' ' ')) | ipbro map|unmap|validate FILE" >&2
  exit 64
fi
name="$1"
if [ -f "$app/services/$name/dist/main.js" ]; then
  shift
  exec node "$app/services/$name/dist/main.js" "$@"
fi
if [ "$name" = "ipbro" ]; then
  shift
  exec node "$app/services/plan-mapper/dist/cli.js" "$@"
fi
if [ -d "$app/services/$name" ]; then
  echo "ipbro-service: $name has no dist/main.js in this image (not a runnable service yet)" >&2
  exit 64
fi
exec "$@"
