#!/bin/sh
# Install caa-preflight: the package, a `preflight` command and its man page under a prefix; the
# certbot pre-hook; on request, systemd drop-ins that make certbot's timer renew through the
# wrapper, and the acme.sh pre-hook in existing certificate confs.
# Idempotent. `--dry-run` prints the plan and changes nothing. `--uninstall` removes what this
# prefix's install put in place (recorded in its manifest), and leaves what another prefix's
# install has taken over since.
#
# System paths can be moved for tests: CAA_PREFLIGHT_SYSTEM_ROOT (a directory standing in for /,
# for the systemd, cron and snap lookups), CAA_PREFLIGHT_SYSTEMD_DIR (for /etc/systemd/system),
# CAA_PREFLIGHT_CONFIG (for /etc/caa-preflight.conf, as the command itself reads it).
set -eu

usage() {
  cat <<'USAGE'
Usage: ./install.sh [options]
  --prefix DIR             install under DIR (default /usr/local as root, ~/.local otherwise);
                           with --prefix, nothing outside DIR is written unless asked for below
  --certbot-hook           install the certbot pre-hook (the default without --prefix)
  --no-certbot-hook        do not install the certbot pre-hook
  --certbot-config-dir D   certbot config dir for the pre-hook (default /etc/letsencrypt)
  --systemd                make the systemd timer that renews certbot run it through
                           `preflight run` (Debian's certbot.service or the snap's
                           snap.certbot.renew.service; root)
  --acme-sh-hooks          add the pre-hook to existing acme.sh certificates (confs backed up)
  --acme-home DIR          acme.sh home (repeatable; default: the usual homes)
  --dry-run                print what would be written, removed or changed; change nothing
  --uninstall              remove what an install under this prefix put in place
  -h, --help               this help
USAGE
}

PREFIX=""
PREFIX_GIVEN=0
CERTBOT_DIR=/etc/letsencrypt
CERTBOT_HOOK=default
SYSTEMD=0
ACME_HOOKS=0
ACME_HOMES=""
UNINSTALL=0
DRY_RUN=0
NL='
'
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 64; }; PREFIX=$2; PREFIX_GIVEN=1; shift ;;
    --prefix=*) PREFIX=${1#--prefix=}; PREFIX_GIVEN=1 ;;
    --certbot-config-dir) [ $# -ge 2 ] || { echo "install.sh: --certbot-config-dir needs a directory" >&2; exit 64; }; CERTBOT_DIR=$2; shift ;;
    --certbot-hook) CERTBOT_HOOK=yes ;;
    --no-certbot-hook) CERTBOT_HOOK=no ;;
    --systemd) SYSTEMD=1 ;;
    --acme-sh-hooks) ACME_HOOKS=1 ;;
    --acme-home) [ $# -ge 2 ] || { echo "install.sh: --acme-home needs a directory" >&2; exit 64; }; ACME_HOMES="$ACME_HOMES$NL$2"; shift ;;
    --dry-run) DRY_RUN=1 ;;
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
while :; do case $PREFIX in /|*[!/]) break ;; *) PREFIX=${PREFIX%/} ;; esac; done
# The launcher's path goes into a shell hook, systemd ExecStart= lines, acme.sh confs (which
# acme.sh evals) and cron lines: only characters that mean nothing to any of them.
case $PREFIX in
  *[!A-Za-z0-9/._+@,:=-]*)
    echo "install.sh: the prefix $PREFIX has characters that hooks, systemd units or acme.sh confs would misread; use letters, digits and / . _ - + @ , : =" >&2
    exit 64 ;;
esac
LIB=$PREFIX/lib/caa-preflight
BIN=$PREFIX/bin/preflight
MAN=$PREFIX/share/man/man1/preflight.1
MANIFEST=$LIB/install-manifest
ROOT=${CAA_PREFLIGHT_SYSTEM_ROOT:-}
ROOT=${ROOT%/}
SYSTEMD_DIR=${CAA_PREFLIGHT_SYSTEMD_DIR:-$ROOT/etc/systemd/system}
REAL_SYSTEM=1
[ -n "${CAA_PREFLIGHT_SYSTEM_ROOT:-}${CAA_PREFLIGHT_SYSTEMD_DIR:-}" ] && REAL_SYSTEM=0
SITE_CONF=${CAA_PREFLIGHT_CONFIG:-/etc/caa-preflight.conf}
SRC=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
# acme.sh evals its pre-hook: quote the path.
HOOK_CMD="'$BIN' hook acme.sh"
# How the drop-ins run the wrapper (the command follows `--`). No per-host options here: those
# belong in the site defaults file (README "Site defaults"), which a reinstall never touches.
RUN_CMD="$BIN run --quiet --syslog --status-file /var/lib/caa-preflight/certbot-run.json"
STATUS=0
ENTRIES=""         # manifest lines: "file PATH", "dir PATH", "acme-hooks HOME"
CREATED=$NL        # directories created (or, in a dry run, to be created)
GONE=$NL           # paths removed (or to be removed) by --uninstall
PROBLEMS=""        # what stops this install before it changes anything

