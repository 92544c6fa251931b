#!/usr/bin/env bash
# Builds the vmlab guest disks once per recipe: a debootstrap base per guest
# (its release and packages; cached tarballs), then vps and home customised
# side by side, each turned into a sparse raw ext4 disk plus the kernel and
# initrd for -kernel/-initrd boot, and vps's cloud-init seed.
# Result: $CACHE/guests-<key>/{vps,home}.{raw,vmlinuz,initrd,hostkeys}, vps.seed.iso.
. "$(dirname "$0")/common.sh"

[ "$(id -u)" -eq 0 ] || die "building guest disks needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap missing (scripts/install-packages.sh installs it)"
command -v genisoimage >/dev/null || die "genisoimage missing (vmlab.sh build installs it)"

# The operator key is made once and kept outside the versioned dir: the disks
# embed its public half, so a new key means a new build key, hence new disks.
if [ ! -s "$OPKEY" ]; then
  ssh-keygen -q -t ed25519 -N '' -C "personal-as vmlab operator" -f "$OPKEY"
  log "guests: operator key created at $OPKEY"
fi

GDIR="$(guest_dir)"
if [ -e "$GDIR/done" ]; then
  log "guests: disks present in $GDIR"
  exit 0
fi
start_all=$SECONDS

# --- one debootstrapped base per guest release, keyed by its package list ---
# The package files name one package a line; '#' lines say why.
package_list() { grep -v -e '^#' -e '^$' "$GUESTS_SRC/image/$1.packages"; }
WORK="$GDIR.partial"
# --one-file-system: never descend into a /proc still mounted in a chroot.
cleanup() {
  findmnt -rn -o TARGET | grep "^$WORK/" | xargs -r umount -l || true
  rm -rf --one-file-system "$WORK"
}
cleanup; mkdir -p "$WORK"
trap cleanup EXIT

base_of() {   # the cached base tarball of guest $1
  local key
  key="$( { echo "${G_RELEASE[$1]}"; package_list "$1-base"; } | sha256sum | cut -c1-12)"
  printf '%s/guests-base-%s-%s.tar\n' "$CACHE" "${G_RELEASE[$1]}" "$key"
}

make_base() {   # guest $1's base, debootstrapped into $2
  local r="$WORK/base-$1" base="$2"
  debootstrap --variant=minbase --include="$(package_list "$1-base" | paste -sd,)" \
    "${G_RELEASE[$1]}" "$r" "$MIRROR"
  # Per-guest identity is made later; a shared one would clash on the bridge.
  rm -f "$r"/etc/ssh/ssh_host_* "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*_*
  : >"$r/etc/machine-id"
  tar -C "$r" --numeric-owner -cf "$base.partial" .
  mv "$base.partial" "$base"
  rm -rf "$r"
}
# Both releases side by side: each is mostly waiting on the mirror.
base_pids=()
for g in "${GUESTS[@]}"; do
  b="$(base_of "$g")"
  [ -s "$b" ] && continue
  ( t=$SECONDS
    with_progress "guests: debootstrap $g's base (${G_RELEASE[$g]})" "$VMLAB/build-base-$g.log" make_base "$g" "$b"
    timing "guests base debootstrap $g ${G_RELEASE[$g]} $((SECONDS - t))s" ) &
  base_pids+=($!)
done
for p in "${base_pids[@]}"; do wait "$p" || die "guest base failed (logs: $VMLAB/build-base-*.log)"; done

# --- per guest ---------------------------------------------------------------
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

