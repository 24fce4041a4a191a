#!/usr/bin/env bash
# The .deb on a fresh system: a clean Debian 12 root (debootstrap minbase, cached outside
# the clone), entered with chroot. Inside: `apt install` of the previous release resolves
# the dependencies from Debian; a person uses it, and this release is installed over it
# while it runs (tests/package/in_fresh_system.py, run headless as an ordinary user);
# then `apt remove` must leave nothing of the package in /usr and keep the person's data.
# Needs root.
# usage: tests/package/fresh_system.sh PREVIOUS.deb PACKAGE.deb
#   DEBIAN_MIRROR=URL  the Debian mirror to make the root from; by default this machine's own
#                      (its apt sources' bookworm main), else Debian's deb.debian.org
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/build_identity.sh
[ "$(id -u)" -eq 0 ] || { echo "FAIL fresh system: needs root (debootstrap, mount, chroot)"; exit 1; }
previous=$(realpath "$1")
deb=$(realpath "$2")
version_of() { dpkg-deb -f "$1" Version; }
cache="$HOME/.cache/converge-tray/debian-root"
# The mirror this machine's apt uses for Debian 12's main, from its sources (one-line .list
# files or deb822 .sources), so the root comes from where this machine's packages come from.
machine_mirror() {
  python3 - <<'PY'
import glob, re
def stanzas():
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*.list"))]:
        try: lines = open(path).read().splitlines()
        except OSError: continue
        for line in lines:
            line = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
            if len(line) >= 4 and line[0] == "deb":
                yield {"types": ["deb"], "uris": [line[1]], "suites": [line[2]], "components": line[3:]}
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for block in open(path).read().split("\n\n"):
            fields = {}
            for line in block.splitlines():
                if ":" in line and not line.startswith(("#", " ")):
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.split()
            if fields.get("enabled", ["yes"])[0].lower() == "no": continue
            yield {k: fields.get(k, []) for k in ("types", "uris", "suites", "components")}
for source in stanzas():
    if "deb" in source["types"] and "bookworm" in source["suites"] and "main" in source["components"]:
        print(source["uris"][0].rstrip("/")); break
PY
}
mirror=${DEBIAN_MIRROR:-$(machine_mirror)}
if [ -z "$mirror" ]; then
  mirror="http://deb.debian.org/debian"
  echo "fresh system: this machine's apt has no Debian 12 (bookworm) main source; using $mirror (set DEBIAN_MIRROR to choose)"
fi
# What the test itself needs in the root: a headless desktop, as the e2e tests have it.
tools="xvfb xauth dbus dbus-x11 python3-dbus-next haskell-status-notifier-item-utils"
mkdir -p "$cache"
root=$(mktemp -d /var/tmp/converge-fresh-XXXXXX)
chmod 755 "$root"  # it is the chroot's /: everyone must be able to enter it
cleanup() {
  # What the session started on demand and left running inside (the document portal, which
  # WebKitGTK's recommended portal brings, keeps a FUSE mount in the runtime directory),
  # then every mount under the root, deepest first.
  for proc_root in /proc/[0-9]*/root; do
    if [ "$(readlink "$proc_root" 2>/dev/null || true)" = "$root" ]; then
      kill -9 "$(basename "$(dirname "$proc_root")")" 2>/dev/null || true
    fi
  done
  awk -v root="$root/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r \
    | while read -r mounted; do umount -l "$mounted" 2>/dev/null || true; done
  for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

if [ ! -s "$cache/bookworm-minbase.tar" ]; then
  echo "fresh system: making a Debian 12 root from $mirror (debootstrap minbase; cached after this)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
  mount --bind /proc "$root/proc"; mount --bind /sys "$root/sys"
  mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  in_root apt-get update -qq
  in_root apt-get install -y -qq --no-install-recommends $tools >/dev/null
  in_root apt-get clean
  for m in dev/pts dev sys proc; do umount -l "$root/$m"; done
  tar -C "$root" -cf "$cache/bookworm-minbase.tar.tmp" . && mv "$cache/bookworm-minbase.tar.tmp" "$cache/bookworm-minbase.tar"
else
  tar -C "$root" -xf "$cache/bookworm-minbase.tar"
  chmod 755 "$root"
fi
mount --bind /proc "$root/proc"; mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$previous" "$root/tmp/previous.deb"
cp "$deb" "$root/tmp/converge-tray.deb"
mkdir -p "$root/tmp/check/requests"
cp tests/package/in_fresh_system.py tests/e2e/desktop.py tests/e2e/harness.py "$root/tmp/check/"

# The commit the previous release was built from, for its binaries' --version.
read -r _ previous_commit < <(grep -v '^#' tests/package/previous-release)
status=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; status=1; }
in_root apt-get update -qq
if in_root apt-get install -y -qq /tmp/previous.deb >/tmp/converge-fresh-apt.log 2>&1; then
  pass "apt installs the previous release ($(version_of "$previous")) on a fresh Debian 12 and resolves its dependencies"