say() { printf '%s\n' "$*"; }
record() { ENTRIES="$ENTRIES$NL$*"; }
# Print what was done, or in a dry run what would be: did VERB PAST-TENSE WHAT.
did() { if [ $DRY_RUN = 1 ]; then say "would $1: $3"; else say "$2: $3"; fi; }
problem() { PROBLEMS="$PROBLEMS$NL$*"; }
# A sed replacement text standing for $1 literally (| is the delimiter used).
sed_text() { printf '%s' "$1" | sed 's/[|&\\]/\\&/g'; }
# The preflight launcher a hook or drop-in runs (empty if it is none of ours).
# shellcheck disable=SC2016 # the hook's ${CAA_PREFLIGHT:-...} is matched literally
launcher_of() {
  sed -n -e 's/^PREFLIGHT=\${CAA_PREFLIGHT:-\(.*\)}$/\1/p' -e 's/^ExecStart=\([^ ]*\) run .*/\1/p' "$1" 2>/dev/null | head -n 1
}
# The command being installed: this checkout's in a dry run (nothing is installed), else ours.
preflight_cli() {
  if [ $DRY_RUN = 1 ]; then "$NODE" "$SRC/dist/cli.js" "$@"; else "$BIN" "$@"; fi
}
# Whether systemd runs this system (what Debian's cron job tests too).
systemd_running() { [ -d "$ROOT/run/systemd/system" ]; }

# mkdir -p, recording each directory this install creates (so --uninstall can remove it).
make_dir() {
  [ -d "$1" ] && return 0
  make_dir "$(dirname -- "$1")"
  case $CREATED in *"$NL$1$NL"*) return 0 ;; esac
  [ $DRY_RUN = 1 ] || mkdir -- "$1"
  CREATED="$CREATED$1$NL"
  record "dir $1"
  did create created "$1/"
}

# Write file $1 (mode $2) to hold $3 and a newline, unless it already does; record it; WROTE
# says which. The content goes to a temporary name certbot skips (ending in ~), renamed into place.
put_file() {
  WROTE=0
  if [ -f "$1" ] && [ "$(cat -- "$1"; echo .)" = "$3$NL." ]; then
    if [ $DRY_RUN = 0 ] && [ "$2" = 755 ] && [ ! -x "$1" ]; then chmod 755 -- "$1"; fi
    say "unchanged: $1"
  else
    if [ $DRY_RUN = 0 ]; then
      tmp=$(dirname -- "$1")/.$(basename -- "$1").caa-preflight~
      printf '%s\n' "$3" >"$tmp"
      chmod "$2" -- "$tmp"
      mv -f -- "$tmp" "$1"
    fi
    WROTE=1
    did write wrote "$1"
  fi
  record "file $1"
}

