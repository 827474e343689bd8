#!/bin/sh
# Install caa-preflight: the package, a `preflight` command, the certbot pre-hook, and on request
# a systemd drop-in for certbot.service and the acme.sh pre-hook in existing certificate confs.
# Idempotent; `--uninstall` removes exactly what was installed (recorded in a manifest).
set -eu

usage() {
  cat <<'USAGE'
Usage: ./install.sh [options]
  --prefix DIR             install under DIR (default /usr/local as root, ~/.local otherwise)
  --certbot-config-dir D   certbot config dir for the pre-hook (default /etc/letsencrypt)
  --no-certbot-hook        do not install the certbot pre-hook
  --systemd                make certbot.service run certbot through `preflight run` (root)
  --acme-sh-hooks          add the pre-hook to existing acme.sh certificates (confs backed up)
  --acme-home DIR          acme.sh home for --acme-sh-hooks (repeatable; default: the usual homes)
  --uninstall              remove everything a previous install put in place
  -h, --help               this help
USAGE
}

PREFIX=""
CERTBOT_DIR=/etc/letsencrypt
CERTBOT_HOOK=1
SYSTEMD=0
ACME_HOOKS=0
ACME_HOMES=""
UNINSTALL=0
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 64; }; PREFIX=$2; shift ;;
    --prefix=*) PREFIX=${1#--prefix=} ;;
    --certbot-config-dir) [ $# -ge 2 ] || { echo "install.sh: --certbot-config-dir needs a directory" >&2; exit 64; }; CERTBOT_DIR=$2; shift ;;
    --no-certbot-hook) CERTBOT_HOOK=0 ;;
    --systemd) SYSTEMD=1 ;;
    --acme-sh-hooks) ACME_HOOKS=1 ;;
    --acme-home) [ $# -ge 2 ] || { echo "install.sh: --acme-home needs a directory" >&2; exit 64; }; ACME_HOMES="$ACME_HOMES
$2"; shift ;;
    --uninstall) UNINSTALL=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 64 ;;
  esac
  shift
done

IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
if [ -z "$PREFIX" ]; then
  if [ $IS_ROOT = 1 ]; then PREFIX=/usr/local; else PREFIX=$HOME/.local; fi
