#!/usr/bin/env bash
# The .deb on a fresh system: a clean Debian 12 root (debootstrap minbase, cached outside
# the clone), entered with chroot. Inside: `apt install ./package.deb` resolves the
# dependencies from Debian; the installed app runs headless (tests/package/in_fresh_system.py);
# then `apt remove` must leave nothing of the package in /usr. Needs root.
# usage: tests/package/fresh_system.sh PACKAGE.deb
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "FAIL fresh system: needs root (debootstrap, mount, chroot)"; exit 1; }
deb=$(realpath "$1")
cache="$HOME/.cache/converge-tray/debian-root"
mirror="http://deb.debian.org/debian"
# What the test itself needs in the root: a headless desktop, as the e2e tests have it.
tools="xvfb xauth dbus dbus-x11 python3-dbus-next haskell-status-notifier-item-utils"
mkdir -p "$cache"
root=$(mktemp -d /var/tmp/converge-fresh-XXXXXX)
chmod 755 "$root"  # it is the chroot's /: everyone must be able to enter it
cleanup() {
  for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

if [ ! -s "$cache/bookworm-minbase.tar" ]; then
  echo "fresh system: making a Debian 12 root (debootstrap minbase; cached after this)"
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
cp "$deb" "$root/tmp/converge-tray.deb"
mkdir -p "$root/tmp/check"
cp tests/package/in_fresh_system.py tests/e2e/desktop.py tests/e2e/harness.py "$root/tmp/check/"

status=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; status=1; }
in_root apt-get update -qq
if in_root apt-get install -y -qq /tmp/converge-tray.deb >/tmp/converge-fresh-apt.log 2>&1; then
  pass "apt installs the .deb on a fresh Debian 12 and resolves its dependencies"
else
  fail "apt installs the .deb on a fresh Debian 12"; tail -20 /tmp/converge-fresh-apt.log
fi
installed=$(in_root dpkg -L converge-tray | grep '^/usr/' || true)
echo "$installed" | grep -qx /usr/bin/ctray && pass "ctray is installed in /usr/bin" \
  || fail "ctray is installed in /usr/bin"
in_root sh -c 'ls /usr/share/applications/*.desktop' | grep -q . \
  && pass "a desktop entry puts the app in the launcher" || fail "a desktop entry"
# The desktop session runs as an ordinary user, as a person would.
in_root useradd -m person
if in_root su person -c "cd /tmp/check && xvfb-run -a dbus-run-session -- python3 in_fresh_system.py" \
    >/tmp/converge-fresh-run.log 2>&1; then
  grep -E '^(PASS|FAIL) ' /tmp/converge-fresh-run.log
else
  cat /tmp/converge-fresh-run.log
  fail "the installed app runs for an ordinary user (above)"
fi
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