# Before writing a hook or drop-in outside the prefix: a file of someone else's is an obstacle;
# one another prefix's install wrote is taken over, with the directories that install made for it.
check_claim() {
  [ -e "$1" ] || return 0
  other=$(launcher_of "$1")
  if [ -z "$other" ]; then
    problem "$1 exists and is not caa-preflight's (it runs no preflight launcher): move it away, or leave out the option that installs it"
  fi
}
take_over() {
  [ -e "$1" ] || return 0
  other=$(launcher_of "$1")
  [ -n "$other" ] && [ "$other" != "$BIN" ] || return 0
  did "take over" "taking over" "$1 (it ran $other, another prefix's install; it will run $BIN, and that install's --uninstall will leave it)"
  other_manifest=${other%/bin/preflight}/lib/caa-preflight/install-manifest
  [ -f "$other_manifest" ] || return 0
  while IFS= read -r line; do
    case $line in "dir "*) case $1 in "${line#dir }"/*) record "$line" ;; esac ;; esac
  done <"$other_manifest"
}

# ---- --uninstall -------------------------------------------------------------------------

is_gone() { case $GONE in *"$NL$1$NL"*) return 0 ;; esac; return 1; }
# Remove $1 (rm -rf) and say so; in a dry run only say so.
remove_path() {
  [ $DRY_RUN = 1 ] || rm -rf -- "$1"
  GONE="$GONE$1$NL"
  did remove removed "$1"
}
# Whether directory $1 holds nothing but what this uninstall removes.
would_be_empty() {
  for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    is_gone "$entry" || return 1
  done
  return 0
}
# A recorded file: inside the prefix it is ours; outside (hooks, drop-ins) only while it still
# runs this prefix's launcher — another prefix's install may have taken it over since.
uninstall_file() {
  if [ ! -e "$1" ] && [ ! -L "$1" ]; then say "already gone: $1"; return 0; fi
  case $1 in
    "$PREFIX"/*) ;;
    *)
      owner=$(launcher_of "$1")
      if [ "$owner" != "$BIN" ]; then
        if [ -n "$owner" ]; then say "left: $1 (it runs $owner, another prefix's install)"
        else say "left: $1 (it no longer runs $BIN: changed since it was installed)"; fi
        return 0
      fi ;;
  esac
  remove_path "$1"
  case $1 in *.service.d/*) RELOAD=1 ;; esac
}

uninstall() {
  if [ ! -f "$MANIFEST" ]; then
    say "caa-preflight is not installed under $PREFIX (no $MANIFEST)"
    return 0
  fi
  [ $DRY_RUN = 0 ] || say "dry run: nothing is changed; --uninstall would do this:"
  ENTRIES=$(cat -- "$MANIFEST")
  RELOAD=0
  # acme.sh confs first, while the command still exists. Only our prefix's command is taken out.
  while IFS= read -r line; do
    case $line in "acme-hooks "*) ;; *) continue ;; esac
    home=${line#acme-hooks }
    if [ ! -x "$BIN" ]; then
      say "left: the acme.sh pre-hooks in $home ($BIN is gone; remove them with: preflight acme-hooks remove --command \"$HOOK_CMD\" --acme-home $home)"
      continue
    fi
    set -- --purge-backups --command "$HOOK_CMD" --acme-home "$home"
    [ $DRY_RUN = 0 ] || set -- "$@" --dry-run
    out=$("$BIN" acme-hooks remove "$@" </dev/null) || STATUS=1
    printf '%s\n' "$out" | sed -n '/^home /!p'
  done <<ENTRIES
$ENTRIES
ENTRIES
  while IFS= read -r line; do
    case $line in "file "*) uninstall_file "${line#file }" </dev/null ;; esac
  done <<ENTRIES
$ENTRIES
ENTRIES
  for item in "$LIB/dist" "$LIB/hooks" "$LIB/node_modules" "$LIB/package.json" "$LIB/package-lock.json" "$LIB/README.md" "$MANIFEST"; do
    if [ -e "$item" ] || [ -L "$item" ]; then remove_path "$item"; fi
  done
  # Directories this install created (or took over), deepest first, if nothing else is in them.
  dirs=$(printf '%s\n' "$ENTRIES" | sed -n 's/^dir //p' | LC_ALL=C sort -r -u)
  while IFS= read -r d; do
    [ -n "$d" ] && [ -d "$d" ] || continue
    if [ $DRY_RUN = 1 ]; then
      if would_be_empty "$d"; then remove_path "$d"; else say "left: $d/ (not empty)"; fi
    elif rmdir -- "$d" 2>/dev/null; then
      say "removed: $d/"
    else
      say "left: $d/ (not empty)"
    fi
  done <<DIRS
$dirs
DIRS
  if [ $RELOAD = 1 ] && [ $REAL_SYSTEM = 1 ] && command -v systemctl >/dev/null 2>&1; then
    if [ $DRY_RUN = 1 ]; then say "would run: systemctl daemon-reload"; else systemctl daemon-reload || STATUS=1; fi
  fi
  if [ $DRY_RUN = 1 ]; then say "dry run: nothing changed"; else say "caa-preflight removed from $PREFIX"; fi
}

if [ $UNINSTALL = 1 ]; then
  uninstall
  exit $STATUS
fi

# ---- plan: what to install, checked before anything is written ------------------------------

command -v node >/dev/null 2>&1 || { echo "install.sh: node is required (Node.js 18.19 or later)" >&2; exit 1; }
NODE=$(command -v node)
# The versions package.json's engines allow: ^18.19 || >=20.5.
node_version=$("$NODE" --version)
node_ok=0
case $node_version in
  v[0-9]*.[0-9]*.*)
    v=${node_version#v}; major=${v%%.*}; v=${v#*.}; minor=${v%%.*}
    case $major$minor in *[!0-9]*) ;; *)
      if [ "$major" -gt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -ge 5 ]; } || { [ "$major" -eq 18 ] && [ "$minor" -ge 19 ]; }; then node_ok=1; fi ;;
    esac ;;
esac
[ $node_ok = 1 ] || { echo "install.sh: Node.js 18.19 or later (18.19+, 20.5+) is required (found $node_version)" >&2; exit 1; }

# The certbot pre-hook: by default only without --prefix (a prefix keeps everything inside it).
HOOK_FILE=$CERTBOT_DIR/renewal-hooks/pre/00-caa-preflight
WANT_HOOK=0
case $CERTBOT_HOOK in
  yes)
    if [ ! -d "$CERTBOT_DIR" ]; then problem "--certbot-hook: no $CERTBOT_DIR (give certbot's config dir with --certbot-config-dir)"
    elif [ ! -w "$CERTBOT_DIR" ]; then problem "--certbot-hook: $CERTBOT_DIR is not writable (run as root)"
    else WANT_HOOK=1; fi ;;
  default)
    if [ $PREFIX_GIVEN = 1 ]; then HOOK_NOTE="not installed: --prefix keeps everything under $PREFIX (add --certbot-hook to install it into $CERTBOT_DIR)"
    elif [ ! -d "$CERTBOT_DIR" ]; then HOOK_NOTE="skipped, no $CERTBOT_DIR"
    elif [ ! -w "$CERTBOT_DIR" ]; then HOOK_NOTE="skipped, $CERTBOT_DIR is not writable (run as root)"
    else WANT_HOOK=1; fi ;;
  no) HOOK_NOTE="not installed (--no-certbot-hook)" ;;
esac
[ $WANT_HOOK = 0 ] || check_claim "$HOOK_FILE"

# --systemd: find what really renews certbot's certificates here and act only where that is a
# systemd unit this install can wrap. Debian's package: certbot.timer -> certbot.service running
# `/usr/bin/certbot -q renew ...`, and /etc/cron.d/certbot, which does nothing while systemd runs
# (it tests /run/systemd/system). The snap: snap.certbot.renew.timer -> snap.certbot.renew.service
# running the snap's `renew` app, `certbot -q renew` (certbot's snap/snapcraft.yaml).
DROPINS=""         # lines "UNIT TIMER COMMAND..."
SYSTEMD_NOTES=""

# The unit file systemd would load for $1 (the first of /etc, /lib, /usr/lib); fails if none.
unit_file() {
  for d in "$SYSTEMD_DIR" "$ROOT/lib/systemd/system" "$ROOT/usr/lib/systemd/system"; do
    if [ -f "$d/$1" ]; then printf '%s\n' "$d/$1"; return 0; fi
  done
  return 1
}
# Other drop-ins of unit $1 that set ExecStart= (they would decide what runs, not ours).
other_exec_dropins() {
  for d in "$SYSTEMD_DIR" "$ROOT/run/systemd/system" "$ROOT/lib/systemd/system" "$ROOT/usr/lib/systemd/system"; do
    for f in "$d/$1.d"/*.conf; do
      [ -f "$f" ] && [ "$(basename -- "$f")" != caa-preflight.conf ] || continue
      if grep -q '^[[:space:]]*ExecStart[[:space:]]*=' "$f"; then printf '%s ' "$f"; fi
    done
  done
}
# Whether timer $1 is enabled (systemctl enable links it into timers.target.wants).
timer_enabled() { [ -e "$SYSTEMD_DIR/timers.target.wants/$1" ] || [ -L "$SYSTEMD_DIR/timers.target.wants/$1" ]; }
dropin_note() { SYSTEMD_NOTES="$SYSTEMD_NOTES${NL}systemd: $*"; }

plan_certbot_service() {
  if [ -c "$SYSTEMD_DIR/certbot.service" ]; then dropin_note "certbot.service is masked; left alone"; return 0; fi
  unit=$(unit_file certbot.service) || return 0
  FOUND=1
  others=$(other_exec_dropins certbot.service)
  if [ -n "$others" ]; then
    problem "--systemd: ${others% } already set(s) ExecStart= for certbot.service, so a drop-in of ours would not decide what runs; put the wrapper there yourself: ExecStart=$RUN_CMD -- <the certbot command it runs>"
    return 0
  fi
  # The command: the unit's ExecStart= lines in order, an empty one resetting the list.
  cmds=""
  while IFS= read -r value; do
    if [ -z "$value" ]; then cmds=""; else cmds="$cmds$value$NL"; fi
  done <<EXEC
$(sed -n 's/^[[:space:]]*ExecStart[[:space:]]*=[[:space:]]*//p' "$unit")
EXEC
  cmd=${cmds%"$NL"}
  exe=${cmd%% *}
  case $cmd in
    '')
      problem "--systemd: $unit has no ExecStart=; nothing to wrap" ;;
    *"$NL"*)
      problem "--systemd: $unit runs several commands (ExecStart= lines); put the wrapper in front of the certbot one yourself in a drop-in: ExecStart=$RUN_CMD -- <that command>" ;;
    [-@+!:]*|*[\$%\"\'\\\;]*)
      problem "--systemd: certbot.service runs '$cmd' (systemd prefixes, specifiers, variables or quoting that install.sh does not rewrite); write $SYSTEMD_DIR/certbot.service.d/caa-preflight.conf yourself: [Service] ExecStart= ExecStart=$RUN_CMD -- <that command>" ;;
    *)
      case ${exe##*/} in
        certbot|letsencrypt|certbot-*) ;;
        *) problem "--systemd: certbot.service runs $exe, not certbot; wrap the renewal there instead: $BIN run --quiet -- $cmd"; return 0 ;;
      esac
      if [ ! -x "$ROOT$exe" ]; then
        problem "--systemd: certbot.service ($unit) runs $exe, which is not there (certbot removed, or installed elsewhere?): fix the unit first"
        return 0
      fi
      DROPINS="${DROPINS}certbot.service certbot.timer $cmd$NL" ;;
  esac
}