fi
case $PREFIX in /*) ;; *) PREFIX=$(pwd)/$PREFIX ;; esac
LIB=$PREFIX/lib/caa-preflight
BIN=$PREFIX/bin/preflight
MANIFEST=$LIB/install-manifest
SYSTEMD_DIR=${CAA_PREFLIGHT_SYSTEMD_DIR:-/etc/systemd/system}/certbot.service.d
DROPIN=$SYSTEMD_DIR/caa-preflight.conf
SRC=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
# acme.sh evals its pre-hook: quote the path. sed replacement: escape its special characters.
HOOK_CMD="'$BIN' hook acme.sh"
BIN_SED=$(printf '%s' "$BIN" | sed 's/[|&\\]/\\&/g')

say() { printf '%s\n' "$*"; }
NEW_MANIFEST=$(mktemp)
trap 'rm -f -- "$NEW_MANIFEST"' EXIT
record() { printf '%s\n' "$*" >>"$NEW_MANIFEST"; }

# mkdir -p, recording each directory this install creates (so --uninstall can remove it).
make_dir() {
  if [ ! -d "$1" ]; then
    make_dir "$(dirname -- "$1")"
    mkdir "$1"
    record "dir $1"
  fi
}

uninstall() {
  if [ ! -f "$MANIFEST" ]; then
    say "caa-preflight is not installed under $PREFIX (no $MANIFEST)"
    return 0
  fi
  cp -- "$MANIFEST" "$NEW_MANIFEST"
  # acme.sh confs first, while the command still exists.
  grep '^acme-hooks ' "$NEW_MANIFEST" | while IFS= read -r line; do
    home=${line#acme-hooks }
    if [ -x "$BIN" ]; then "$BIN" acme-hooks remove --purge-backups --command "$HOOK_CMD" --acme-home "$home" >/dev/null || true; fi
  done
  grep '^file ' "$NEW_MANIFEST" | while IFS= read -r line; do rm -f -- "${line#file }"; done
  rm -rf -- "$LIB/dist" "$LIB/hooks" "$LIB/node_modules"
  rm -f -- "$LIB/package.json" "$LIB/package-lock.json" "$LIB/README.md" "$MANIFEST"
  # Directories this install created, deepest first, if now empty.
  grep '^dir ' "$NEW_MANIFEST" | sort -r | while IFS= read -r line; do rmdir -- "${line#dir }" 2>/dev/null || true; done
  if grep -q "^file $DROPIN\$" "$NEW_MANIFEST" && [ -z "${CAA_PREFLIGHT_SYSTEMD_DIR:-}" ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload || true
  fi
  say "caa-preflight removed from $PREFIX"
}

if [ $UNINSTALL = 1 ]; then
  uninstall
  exit 0
fi

command -v node >/dev/null 2>&1 || { echo "install.sh: node is required (Node.js 20 or later)" >&2; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  { echo "install.sh: Node.js 20 or later is required (found $(node --version))" >&2; exit 1; }
NODE=$(command -v node)
if [ ! -f "$SRC/dist/cli.js" ]; then
  say "building (npm ci) in $SRC"
  (cd "$SRC" && npm ci)
fi

make_dir "$LIB"
make_dir "$PREFIX/bin"
if [ -f "$MANIFEST" ]; then cat -- "$MANIFEST" >>"$NEW_MANIFEST"; fi

# The package: built code, hooks, and the production dependencies from this checkout (offline).
rm -rf -- "$LIB/dist" "$LIB/hooks" "$LIB/node_modules"
cp -R -- "$SRC/dist" "$SRC/hooks" "$LIB/"
cp -- "$SRC/package.json" "$SRC/package-lock.json" "$SRC/README.md" "$LIB/"
(cd "$SRC" && npm ls --omit=dev --all --parseable 2>/dev/null) | while IFS= read -r dep; do
  case $dep in "$SRC"/node_modules/*) ;; *) continue ;; esac
  rel=${dep#"$SRC"/}
  mkdir -p -- "$LIB/$(dirname -- "$rel")"
  [ -e "$LIB/$rel" ] || cp -R -- "$dep" "$LIB/$rel"
done
[ -d "$LIB/node_modules/dns-packet" ] || { echo "install.sh: production dependencies missing in $SRC (run npm ci)" >&2; exit 1; }

cat >"$BIN" <<LAUNCHER
#!/bin/sh
# caa-preflight launcher (install.sh)
exec "$NODE" "$LIB/dist/cli.js" "\$@"
LAUNCHER
chmod 755 "$BIN"
record "file $BIN"
say "installed: $BIN ($("$BIN" --version))"

if [ $CERTBOT_HOOK = 1 ]; then
  if [ -d "$CERTBOT_DIR" ] && [ -w "$CERTBOT_DIR" ]; then
    hookdir=$CERTBOT_DIR/renewal-hooks/pre
    make_dir "$hookdir"
    sed "s|@PREFLIGHT@|$BIN_SED|" "$SRC/hooks/certbot-pre-hook" >"$hookdir/00-caa-preflight"
    chmod 755 "$hookdir/00-caa-preflight"
    record "file $hookdir/00-caa-preflight"
    say "certbot pre-hook: $hookdir/00-caa-preflight (reports only: certbot renews anyway; see --systemd)"
  elif [ -d "$CERTBOT_DIR" ]; then
    say "certbot pre-hook: skipped, $CERTBOT_DIR is not writable (run as root)"
  else
    say "certbot pre-hook: skipped, no $CERTBOT_DIR"
  fi
fi

if [ $SYSTEMD = 1 ]; then
  if [ $IS_ROOT = 0 ] && [ -z "${CAA_PREFLIGHT_SYSTEMD_DIR:-}" ]; then
    echo "install.sh: --systemd needs root" >&2
    exit 1
  fi
  make_dir "$SYSTEMD_DIR"
  sed "s|@PREFLIGHT@|$BIN_SED|" "$SRC/hooks/certbot.service.d-caa-preflight.conf" >"$DROPIN"
  record "file $DROPIN"
  if [ -z "${CAA_PREFLIGHT_SYSTEMD_DIR:-}" ] && command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload || true; fi
  say "systemd: $DROPIN — certbot.timer now renews through the wrapper"
fi

say "acme.sh pre-hook command: $HOOK_CMD; [ \$? -ne 1 ]   (only a refusal stops acme.sh)"
if [ $ACME_HOOKS = 1 ]; then
  # acme-hooks prints "home DIR" for every home it edits: exactly those go into the manifest.
  out=$(mktemp)
  if [ -n "$ACME_HOMES" ]; then
    set --
    while IFS= read -r home; do
      [ -n "$home" ] && set -- "$@" --acme-home "$home"
    done <<HOMES
$ACME_HOMES
HOMES
    "$BIN" acme-hooks add --command "$HOOK_CMD" "$@" >"$out"
  else
    "$BIN" acme-hooks add --command "$HOOK_CMD" >"$out"
  fi
  grep -v '^home ' "$out" || true
  grep '^home ' "$out" | while IFS= read -r line; do record "acme-hooks ${line#home }"; done
  rm -f -- "$out"
else
  say "  add it to existing certificates with: $0 --acme-sh-hooks (each conf is backed up first)"
fi

sort -u "$NEW_MANIFEST" >"$MANIFEST"
say "manifest: $MANIFEST (./install.sh --uninstall${PREFIX:+ --prefix $PREFIX} removes it all)"