install_extra() {   # home's packages, straight from the mirror
  local pkgs; pkgs="$(package_list "$G" | paste -sd' ')"
  cp /etc/resolv.conf "$R/etc/resolv.conf"              # build-time DNS only
  printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"  # no daemons in the chroot
  chmod +x "$R/usr/sbin/policy-rc.d"
  mount -t proc proc "$R/proc"
  # shellcheck disable=SC2086
  { in_root apt-get update -q && in_root apt-get install -y -q --no-install-recommends $pkgs; } \
    || { umount "$R/proc"; return 1; }
  umount "$R/proc"
  in_root apt-get clean
  rm -f "$R/usr/sbin/policy-rc.d" "$R"/var/lib/apt/lists/*_*
}

configure() {
  local lab_if="${G_LAB_IF[$G]}" release="${G_RELEASE[$G]}"
  printf '/dev/vda\t/\text4\terrors=remount-ro\t0\t1\n' >"$R/etc/fstab"
  # The lab NIC's name, by MAC whatever PCI slot QEMU picks: the lab plan
  # names it. Nothing configures it: the stack does, over SSH.
  mkdir -p "$R/etc/systemd/network"
  printf '[Match]\nMACAddress=%s\n\n[Link]\nName=%s\n' "${G_LAB_MAC[$G]}" "$lab_if" >"$R/etc/systemd/network/10-$lab_if.link"

  cat >"$R/etc/apt/sources.list" <<SRC
deb http://deb.debian.org/debian $release main
deb http://deb.debian.org/debian $release-updates main
deb http://deb.debian.org/debian-security $release-security main
SRC
  echo "Acquire::http::Proxy \"http://$MGMT_HOST:$PROXY_PORT\";" >"$R/etc/apt/apt.conf.d/01proxy"
  # Background apt runs would only race the stack's own apt-get for the lock
  # (it waits for the lock, but a TCG guest's unattended-upgrades run takes
  # minutes of a tier's budget).
  in_root systemctl disable apt-daily.timer apt-daily-upgrade.timer 2>/dev/null || true
  cp "$GUESTS_SRC/image/sshd-$G.conf" "$R/etc/ssh/sshd_config.d/personal-as.conf"
  in_root usermod -p '*' root          # no password login for root, ever

  "configure_${G_SETUP[$G]//-/_}"
}

# vps: its identity and network come from a NoCloud seed on a second disk
# (labelled cidata), as a provider's metadata gives them: root's SSH key,
# the host name, the host key and the management NIC's static address.
configure_cloud_init() {
  local seed="$WORK/$G-seed" keys="$WORK/$G-hostkey"
  echo localhost >"$R/etc/hostname"   # cloud-init names it at first boot
  : >"$R/etc/machine-id"               # made at first boot, as in a cloud image
  # The root disk is not partitioned and has a fixed size: nothing to grow.
  printf 'growpart:\n  mode: "off"\nresize_rootfs: false\n' >"$R/etc/cloud/cloud.cfg.d/90-vmlab-disk.cfg"
  # The host key is made here and handed over in the seed, so the first
  # connection is already verified (a provider shows its console instead).
  mkdir -p "$seed"
  ssh-keygen -q -t ed25519 -N '' -C "$G" -f "$keys"
  cp "$keys.pub" "$WORK/$G.hostkeys"
  printf 'instance-id: vmlab-%s-%s\nlocal-hostname: %s\n' "$G" "$(version_key)" "$G" >"$seed/meta-data"
  { echo "#cloud-config"
    echo "# What a provider hands a fresh VPS: root by key and nothing else."
    echo "users: []"
    echo "disable_root: false"
    echo "ssh_authorized_keys:"
    echo "  - $(cat "$OPKEY.pub")"
    echo "ssh_deletekeys: true"
    echo "ssh_genkeytypes: [ed25519]   # none made: the key above is given"
    echo "ssh_keys:"
    echo "  ed25519_private: |"
    sed 's/^/    /' "$keys"
    echo "  ed25519_public: $(cat "$keys.pub")"
    echo "# The disk's sources and the machine's apt proxy stay as they are."
    echo "apt:"
    echo "  preserve_sources_list: true"
  } >"$seed/user-data"
  cat >"$seed/network-config" <<NET
version: 2
ethernets:
  mgmt0:
    match:
      macaddress: "${G_MGMT_MAC[$G]}"
    set-name: mgmt0
    addresses: [${G_ADDR[$G]}/$MGMT_LEN]
NET
  genisoimage -quiet -output "$WORK/$G.seed.iso" -volid cidata -joliet -rock \
    "$seed/meta-data" "$seed/user-data" "$seed/network-config"
  chmod 0444 "$WORK/$G.seed.iso"
  rm -rf "$seed" "$keys" "$keys.pub"
  # sshd's config is checked here with a throwaway key: the real one comes at boot.
  in_root sh -c 'mkdir -p /run/sshd && ssh-keygen -q -t ed25519 -N "" -f /tmp/k && sshd -t -h /tmp/k; rc=$?; rm -rf /tmp/k /tmp/k.pub /run/sshd; exit $rc'
}

# home: set up on its own disk, as a household's machine is: a sudo user, its
# own services, and NetworkManager running the network (as on Raspberry Pi OS).
configure_disk() {
  local user="${G_USER[$G]}" home
  echo "$G" >"$R/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$G" >"$R/etc/hosts"
  tr -d - </proc/sys/kernel/random/uuid >"$R/etc/machine-id"
  # No DNS in the guests: apt hands host names to the proxy, nothing else resolves.
  echo "# no DNS: apt reaches the mirror through the proxy on the machine" >"$R/etc/resolv.conf"
  printf '[Match]\nMACAddress=%s\n\n[Link]\nName=mgmt0\n' "${G_MGMT_MAC[$G]}" >"$R/etc/systemd/network/10-mgmt0.link"
  # NetworkManager runs the network; ifupdown's file names only lo, so NM
  # manages every NIC (Debian's NM leaves those ifupdown lists alone).
  printf '# ifupdown is installed but unused: NetworkManager configures this machine.\nauto lo\niface lo inet loopback\n' \
    >"$R/etc/network/interfaces"
  mkdir -p "$R/etc/NetworkManager/system-connections"
  # mgmt0: the machine's management bridge; no gateway on purpose.
  printf '[connection]\nid=mgmt0\ntype=ethernet\ninterface-name=mgmt0\n\n[ipv4]\nmethod=manual\naddress1=%s/%s\n\n[ipv6]\nmethod=disabled\n' \
    "${G_ADDR[$G]}" "$MGMT_LEN" >"$R/etc/NetworkManager/system-connections/mgmt0.nmconnection"
  chmod 0600 "$R/etc/NetworkManager/system-connections/mgmt0.nmconnection"
  in_root systemctl enable NetworkManager.service
  in_root systemctl disable networking.service 2>/dev/null || true

  # SSH: host keys made here so they stay the same across overlays.
  in_root ssh-keygen -A
  cat "$R"/etc/ssh/ssh_host_*_key.pub >"$WORK/$G.hostkeys"
  in_root useradd -m -s /bin/bash -p '*' "$user"
  echo "$user ALL=(ALL) NOPASSWD:ALL" >"$R/etc/sudoers.d/$user"
  chmod 0440 "$R/etc/sudoers.d/$user"
  in_root visudo -cq
  # The user's systemd manager runs from boot, as on Raspberry Pi OS, whose
  # desktop logs its user in: without it every SSH login started and
  # stopped one (dbus and logind are there with NetworkManager), seconds
  # of the emulated CPU each time.
  mkdir -p "$R/var/lib/systemd/linger"; touch "$R/var/lib/systemd/linger/$user"
  home="/home/$user"
  install -d -m 700 "$R$home/.ssh"
  install -m 600 "$OPKEY.pub" "$R$home/.ssh/authorized_keys"
  in_root chown -R "$user:" "$home/.ssh"
  mkdir -p "$R/run/sshd"; in_root sshd -t; rmdir "$R/run/sshd"

  # The household's own services: Apache on :80, Debian's nginx on :443
  # (its default site replaced: it would take :80 from Apache), and a
  # dashboard on :3000.
  install -m 644 "$GUESTS_SRC/image/index.html" "$R/var/www/html/index.html"
  rm -f "$R/etc/nginx/sites-enabled/default"
  install -m 644 "$GUESTS_SRC/image/home-nginx.conf" "$R/etc/nginx/sites-enabled/home"
  install -d "$R/var/www/home-nginx" "$R/srv/home-dashboard"
  echo "home's own nginx" >"$R/var/www/home-nginx/index.html"
  echo "home's own dashboard" >"$R/srv/home-dashboard/index.html"
  install -m 644 "$GUESTS_SRC/image/home-dashboard.service" "$R/etc/systemd/system/home-dashboard.service"
  in_root systemctl enable home-dashboard.service
}

extract_boot() {
  # The initrd must reach a virtio root: check instead of trusting MODULES=most.
  local m
  for m in virtio_blk virtio_net virtio_pci; do
    in_root sh -c "lsinitramfs /boot/initrd.img-* | grep -q '/$m.ko' || grep -q '/$m.ko' /lib/modules/*/modules.builtin" \
      || die "$G: $m neither in the initrd nor built in"
  done
  cp "$R"/boot/vmlinuz-* "$WORK/$G.vmlinuz"
  cp "$R"/boot/initrd.img-* "$WORK/$G.initrd"
}