plan_snap() {
  unit=$SYSTEMD_DIR/snap.certbot.renew.service
  [ -f "$unit" ] || return 0
  FOUND=1
  snapbin=""
  for b in /snap/bin/certbot /var/lib/snapd/snap/bin/certbot; do
    if [ -e "$ROOT$b" ] || [ -L "$ROOT$b" ]; then snapbin=$b; break; fi
  done
  others=$(other_exec_dropins snap.certbot.renew.service)
  if ! grep -q 'certbot\.renew' "$unit"; then
    problem "--systemd: $unit does not run the snap's certbot.renew; wrap what it runs yourself: ExecStart=$RUN_CMD -- <its certbot command>"
  elif [ -z "$snapbin" ]; then
    problem "--systemd: $unit exists but the snap's certbot command (/snap/bin/certbot) does not; is the certbot snap installed?"
  elif [ -n "$others" ]; then
    problem "--systemd: ${others% } already set(s) ExecStart= for snap.certbot.renew.service; put the wrapper there yourself: ExecStart=$RUN_CMD -- $snapbin -q renew"
  else
    DROPINS="${DROPINS}snap.certbot.renew.service snap.certbot.renew.timer $snapbin -q renew$NL"
  fi
}

plan_cron() {
  cron=$ROOT/etc/cron.d/certbot
  [ -f "$cron" ] || return 0
  if grep -q '/run/systemd/system' "$cron" && systemd_running; then
    dropin_note "/etc/cron.d/certbot does nothing while systemd runs (it tests for /run/systemd/system); left alone"
    return 0
  fi
  FOUND=1
  wrapped=$(sed -n -e '/^[[:space:]]*#/d' -e "s|&& \\(\\(/usr/bin/\\)\\{0,1\\}certbot \\)|\\&\\& $(sed_text "$BIN") run --quiet -- \\1|p" "$cron")
  if [ -n "$wrapped" ]; then
    problem "--systemd: certbot renews from /etc/cron.d/certbot here, which a systemd drop-in does not change; wrap certbot in that file (install.sh leaves it to you) so that its line reads:$NL  $wrapped"
  else
    problem "--systemd: certbot renews from /etc/cron.d/certbot here, which a systemd drop-in does not change; in that file, put \`$BIN run --quiet --\` in front of the certbot command"
  fi
}

