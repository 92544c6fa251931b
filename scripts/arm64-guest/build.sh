#!/usr/bin/env bash
# Builds the arm64 guest's disk once per recipe: an arm64 Debian (the
# containers' release) debootstrapped on this amd64 machine, its second
# stage and apt run by qemu-user-static (binfmt_misc), then a sparse raw
# ext4 disk plus the kernel and initrd for -kernel/-initrd boot.
# Result: $CACHE/arm64-guest/disk-<key>/{disk.raw,Image,initrd,hostkeys}.
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

[ "$(id -u)" -eq 0 ] || die "building the arm64 guest's disk needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap missing (scripts/install-packages.sh installs it)"
# The chroot's arm64 binaries run through the kernel's binfmt_misc handler.
grep -qs '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 \
  || die "qemu-aarch64 is not registered with binfmt_misc; run: make bootstrap-arm64"

# The operator key is made once and kept outside the disk's folder: the disk
# embeds its public half, so a new key means a new build key, hence a new disk.
if [ ! -s "$OPKEY" ]; then
  ssh-keygen -q -t ed25519 -N '' -C "personal-as arm64 guest operator" -f "$OPKEY"
  log "arm64-guest: operator key created at $OPKEY"
fi

DISK="$(disk_dir)"
if [ -e "$DISK/done" ]; then
  log "arm64-guest: disk present in $DISK"
  exit 0
fi
start=$SECONDS
WORK="$DISK.partial"
R="$WORK/rootfs"
# --one-file-system: never descend into a /proc still mounted in the chroot.
cleanup() {
  findmnt -rn -o TARGET | grep "^$WORK/" | xargs -r umount -l || true
  rm -rf --one-file-system "$WORK"
}
cleanup; mkdir -p "$R"
trap cleanup EXIT

in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

# What the guest needs to boot and run the stack's containers, nothing more:
# udev for the kernel's devices, Docker to run the images (trixie's docker.io
# only recommends its command line, docker-cli), iproute2 for the one NIC,
# curl for asking the proxy from inside.
PACKAGES=(linux-image-arm64 systemd-sysv udev kmod openssh-server docker.io docker-cli iproute2 ca-certificates curl)

