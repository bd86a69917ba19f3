#!/bin/sh
# The image's one entry point.
#
#   entrypoint.sh [http]                 the HTTP server (default)
#   entrypoint.sh lambda [handler]       the Lambda runtime client (aws-lambda-ric) with a handler,
#                                        default dist/lambda/router.handler (relative to the app directory)
#   entrypoint.sh cli <command> ...      the batch CLI (`routes`, `invoke`, `openapi`, ...)
#   entrypoint.sh healthcheck            exit 0 when GET /health on this container answers 200 (HEALTHCHECK)
#
# As a Lambda container image, Lambda passes the image's CMD (or the function's ImageConfig.Command) and sets
# AWS_LAMBDA_RUNTIME_API: with that variable set, no argument or a lone handler argument selects lambda mode.
set -eu

# The app directory is the parent of this script's directory (/app in the image, the checkout in development).
APP_DIR=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
DEFAULT_HANDLER=dist/lambda/router.handler

usage() {
  echo "usage: entrypoint.sh [http | lambda [handler] | cli <command> [args] | healthcheck]" >&2
  exit 64
}

mode=${1:-}
case "$mode" in
  http | lambda | cli | healthcheck) shift ;;
  "")
    if [ -n "${AWS_LAMBDA_RUNTIME_API:-}" ]; then mode=lambda; else mode=http; fi
    ;;
  -h | --help) usage ;;
  *)
    # Lambda hands over ImageConfig.Command as the arguments: a handler such as dist/lambda/endpoints/x.handler.
    if [ -n "${AWS_LAMBDA_RUNTIME_API:-}" ] && [ $# -eq 1 ]; then
      mode=lambda
    else
      echo "entrypoint.sh: unknown mode \"$mode\"" >&2
      usage
    fi
    ;;
esac

case "$mode" in
  http)
    [ $# -eq 0 ] || usage
    exec node "$APP_DIR/dist/server.mjs"
    ;;
  lambda)
    [ $# -le 1 ] || usage
    if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
      echo "entrypoint.sh: lambda mode needs AWS_LAMBDA_RUNTIME_API (set by Lambda, or by the runtime interface emulator)" >&2
      exit 64
    fi
    # aws-lambda-ric reads the handler from _HANDLER and resolves it against LAMBDA_TASK_ROOT. Lambda sets
    # LAMBDA_TASK_ROOT=/var/task for every function; our code lives in APP_DIR, so point it there.
    export _HANDLER="${1:-${_HANDLER:-$DEFAULT_HANDLER}}"
    export LAMBDA_TASK_ROOT="$APP_DIR"
    cd "$APP_DIR"
    exec node "$APP_DIR/node_modules/aws-lambda-ric/index.mjs"
    ;;
  cli)
    # BATCH_NODE_FLAGS (bin/node-runtime.mjs says what each saves): batch runs (`invoke --each`) take far less
    # memory and run faster; the other commands are short and barely notice.
    exec node --max-semi-space-size=4 --no-allocation-site-pretenuring --liftoff-only "$APP_DIR/dist/cli.mjs" "$@"
    ;;
  healthcheck)
    # No curl in the slim image: node's fetch, bounded by a timeout so a hung server counts as unhealthy.
    exec node -e '
      const url = `http://127.0.0.1:${process.env.PORT || 3000}/health`;
      fetch(url, { signal: AbortSignal.timeout(Number(process.env.HEALTHCHECK_TIMEOUT_MS) || 3000) })
        .then((r) => { if (!r.ok) console.error(`${url}: ${r.status}`); process.exit(r.ok ? 0 : 1); })
        .catch((e) => { console.error(`${url}: ${e.message}`); process.exit(1); });
    '
    ;;
esac