if [ $SYSTEMD = 1 ]; then
  if [ $IS_ROOT = 0 ] && [ $REAL_SYSTEM = 1 ]; then
    echo "install.sh: --systemd needs root" >&2
    exit 1
  fi
  FOUND=0
  if systemd_running; then
    plan_certbot_service
    plan_snap
  fi
  plan_cron
  if [ $FOUND = 0 ]; then
    if systemd_running; then
      problem "--systemd: nothing renews certbot's certificates here: no certbot.service (in $SYSTEMD_DIR, $ROOT/lib/systemd/system, $ROOT/usr/lib/systemd/system), no snap.certbot.renew.service, no active /etc/cron.d/certbot; wrap your own renewal job's command instead: $BIN run --quiet -- certbot -q renew"
    else
      problem "--systemd: systemd is not running here (no /run/systemd/system), so a drop-in would do nothing; wrap your renewal job's command instead: $BIN run --quiet -- certbot -q renew"
    fi
  fi
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    check_claim "$SYSTEMD_DIR/${line%% *}.d/caa-preflight.conf"
  done <<DROPINS
$DROPINS
DROPINS
fi

if [ $ACME_HOOKS = 1 ]; then
  while IFS= read -r home; do
    [ -z "$home" ] || [ -d "$home" ] || problem "--acme-home $home: no such directory"
  done <<HOMES
