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
#   (about 8% of a one-shot's CPU). Nothing looks our symbols up at run time;
# - a position-dependent executable (-no-pie): a PIE with the Swift runtime inside carries
#   51,000 relative relocations (a 1.2 MB table) that ld.so applies at every start, dirtying
#   data pages as it goes; fixed addresses need none. A one-shot `qmp-shell SOCK -c
#   query-status` measured 4.19 -> 3.71 ms task-clock and 551 -> 416 page faults. The price
#   is that the executable's own code and data are not address-randomised (shared libraries,
#   stack and heap still are).
RELEASE_BUILD_FLAGS=(-c release --static-swift-stdlib -Xlinker --no-export-dynamic -Xlinker -no-pie)
