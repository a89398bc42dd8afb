# Shared helpers for the scripts in this folder. Source it; do not run it.

# ensure_packages PKG... installs the Debian packages that are missing, running
# `apt-get update` first only when something has to be installed.
ensure_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "scripts: installing ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The packages every build and test needs: readline for the REPL, QEMU and the guest agent as
# real peers for the integration tests, socat and jq for the benchmarks and tests, tmux for the
# terminal tests, mandoc to check that the man page renders without warnings.
BASE_PACKAGES=(libreadline-dev qemu-system-x86 qemu-utils qemu-guest-agent socat jq tmux mandoc time)

# The flags of every release build of the shell (scripts/run, install, bench):
# - a static Swift runtime: no Swift libraries to load and relocate at start-up (a one-shot
#   `qmp-shell -c` measured about 40% less CPU and 2 MB less RSS than with shared ones);
# - no exported symbols: swiftc links executables with --export-dynamic, which put 11,000 of
#   our symbols in the dynamic table, and the runtime's start-up dladdr() scans that table
#   (about 8% of a one-shot's CPU). Nothing looks our symbols up at run time.
# Not -no-pie, though it measured faster: a PIE with the Swift runtime inside carries 51,000
# relative relocations (a 1.2 MB table) that ld.so applies at every start, and a fixed-address
# executable needs none (one-shot `-c query-status`: 4.19 -> 3.71 ms task-clock, 551 -> 416
# page faults). But qmp-shell parses what a guest can influence, partly with unsafe pointer
# code, and a position-dependent executable gives an attacker fixed addresses for every gadget
# in it. Debian builds every executable as PIE for that reason; so do we.
RELEASE_BUILD_FLAGS=(-c release --static-swift-stdlib -Xlinker --no-export-dynamic)