$ACME_HOMES
HOMES
fi

if [ -n "$PROBLEMS" ]; then
  printf '%s\n' "$PROBLEMS" | sed '/^$/d; s/^/install.sh: /' >&2
  echo "install.sh: nothing was changed" >&2
  exit 1
fi

# ---- install ---------------------------------------------------------------------------------

[ $DRY_RUN = 0 ] || say "dry run: nothing is changed; install.sh would do this:"
if [ ! -f "$SRC/dist/cli.js" ]; then
  if [ $DRY_RUN = 1 ]; then say "would build: npm ci in $SRC"; else say "building (npm ci) in $SRC"; (cd "$SRC" && npm ci); fi
fi
BUILT=0
[ -f "$SRC/dist/cli.js" ] && BUILT=1

make_dir "$LIB"
make_dir "$PREFIX/bin"
if [ -f "$MANIFEST" ]; then ENTRIES="$ENTRIES$NL$(cat -- "$MANIFEST")"; fi

# The package: built code, hooks, and the production dependencies from this checkout (offline).
if [ $DRY_RUN = 1 ]; then
  for item in dist hooks node_modules package.json package-lock.json README.md; do
    if [ -e "$LIB/$item" ]; then say "would replace: $LIB/$item (from $SRC)"; else say "would copy: $LIB/$item (from $SRC)"; fi
  done
else
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
  say "copied: the package from $SRC to $LIB"
fi

put_file "$BIN" 755 "#!/bin/sh
# caa-preflight launcher (install.sh)
exec \"$NODE\" \"$LIB/dist/cli.js\" \"\$@\""
[ $DRY_RUN = 1 ] || say "installed: $BIN ($("$BIN" --version))"

make_dir "$(dirname -- "$MAN")"
if [ $BUILT = 1 ]; then
  put_file "$MAN" 644 "$("$NODE" "$SRC/dist/cli.js" help --man)"
else
  did write wrote "$MAN"
  record "file $MAN"
fi

if [ $WANT_HOOK = 1 ]; then
  take_over "$HOOK_FILE"
  make_dir "$(dirname -- "$HOOK_FILE")"
  put_file "$HOOK_FILE" 755 "$(sed "s|@PREFLIGHT@|$(sed_text "$BIN")|" "$SRC/hooks/certbot-pre-hook")"
  say "certbot pre-hook: $HOOK_FILE (reports only: certbot renews anyway; see --systemd)"
else
  say "certbot pre-hook: $HOOK_NOTE"
fi