else
  fail "apt installs the previous release on a fresh Debian 12"; tail -20 /tmp/converge-fresh-apt.log
fi

# Root's part of the person's session, asked for through files: only these commands.
requests="$root/tmp/check/requests"
serve_requests() {
  while [ ! -e "$requests/finished" ]; do
    for request in "$requests"/request-*; do
      [ -e "$request" ] || continue
      number=${request##*-}
      command=$(cat "$request"); rm -f "$request"
      case "$command" in
        upgrade) in_root apt-get install -y -qq /tmp/converge-tray.deb ;;
        reinstall) in_root dpkg -i /tmp/converge-tray.deb ;;
        *) echo "unknown request $command"; false ;;
      esac >"$requests/log-$number" 2>&1 && status_of=0 || status_of=$?
      echo "$status_of" >"$requests/status-$number"
      mv "$requests/status-$number" "$requests/done-$number"
    done
    sleep 0.2
  done
}
# The desktop session runs as an ordinary user, as a person would.
in_root useradd -m person
chown "$(in_root id -u person)" "$requests"
serve_requests &
server=$!
if in_root su person -c "cd /tmp/check && xvfb-run -a dbus-run-session -- python3 in_fresh_system.py $(version_of "$previous") $(version_of "$deb") $previous_commit $expected_commit $expected_clean" \
    >/tmp/converge-fresh-run.log 2>&1; then
  grep -E '^(PASS|FAIL) ' /tmp/converge-fresh-run.log
else
  cat /tmp/converge-fresh-run.log
  fail "a person's life with the packages (above)"
fi
touch "$requests/finished"; wait "$server" || true
for done in "$requests"/done-*; do
  if [ "$(cat "$done")" != 0 ]; then
    echo "--- root request ${done##*-} failed:"; tail -5 "$requests/log-${done##*-}"
  fi
done
[ "$(in_root dpkg-query -W -f '${Version}' converge-tray)" = "$(version_of "$deb")" ] \
  && pass "this release ($(version_of "$deb")) is the one installed" || fail "this release is the one installed"
installed=$(in_root dpkg -L converge-tray | grep '^/usr/' || true)
echo "$installed" | grep -qx /usr/bin/ctray && pass "ctray is installed in /usr/bin" \
  || fail "ctray is installed in /usr/bin"
in_root sh -c 'ls /usr/share/applications/*.desktop' | grep -q . \
  && pass "a desktop entry puts the app in the launcher" || fail "a desktop entry"
in_root apt-get remove -y -qq converge-tray >/dev/null 2>&1 || fail "apt remove"
[ -f "$root/home/person/.local/share/dev.converge.tray/inbox.db" ] \
  && pass "apt remove keeps the person's data (their database is still there)" \
  || fail "apt remove keeps the person's data"
left=""
for f in $installed; do
  [ -d "$root$f" ] && continue  # shared folders such as /usr/bin stay
  [ -e "$root$f" ] && left="$left $f"
done
[ -z "$left" ] && pass "apt remove leaves nothing of the package in /usr" \
  || fail "apt remove leaves nothing of the package in /usr:$left"
exit $status