build_guest() {
  G="$1"; R="$WORK/$G-rootfs"
  local t=$SECONDS
  mkdir -p "$R"
  tar -C "$R" --numeric-owner -xpf "$(base_of "$G")"
  if [ -s "$GUESTS_SRC/image/$G.packages" ]; then install_extra; fi
  configure
  # What the pristine disk has installed: the destroy test tells the stack's
  # packages from the image's with it (Debian 13's has openssl, 12's not).
  in_root dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" {print $2}' | sort >"$WORK/$G.packages"
  extract_boot
  # 6G sparse: room for docker images the stack loads later; costs only what is used.
  truncate -s 6G "$WORK/$G.raw"
  mkfs.ext4 -q -F -L "$G" -d "$R" "$WORK/$G.raw"
  rm -rf "$R"
  chmod 0444 "$WORK/$G.raw"          # the pristine disk; overlays sit on top
  echo $((SECONDS - t)) >"$WORK/$G.seconds"
}

pids=()
for g in "${GUESTS[@]}"; do
  with_progress "guests: build $g" "$VMLAB/build-$g.log" build_guest "$g" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || die "guest build failed (logs: $VMLAB/build-*.log)"; done
for g in "${GUESTS[@]}"; do timing "guest build $g $(cat "$WORK/$g.seconds")s"; done

touch "$WORK/done"
trap - EXIT
rm -f "$WORK"/*.seconds
mv "$WORK" "$GDIR"
timing "guests build total $((SECONDS - start_all))s ($GDIR)"

# Drop disks of older recipes unless an overlay still boots from them.
drop_old_disks "$CACHE/guests" "$GDIR" "$RUN" guests