if [ $SYSTEMD = 1 ]; then
  changed_units=0
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    unit=${line%% *}; rest=${line#* }; timer=${rest%% *}; cmd=${rest#* }
    dropin=$SYSTEMD_DIR/$unit.d/caa-preflight.conf
    take_over "$dropin"
    make_dir "$SYSTEMD_DIR/$unit.d"
    put_file "$dropin" 644 "$(sed -e "s|@PREFLIGHT@|$(sed_text "$BIN")|" -e "s|@UNIT@|$unit|" -e "s|@COMMAND@|$(sed_text "$cmd")|" "$SRC/hooks/certbot.service.d-caa-preflight.conf")"
    [ $WROTE = 0 ] || changed_units=1
    if [ $DRY_RUN = 1 ]; then verb="would then run"; else verb="now runs"; fi
    say "systemd: $timer starts $unit, which $verb: $RUN_CMD -- $cmd"
    timer_enabled "$timer" || say "systemd: note: $timer is not enabled, so nothing starts $unit on a schedule (systemctl enable --now $timer)"
  done <<DROPINS
$DROPINS
DROPINS
  [ -z "$SYSTEMD_NOTES" ] || printf '%s\n' "$SYSTEMD_NOTES" | sed '/^$/d'
  if [ $changed_units = 1 ] && [ $REAL_SYSTEM = 1 ] && command -v systemctl >/dev/null 2>&1; then
    if [ $DRY_RUN = 1 ]; then say "would run: systemctl daemon-reload"; else systemctl daemon-reload || STATUS=1; fi
  fi
fi

say "acme.sh pre-hook command: $HOOK_CMD; [ \$? -ne 1 ]   (only a refusal stops acme.sh)"
if [ $ACME_HOOKS = 1 ]; then
  set --
  while IFS= read -r home; do
    [ -n "$home" ] && set -- "$@" --acme-home "$home"
  done <<HOMES
$ACME_HOMES
HOMES
  [ $DRY_RUN = 0 ] || set -- "$@" --dry-run
  if [ $BUILT = 1 ]; then
    # acme-hooks prints "home DIR" for every home it edits: exactly those go into the manifest.
    out=$(preflight_cli acme-hooks add --command "$HOOK_CMD" "$@" </dev/null) || STATUS=1
    while IFS= read -r line; do
      case $line in "home "*) record "acme-hooks ${line#home }" ;; '') ;; *) say "$line" ;; esac
    done <<OUT
$out
OUT
  else
    say "would add: the pre-hook to the acme.sh certificates (which confs: known once built)"
  fi
else
  again=$0; [ $PREFIX_GIVEN = 0 ] || again="$again --prefix $PREFIX"
  say "  add it to existing certificates with: $again --acme-sh-hooks (each conf is backed up first)"
fi
# acme.sh's own cron line (acme.sh --install-cronjob), through the wrapper: its report goes to
# stderr, so cron mails only when something is wrong.
say "acme.sh cron line through the wrapper (in place of acme.sh's own; keep your schedule):"
cron_homes=$ACME_HOMES
if [ -z "$cron_homes" ]; then
  if [ $IS_ROOT = 1 ]; then cron_homes=/root/.acme.sh; else cron_homes=$HOME/.acme.sh; fi
fi
while IFS= read -r home; do
  [ -z "$home" ] || say "  $BIN run --quiet -- \"$home\"/acme.sh --cron --home \"$home\" > /dev/null"
done <<HOMES
$cron_homes
HOMES

# Per-host settings live in the site defaults file, which install.sh never writes.
if [ -f "$SITE_CONF" ]; then
  say "site defaults: $SITE_CONF (left as it is)"
else
  say "site defaults: no $SITE_CONF; per-host settings (resolver, timeouts, a private CA's CAA identity) go there (README \"Site defaults\")"
fi

manifest=$(printf '%s\n' "$ENTRIES" | sed '/^$/d' | LC_ALL=C sort -u)
if [ -f "$MANIFEST" ] && [ "$(cat -- "$MANIFEST")" = "$manifest" ]; then
  say "unchanged: $MANIFEST"
else
  [ $DRY_RUN = 1 ] || printf '%s\n' "$manifest" >"$MANIFEST"
  did write wrote "$MANIFEST"
fi
if [ $DRY_RUN = 1 ]; then
  say "dry run: nothing changed"
else
  say "manifest: $MANIFEST ($0 --uninstall --prefix $PREFIX removes it all)"
fi
exit $STATUS
