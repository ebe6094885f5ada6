# shellcheck shell=bash
# Shared by scripts/vm/prepare and scripts/vm/run-in-guest. Sourced, not run.
# docs/VM.md describes the whole harness.

DTP_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
. "$DTP_VM_DIR/../lib/common.sh"

# Debian packages the harness itself needs (also listed in scripts/lib/packages.apt).
DTP_VM_PACKAGES=(qemu-system-x86 busybox-static cpio xz-utils)

dtp_vm_home() {
  if [ -n "${HOME:-}" ]; then echo "$HOME"; else getent passwd "$(id -u)" | cut -d: -f6; fi
}

DTP_VM_CACHE=${DTP_VM_CACHE:-${XDG_CACHE_HOME:-$(dtp_vm_home)/.cache}/dtprobed-vm}

dtp_vm_die() {
  printf 'dtp-vm: %s\n' "$*" >&2
  exit "${DTP_VM_DIE_RC:-1}"
}

dtp_vm_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else printf 'dtp-vm: need root (or sudo) to run: %s\n' "$*" >&2; return 1
  fi
}