bootstrap() {
  debootstrap --arch arm64 --variant=minbase "$A64_RELEASE" "$R" "$MIRROR"
  # The rest through apt, not --include: apt resolves docker.io's
  # alternatives and virtual packages, debootstrap only takes the first.
  cp /etc/resolv.conf "$R/etc/resolv.conf"               # build-time DNS only
  printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"  # no daemons in the chroot
  chmod +x "$R/usr/sbin/policy-rc.d"
  mount -t proc proc "$R/proc"
  # One initramfs, made at the end: the kernel's postinst and then every
  # later package's trigger would each make one, minutes apiece under
  # qemu-user. The diversion keeps dpkg from replacing the stand-in.
  in_root dpkg-divert --local --rename --add /usr/sbin/update-initramfs
  ln -s /bin/true "$R/usr/sbin/update-initramfs"
  in_root apt-get update -q
  in_root apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
  rm "$R/usr/sbin/update-initramfs"
  in_root dpkg-divert --local --rename --remove /usr/sbin/update-initramfs
  in_root update-initramfs -c -k "$(ls "$R/lib/modules")"
  umount "$R/proc"
  in_root apt-get clean
  rm -f "$R/usr/sbin/policy-rc.d" "$R"/var/lib/apt/lists/*_*
}

configure() {
  echo "$GUEST_NAME" >"$R/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$GUEST_NAME" >"$R/etc/hosts"
  printf '/dev/vda\t/\text4\terrors=remount-ro\t0\t1\n' >"$R/etc/fstab"
  tr -d - </proc/sys/kernel/random/uuid >"$R/etc/machine-id"
  # No DNS and no default route: the guest talks to this machine's bridge only.
  echo "# no DNS: the guest reaches nothing but its bridge" >"$R/etc/resolv.conf"

  # Its one NIC, by the kernel's own name (net.ifnames=0 on the command
  # line): a oneshot with iproute2, so nothing depends on which network
  # manager this Debian release ships in its minimal set.
  cat >"$R/etc/systemd/system/pas-a64-net.service" <<UNIT
[Unit]
Description=personal-as arm64 guest: eth0 on the test bridge
Wants=network.target
Before=network.target ssh.service docker.service
BindsTo=sys-subsystem-net-devices-eth0.device
After=sys-subsystem-net-devices-eth0.device

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/ip link set eth0 up
ExecStart=/usr/sbin/ip addr replace $GUEST4/$LEN4 dev eth0
ExecStart=/usr/sbin/ip -6 addr replace $GUEST6/$LEN6 dev eth0 nodad

[Install]
WantedBy=multi-user.target
UNIT
  in_root systemctl enable pas-a64-net.service
  # Docker runs only host-network containers here: no docker0 bridge, no
  # NAT rules (the guest has no way out, and iptables under TCG is slow).
  mkdir -p "$R/etc/docker"
  printf '{\n  "bridge": "none",\n  "iptables": false,\n  "ip6tables": false\n}\n' >"$R/etc/docker/daemon.json"
  # Background apt runs would only cost the emulated CPU.
  in_root systemctl disable apt-daily.timer apt-daily-upgrade.timer 2>/dev/null || true

  # SSH: host keys made here, so known_hosts is pinned before the first boot.
  rm -f "$R"/etc/ssh/ssh_host_*
  in_root ssh-keygen -A
  cat "$R"/etc/ssh/ssh_host_*_key.pub >"$WORK/hostkeys"
  printf '# personal-as arm64 guest: root by key only, as a fresh VPS.\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUseDNS no\n' \
    >"$R/etc/ssh/sshd_config.d/personal-as.conf"
  in_root usermod -p '*' root          # no password login for root, ever
  install -d -m 700 "$R/root/.ssh"
  install -m 600 "$OPKEY.pub" "$R/root/.ssh/authorized_keys"
  mkdir -p "$R/run/sshd"; in_root sshd -t; rmdir "$R/run/sshd"
}

# The kernel as QEMU's -kernel loads it: QEMU 7.2 (bookworm) boots a raw
# arm64 Image and a gzip one, but not an EFI zboot image (its payload
# behind a PE stub), so unpack whatever Debian ships to the raw Image.
unpack_kernel() {
  local src="$1" dst="$2" off size comp
  if [ "$(dd if="$src" bs=1 skip=4 count=4 status=none)" = zimg ]; then
    read -r off size < <(od -An -tu4 -j8 -N8 "$src")
    comp="$(dd if="$src" bs=1 skip=24 count=8 status=none | tr -d '\0')"
    case "$comp" in
      gzip) tail -c +"$((off + 1))" "$src" | head -c "$size" | gzip -dc >"$dst" ;;
      zstd) tail -c +"$((off + 1))" "$src" | head -c "$size" | zstd -qdc >"$dst" ;;
      *) die "kernel $src: EFI zboot with $comp, which this script cannot unpack" ;;
    esac
  elif [ "$(od -An -tx1 -N2 "$src" | tr -d ' ')" = 1f8b ]; then
    gzip -dc "$src" >"$dst"
  else
    cp "$src" "$dst"
  fi
  # The arm64 Image header's magic, "ARM\x64" at byte 56.
  [ "$(od -An -tx1 -j56 -N4 "$dst" | tr -d ' ')" = 41524d64 ] || die "kernel $src: no arm64 Image in it"
}

extract_boot() {
  # The initrd must reach a virtio root on the virt machine's PCI bus:
  # check instead of trusting MODULES=most.
  local m
  for m in virtio_blk virtio_net virtio_pci; do
    in_root sh -c "lsinitramfs /boot/initrd.img-* | grep -q '/$m.ko' || grep -q '/$m.ko' /lib/modules/*/modules.builtin" \
      || die "$m neither in the initrd nor built in"
  done
  unpack_kernel "$(echo "$R"/boot/vmlinuz-*)" "$WORK/Image"
  cp "$R"/boot/initrd.img-* "$WORK/initrd"
}

t=$SECONDS
with_progress "arm64-guest: debootstrap (arm64, $A64_RELEASE) and packages" "$A64/build-bootstrap.log" bootstrap
log "arm64-guest: rootfs in $((SECONDS - t))s"
configure
extract_boot
# 8G sparse: room for the three images and their containers; costs only what is used.
truncate -s 8G "$WORK/disk.raw"
mkfs.ext4 -q -F -L "$GUEST_NAME" -d "$R" "$WORK/disk.raw"
rm -rf --one-file-system "$R"
chmod 0444 "$WORK/disk.raw"          # the pristine disk; each boot's overlay sits on top
touch "$WORK/done"
trap - EXIT
mv "$WORK" "$DISK"
timing "disk build $((SECONDS - start))s ($DISK)"

# Drop disks of older recipes; a running guest's overlay names its base.
drop_old_disks "$A64/disk" "$DISK" "$RUN" arm64-guest
